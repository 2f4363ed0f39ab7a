import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import pino from 'pino';
import { Connector } from '../src/connector/connector.js';
import { ConnectorMetrics } from '../src/connector/connector-metrics.js';
import { type AuthResult, EdgeServer, QuickTunnelAuthority, type TunnelAuthenticator } from '../src/edge/index.js';
import { loadOrCreateEdgeTls } from '../src/pki/index.js';
import { type RegisterRequest, verifyProof } from '../src/protocol/index.js';
import { dialTunnel, register } from './support/raw-tunnel-client.js';
import { tempDir } from './support/warren-processes.js';

const TUNNEL_ID = randomUUID();
const ACCOUNT = randomUUID();
const SECRET = randomBytes(32);

/** A named-tunnel authenticator whose store is down for the first `failures` calls (it throws, as a lost database does). */
class FlakyAuthenticator implements TunnelAuthenticator {
  calls = 0;
  #failures: number;
  constructor(failures: number) {
    this.#failures = failures;
  }
  async authenticate(request: RegisterRequest, nonce: string): Promise<AuthResult> {
    this.calls++;
    if (this.#failures > 0) {
      this.#failures--;
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432 (database down)');
    }
    if (request.auth.kind !== 'secret' || !verifyProof(SECRET, nonce, request.auth.proof)) {
      return { ok: false, failure: { code: 'WARREN_AUTH_FAILED', message: 'rejected', retryable: false } };
    }
    return { ok: true, tunnelId: TUNNEL_ID, accountId: ACCOUNT };
  }
}

async function startEdge(authenticator: TunnelAuthenticator) {
  const dataDir = tempDir('warren-edge-');
  const material = await loadOrCreateEdgeTls({ dataDir, hostnames: ['127.0.0.1'] });
  const edge = new EdgeServer({
    edgeName: 'test-edge',
    bind: '127.0.0.1',
    httpPort: 0,
    tunnelPort: 0,
    tls: { cert: material.certPem, key: material.keyPem },
    quick: await QuickTunnelAuthority.open(dataDir, 'warren.localhost'),
    named: { authenticator, router: { resolve: () => undefined } },
    logger: pino({ level: 'silent' }),
  });
  const ports = await edge.listen();
  return { edge, tunnelPort: ports.tunnelPort, ca: material.caPem };
}

test('an authenticator that throws is answered with the retryable WARREN_AUTH_UNAVAILABLE, not WARREN_AUTH_FAILED', {
  timeout: 30_000,
}, async () => {
  const auth = new FlakyAuthenticator(1);
  const { edge, tunnelPort, ca } = await startEdge(auth);
  after(() => edge.close(0));
  const link = await dialTunnel(tunnelPort, ca);
  const answer = await register(link, { kind: 'secret', tunnelId: TUNNEL_ID, proof: 'x'.repeat(44) });
  assert.deepEqual(answer, {
    code: 'WARREN_AUTH_UNAVAILABLE',
    message: 'the edge could not check the credentials; retrying',
    retryable: true,
  });
  assert.equal(auth.calls, 1);
});

test('a connector retries while the edge cannot check credentials, then registers', { timeout: 30_000 }, async () => {
  const auth = new FlakyAuthenticator(2);
  const { edge, tunnelPort, ca } = await startEdge(auth);
  const metrics = new ConnectorMetrics();
  let onRegistered: (tunnelId: string) => void = () => {};
  const registered = new Promise<string>((resolve) => {
    onRegistered = resolve;
  });
  const connector = new Connector({
    edge: { host: '127.0.0.1', port: tunnelPort },
    ca,
    credentials: { accountTag: ACCOUNT, tunnelId: TUNNEL_ID, secret: SECRET },
    haConnections: 1,
    handle: (stream) => stream.reset('WARREN_SHUTTING_DOWN', 'no origin in this test'),
    logger: pino({ level: 'silent' }),
    metrics,
    backoff: { baseMs: 1, maxMs: 5 },
    onRegistered: (reg) => onRegistered(reg.tunnelId),
  });
  const running = connector.run();
  // A permanent refusal would reject run() before any registration.
  const outcome = await Promise.race([
    registered,
    running.then(
      () => 'stopped',
      (e: Error) => e.message,
    ),
  ]);
  try {
    assert.equal(outcome, TUNNEL_ID);
    assert.equal(auth.calls, 3, 'two refusals while the store was down, then the registration');
    const fails = await metrics.registerFail.get();
    assert.deepEqual(
      fails.values.map((v) => [v.labels.code, v.value]),
      [['WARREN_AUTH_UNAVAILABLE', 2]],
    );
  } finally {
    await connector.shutdown(0);
    await running.catch(() => undefined);
    await edge.close(0);
  }
});
