import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { type Logger, pino } from 'pino';
import { Orchestrator } from '../src/connector/index.js';
import {
  encodeConfigPush,
  encodeFrame,
  encodeJson,
  type Frame,
  FrameType,
  MAX_CONFIG_PUSH_BYTES,
  MAX_CONTROL_FRAME_PAYLOAD,
  MessageError,
  MuxConnection,
  PROTOCOL_VERSION,
  parseConfigPush,
  registerAsConnector,
} from '../src/protocol/index.js';
import { startProxyHarness, visit } from './origin-harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: pino({ level: 'info' }, { write: (s: string) => lines.push(s) }), lines };
}

async function named(name: string): Promise<string> {
  const server: Server = createHttpServer((_req, res) => res.end(name));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const push = (version: number, config: Record<string, unknown>): Buffer => encodeConfigPush({ version, config });
const only = (service: string) => ({ ingress: [{ service }] });

/** A token-only connector's orchestrator (no file, no --url) behind a loopback proxy harness. */
async function remoteOrchestrator(): Promise<{ run: Orchestrator; lines: string[]; get: () => Promise<string> }> {
  const { logger, lines } = capture();
  const run = await Orchestrator.create({
    config: undefined,
    url: undefined,
    connectTimeoutMs: undefined,
    quick: false,
    logger,
  });
  cleanups.push(() => run.close());
  const h = await startProxyHarness(run.origin);
  cleanups.push(() => h.close());
  return { run, lines, get: async () => (await visit(h, '/')).body };
}

test('connector applies only strictly newer remote versions', async () => {
  const [a, b] = await Promise.all([named('A'), named('B')]);
  const { run, lines, get } = await remoteOrchestrator();
  assert.equal(run.source, 'remote');
  assert.match(lines.join(''), /configuration: remote \(no config file with ingress rules, no --url\)/);
  assert.equal((await run.applyRemoteConfig(push(2, only(a)))).changed, true);
  assert.equal(await get(), 'A');
  assert.match(lines.join(''), /configuration: remote version 2/);
  assert.equal((await run.applyRemoteConfig(push(1, only(b)))).changed, false, 'an older version');
  assert.equal((await run.applyRemoteConfig(push(2, only(b)))).changed, false, 'the same version again');
  assert.equal(await get(), 'A');
  assert.equal((await run.applyRemoteConfig(push(3, only(b)))).changed, true);
  assert.equal(await get(), 'B');
  assert.equal(run.remoteVersion, 3);
});

test('connector refuses a pushed configuration over the cap on receipt and keeps its rules', async () => {
  const [a, b] = await Promise.all([named('A'), named('B')]);
  const { run, lines, get } = await remoteOrchestrator();
  await run.applyRemoteConfig(push(1, only(a)));
  // Valid rules, only too many bytes of them: without the cap they would be applied.
  const rules = Array.from({ length: 12_000 }, (_, i) => ({ hostname: `h${i}.example.com`, service: b }));
  const big = encodeJson({ version: 2, config: { ingress: [...rules, { service: b }] } });
  assert.ok(big.length > MAX_CONFIG_PUSH_BYTES && big.length < MAX_CONTROL_FRAME_PAYLOAD);
  assert.equal((await run.applyRemoteConfig(big)).changed, false);
  assert.equal(await get(), 'A');
  assert.match(
    lines.join(''),
    /remote configuration refused, keeping the running rules \(version 1\): config push: \d+ bytes, over/,
  );
});

test('connector logs an invalid pushed configuration once and keeps its rules', async () => {
  const a = await named('A');
  const { run, lines, get } = await remoteOrchestrator();
  await run.applyRemoteConfig(push(1, only(a)));
  const bad = push(2, { ingress: [{ hostname: 'x.example.com', service: a }] });
  // Each HA link delivers the same push.
  for (let i = 0; i < 4; i++) assert.equal((await run.applyRemoteConfig(bad)).changed, false);
  assert.equal(await get(), 'A');
  const refusals = lines.filter((l) =>
    /remote configuration version 2 refused, keeping the running rules \(version 1\)/.test(l),
  );
  assert.equal(refusals.length, 1);
  assert.match(refusals[0] ?? '', /ingress rule #1: .*last rule must match every request/);
  assert.equal(run.remoteVersion, 1);
});

test('connector with a local --url ignores pushes and says which configuration it uses', async () => {
  const [a, b] = await Promise.all([named('A'), named('B')]);
  const { logger, lines } = capture();
  const run = await Orchestrator.create({
    config: undefined,
    url: a,
    connectTimeoutMs: undefined,
    quick: false,
    logger,
  });
  cleanups.push(() => run.close());
  const h = await startProxyHarness(run.origin);
  cleanups.push(() => h.close());
  assert.equal(run.source, 'local');
  assert.match(lines.join(''), /configuration: http:\/\/127\.0\.0\.1:\d+ \(remote configuration ignored\)/);
  assert.equal((await run.applyRemoteConfig(push(1, only(b)))).changed, false);
  assert.equal((await run.applyRemoteConfig(push(2, only(b)))).changed, false);
  assert.equal((await visit(h, '/')).body, 'A');
  assert.equal(lines.filter((l) => /ignored, the local one wins/.test(l)).length, 1);
});

test('edge refuses to encode a configuration push over the cap', () => {
  const config = { ingress: [{ service: 'http_status:404', originRequest: { httpHostHeader: 'x'.repeat(600_000) } }] };
  assert.throws(() => encodeConfigPush({ version: 1, config }), MessageError);
  assert.throws(() => parseConfigPush(encodeJson({ version: 0, config: {} })), /version must be an integer/);
  assert.throws(() => parseConfigPush(encodeJson({ version: 1, config: [] })), /config must be an object/);
});

test('a ConfigPush sent in the same chunk as Registered reaches the connector', { timeout: 10_000 }, async () => {
  // A bare edge that answers Register with Registered and a ConfigPush in one write.
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => void server.close());
  server.on('connection', (socket: Socket) => {
    socket.write(
      Buffer.concat(
        encodeFrame(FrameType.Hello, 0, encodeJson({ version: PROTOCOL_VERSION, nonce: 'bm9uY2U=', edgeName: 'raw' })),
      ),
    );
    socket.once('data', () => {
      const registered = encodeJson({
        connectionId: 'c1',
        edgeName: 'raw',
        tunnelId: 't1',
        initialWindow: 128 * 1024,
      });
      const config = push(7, only('http_status:204'));
      socket.write(
        Buffer.concat([
          ...encodeFrame(FrameType.Registered, 0, registered),
          ...encodeFrame(FrameType.ConfigPush, 0, config),
        ]),
      );
    });
    cleanups.push(() => void socket.destroy());
  });
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(socket, 'connect');
  const conn = new MuxConnection(socket, {
    role: 'connector',
    initialWindow: 128 * 1024,
    heartbeatMs: 60_000,
    heartbeatTimeoutMs: 180_000,
  });
  cleanups.push(() => conn.destroy());
  const frames: Frame[] = [];
  const got = new Promise<void>((resolve) => {
    const reg = registerAsConnector(
      conn,
      () => ({
        version: PROTOCOL_VERSION,
        auth: { kind: 'secret', tunnelId: 't1', proof: 'x' },
        connector: { connectorId: 'c', connIndex: 0, version: 't', arch: 'x64', os: 'linux' },
        heartbeatMs: 60_000,
        initialWindow: 128 * 1024,
      }),
      undefined,
      (frame) => {
        frames.push(frame);
        resolve();
      },
    );
    void reg.then((answer) => assert.ok(!('code' in answer)));
  });
  await got;
  assert.equal(frames[0]?.type, FrameType.ConfigPush);
  assert.equal(parseConfigPush(frames[0]?.payload ?? Buffer.alloc(0)).version, 7);
});
