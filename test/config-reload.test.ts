import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type Logger, pino } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import { onReloadSignal } from '../src/cli/shutdown-signals.js';
import { loadConfigFile } from '../src/connector/config/index.js';
import { Orchestrator } from '../src/connector/index.js';
import { Ingress } from '../src/connector/ingress/index.js';
import { WarrenError } from '../src/errors/index.js';
import { startProxyHarness, visit } from './origin-harness.js';
import { eventually } from './support/eventually.js';

const dir = mkdtempSync(join(tmpdir(), 'warren-reload-'));
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: pino({ level: 'info' }, { write: (s: string) => lines.push(s) }), lines };
}

/** An origin that answers its name (and echoes WebSocket messages). */
async function named(name: string): Promise<Server> {
  const server = createServer((_req, res) => res.end(name));
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`${name}:${m.toString()}`)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    for (const c of wss.clients) c.terminate();
    server.closeAllConnections();
    server.close();
  });
  return server;
}
const urlOf = (s: Server): string => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

test('config-url-with-ingress-rules-is-an-error', async () => {
  const file = join(dir, 'rules.yml');
  writeFileSync(file, 'ingress:\n  - service: http_status:404\n');
  await assert.rejects(
    () =>
      Orchestrator.create({
        config: loadConfigFile(file),
        url: 'http://localhost:1',
        connectTimeoutMs: undefined,
        quick: false,
        ...capture(),
      }),
    (err: unknown) =>
      err instanceof WarrenError && /--url cannot be combined with the ingress rules in .*rules\.yml/.test(err.message),
  );
});

test('config-quick-tunnel-ignores-ingress-and-says-so', async () => {
  const file = join(dir, 'quick.yml');
  writeFileSync(file, 'ingress:\n  - service: http_status:404\n');
  const a = await named('a');
  const { logger, lines } = capture();
  const run = await Orchestrator.create({
    config: loadConfigFile(file),
    url: urlOf(a),
    connectTimeoutMs: undefined,
    quick: true,
    logger,
  });
  cleanups.push(() => run.close());
  assert.match(lines.join(''), /a quick tunnel ignores the ingress rules in .*quick\.yml/);
  const h = await startProxyHarness(run.origin);
  cleanups.push(() => h.close());
  assert.equal((await visit(h, '/')).body, 'a');
});

test('config-no-rules-no-url-answers-503-and-warns', async () => {
  const empty = join(dir, 'empty.yml');
  writeFileSync(empty, 'tunnel: abc\nloglevel: info\n');
  const { logger, lines } = capture();
  const run = await Orchestrator.create({
    config: loadConfigFile(empty),
    url: undefined,
    connectTimeoutMs: undefined,
    quick: false,
    logger,
  });
  cleanups.push(() => run.close());
  assert.equal(run.config?.tunnel, 'abc');
  assert.match(lines.join(''), /every request gets 503/);
  const h = await startProxyHarness(run.origin);
  cleanups.push(() => h.close());
  assert.equal((await visit(h, '/')).status, 503);
});

test('config-sighup-reloads-rules-without-dropping-a-websocket', async () => {
  const a = await named('a');
  const b = await named('b');
  const file = join(dir, 'config.yml');
  writeFileSync(
    file,
    `ingress:\n  - hostname: app.example.com\n    service: ${urlOf(a)}\n  - service: http_status:404\n`,
  );
  const { logger, lines } = capture();
  const run = await Orchestrator.create({
    config: loadConfigFile(file),
    url: undefined,
    connectTimeoutMs: undefined,
    quick: false,
    logger,
  });
  assert.equal(run.reloadable, true);
  const stopReload = onReloadSignal(() => run.updateIngress());
  cleanups.push(() => {
    stopReload();
    run.close();
  });
  const h = await startProxyHarness(run.origin);
  cleanups.push(() => h.close());
  assert.equal((await visit(h, '/')).body, 'a');
  const ws = new WebSocket(`ws://127.0.0.1:${h.port}/`, { headers: { host: 'app.example.com' } });
  await once(ws, 'open');

  // A broken file is refused and the running rules stay.
  writeFileSync(file, 'ingress:\n  - hostname: app.example.com:80\n    service: http://x:1\n');
  process.kill(process.pid, 'SIGHUP');
  await eventually(async () => lines.join('').includes('reload failed'), 1_000, 'the bad reload is logged');
  assert.match(lines.join(''), /config\.yml:2: ingress rule #1: hostname \\"app\.example\.com:80\\" has a port/);
  assert.equal((await visit(h, '/')).body, 'a');

  writeFileSync(
    file,
    `ingress:\n  - hostname: app.example.com\n    service: ${urlOf(b)}\n  - service: http_status:404\n`,
  );
  const started = Date.now();
  process.kill(process.pid, 'SIGHUP');
  await eventually(async () => (await visit(h, '/')).body === 'b', 1_000, 'new routing after SIGHUP');
  assert.ok(Date.now() - started < 1_000);
  assert.match(lines.join(''), /reloaded ingress rules/);

  ws.send('hi');
  const [msg] = (await once(ws, 'message')) as [Buffer];
  assert.equal(msg.toString(), 'a:hi', 'the WebSocket opened before the reload still reaches its origin');
  ws.close();
  await once(ws, 'close');
});

test('orchestrator-applies-pushed-rules-to-new-requests-and-refuses-a-file-reload-without-a-file', async () => {
  const a = await named('a');
  const b = await named('b');
  const { logger, lines } = capture();
  const run = await Orchestrator.create({
    config: undefined,
    url: urlOf(a),
    connectTimeoutMs: undefined,
    quick: false,
    logger,
  });
  cleanups.push(() => run.close());
  const h = await startProxyHarness(run.origin);
  cleanups.push(() => h.close());
  assert.equal((await visit(h, '/')).body, 'a');
  // SIGHUP with rules from --url: nothing to re-read, the rules stay.
  assert.equal(run.reloadable, false);
  assert.equal(await run.updateIngress(), false);
  assert.match(lines.join(''), /nothing to reload/);
  assert.equal((await visit(h, '/')).body, 'a');
  // Remotely pushed configuration arrives as a validated Ingress.
  assert.equal(await run.updateIngress(Ingress.fromUrl(urlOf(b))), true);
  assert.equal((await visit(h, '/')).body, 'b');
});
