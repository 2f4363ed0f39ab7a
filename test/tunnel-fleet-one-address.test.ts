import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { Connector, OriginProxy, parseTunnelToken } from '../src/connector/index.js';
import { Ingress } from '../src/connector/ingress/index.js';
import { eventually } from './support/eventually.js';
import { type NamedTunnelFixture, startNamedTunnelFixture } from './support/named-tunnel-fixture.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import { startServe } from './support/warren-processes.js';

/*
 * A fleet behind one address (issue 26): `warren serve` on its default flags takes 80 named
 * tunnels × 4 connections from 127.0.0.1. The old per-source cap (256 connections, registered or
 * not) let in 64 such connectors; registered links are now bounded by their account instead.
 */

const TUNNELS = 80;
const HA = 4;

let f: NamedTunnelFixture;
let origin: TestOrigin;
const connectors: Connector[] = [];
let proxy: OriginProxy | undefined;

before(async () => {
  origin = await startTestOrigin();
  f = await startNamedTunnelFixture();
});

after(async () => {
  await Promise.all(connectors.map((c) => c.shutdown(0)));
  proxy?.close();
  await f?.serve.stop();
  await origin?.close();
});

test('more-than-64-connectors-of-4-links-register-from-one-address-on-the-default-flags', async () => {
  const tokens: string[] = [
    (await f.api<string>('GET', `/accounts/${f.accountId}/cfd_tunnel/${f.tunnelId}/token`)).result,
  ];
  for (let i = 1; i < TUNNELS; i++) {
    const t = await f.api<{ id: string }>('POST', `/accounts/${f.accountId}/cfd_tunnel`, { name: `fleet-${i}` });
    assert.ok(t.success);
    tokens.push((await f.api<string>('GET', `/accounts/${f.accountId}/cfd_tunnel/${t.result.id}/token`)).result);
  }
  const ca = readFileSync(f.serve.caPath, 'utf8');
  const origins = new OriginProxy({ ingress: Ingress.fromUrl(origin.url) });
  proxy = origins;
  const links = new Set<string>();
  const failures: string[] = [];
  for (const [i, token] of tokens.entries()) {
    const c = new Connector({
      edge: { host: '127.0.0.1', port: f.serve.tunnelPort },
      ca,
      credentials: parseTunnelToken(token),
      haConnections: HA,
      handle: (stream, head) => origins.handle(stream, head),
      logger: pino({ level: 'silent' }),
      onRegistered: (_reg, index) => links.add(`${i}/${index}`),
    });
    connectors.push(c);
    c.run().catch((err: unknown) => failures.push(String(err)));
  }
  await eventually(
    () => {
      assert.deepEqual(failures, []);
      return links.size === TUNNELS * HA;
    },
    60_000,
    `${TUNNELS * HA} links registered`,
  );
  assert.ok(connectors.every((c) => c.readyConnections === HA));
  // The first tunnel is routed at app.example.com: it serves through its four links.
  for (let i = 0; i < 8; i++) assert.equal((await visit(f.serve.httpPort, f.hostname, '/echo')).status, 200);
});

test('the-removed-per-source-connection-cap-is-accepted-and-said-to-be-ignored', async () => {
  const serve = await startServe({ env: { WARREN_TUNNEL_MAX_CONNECTIONS_PER_SOURCE: '5000' } });
  try {
    const log = `${serve.stdout()}${serve.stderr()}`;
    assert.match(
      log,
      /--tunnel-max-connections-per-source \(WARREN_TUNNEL_MAX_CONNECTIONS_PER_SOURCE\) no longer applies/,
    );
    assert.match(log, /--tunnel-max-links-per-tunnel/);
  } finally {
    await serve.stop();
  }
});
