import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';

/** A loopback TCP port that was free a moment ago (for a child process's `--metrics 127.0.0.1:PORT`). */
export async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
