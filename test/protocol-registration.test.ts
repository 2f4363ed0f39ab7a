import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import {
  type AcceptOutcome,
  acceptRegistration,
  MuxConnection,
  PROTOCOL_VERSION,
  proveSecret,
  type RegisterRequest,
  type RegistrationJudge,
  registerAsConnector,
  verifyProof,
} from '../src/protocol/index.js';

const SECRET = Buffer.alloc(32, 7);

/** Both ends of one loopback TCP connection, each with a MuxConnection. */
async function linkPair(): Promise<{ edge: MuxConnection; connector: MuxConnection; close: () => void }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect(address.port, '127.0.0.1');
  const [serverSide] = await accepted;
  const options = { initialWindow: 65536, heartbeatMs: 60_000, heartbeatTimeoutMs: 180_000 };
  const edge = new MuxConnection(serverSide, { role: 'edge', ...options });
  const connector = new MuxConnection(client, { role: 'connector', ...options });
  return {
    edge,
    connector,
    close: () => {
      edge.destroy();
      connector.destroy();
      server.close();
    },
  };
}

const requestFor = (nonce: string): RegisterRequest => ({
  version: PROTOCOL_VERSION,
  auth: { kind: 'secret', tunnelId: 't-1', proof: proveSecret(SECRET, nonce) },
  connector: { connectorId: 'c-1', connIndex: 0, version: 'test', arch: 'x64', os: 'linux' },
  heartbeatMs: 5_000,
  initialWindow: 128 * 1024,
});

test('connector and edge handshake: the proof over the nonce is checked and both sides agree on the registration', {
  timeout: 10_000,
}, async () => {
  const { edge, connector, close } = await linkPair();
  try {
    const calls: string[] = [];
    const judge: RegistrationJudge = {
      decide: async (request) => {
        calls.push('decide');
        assert.ok(request.auth.kind === 'secret' && verifyProof(SECRET, 'n0nce', request.auth.proof));
        return {
          ok: true,
          registration: { connectionId: 'conn-1', edgeName: 'e', tunnelId: 't-1', initialWindow: 96 * 1024 },
        };
      },
      accepted: () => calls.push('accepted'),
    };
    const [outcome, answer] = await Promise.all([
      acceptRegistration(edge, { version: PROTOCOL_VERSION, nonce: 'n0nce', edgeName: 'e' }, judge),
      registerAsConnector(connector, (hello) => requestFor(hello.nonce)),
    ]);
    assert.deepEqual(answer, { connectionId: 'conn-1', edgeName: 'e', tunnelId: 't-1', initialWindow: 96 * 1024 });
    assert.equal(outcome.accepted, true);
    assert.deepEqual(calls, ['decide', 'accepted']);
    // Each side now grants the window the other announced.
    assert.equal(edge.peerInitialWindow, 128 * 1024);
    assert.equal(connector.peerInitialWindow, 96 * 1024);
  } finally {
    close();
  }
});

test('a judge that throws is answered with the retryable WARREN_AUTH_UNAVAILABLE and the cause stays at the edge', {
  timeout: 10_000,
}, async () => {
  const { edge, connector, close } = await linkPair();
  try {
    const cause = new Error('database down at postgres://secret@db');
    const [outcome, answer] = await Promise.all([
      acceptRegistration(
        edge,
        { version: PROTOCOL_VERSION, nonce: 'n', edgeName: 'e' },
        {
          decide: () => Promise.reject(cause),
        },
      ),
      registerAsConnector(connector, (hello) => requestFor(hello.nonce)),
    ]);
    assert.deepEqual(answer, {
      code: 'WARREN_AUTH_UNAVAILABLE',
      message: 'the edge could not check the credentials; retrying',
      retryable: true,
    });
    assert.equal((outcome as Extract<AcceptOutcome, { accepted: false }>).cause, cause);
  } finally {
    close();
  }
});

test('a connector of another protocol version is refused without asking the judge', { timeout: 10_000 }, async () => {
  const { edge, connector, close } = await linkPair();
  try {
    let asked = false;
    const [outcome, answer] = await Promise.all([
      acceptRegistration(
        edge,
        { version: PROTOCOL_VERSION, nonce: 'n', edgeName: 'e' },
        {
          decide: async () => {
            asked = true;
            return { ok: false, failure: { code: 'WARREN_AUTH_FAILED', message: 'no', retryable: false } };
          },
        },
      ),
      registerAsConnector(connector, (hello) => ({ ...requestFor(hello.nonce), version: PROTOCOL_VERSION + 1 })),
    ]);
    assert.equal(asked, false);
    assert.equal(outcome.accepted, false);
    assert.ok('code' in answer);
    assert.deepEqual([answer.code, answer.retryable], ['WARREN_PROTOCOL_VERSION', false]);
  } finally {
    close();
  }
});
