import { after, before } from 'node:test';
import { startTestOrigin, type TestOrigin } from './test-origin.js';
import { type QuickTunnelHandle, type ServeHandle, startQuickTunnel, startServe } from './warren-processes.js';

export interface QuickTunnelFixture {
  origin: TestOrigin;
  serve: ServeHandle;
  tunnel: QuickTunnelHandle;
}

/**
 * In the calling `describe`: a fresh `warren serve`, a test origin and a quick tunnel to it,
 * started before the tests and stopped after them. The fields are set once `before` ran.
 */
export function useQuickTunnel(): QuickTunnelFixture {
  const f = {} as QuickTunnelFixture;
  before(async () => {
    f.origin = await startTestOrigin();
    f.serve = await startServe();
    f.tunnel = await startQuickTunnel(f.serve, f.origin.url);
  });
  after(async () => {
    await f.tunnel?.stop();
    await f.serve?.stop();
    await f.origin?.close();
  });
  return f;
}
