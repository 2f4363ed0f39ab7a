import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { generateSigningKey, importSigningKey, jwksDocument, signAccessJwt } from '../src/access/index.js';
import { loadConfigFile } from '../src/connector/config/index.js';
import { Orchestrator } from '../src/connector/orchestrator.js';
import { startEdgeStreamHarness } from './support/edge-stream.js';

const dir = mkdtempSync(join(tmpdir(), 'warren-access-fc-'));
const cleanups: (() => void)[] = [];
after(() => {
  for (const c of cleanups.reverse()) c();
  rmSync(dir, { recursive: true, force: true });
});

async function countingOrigin(): Promise<{ server: Server; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.end('origin\n');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { server, hits };
}

test('access-required-rule-without-a-usable-verifier-answers-403-and-logs-why', { timeout: 20_000 }, async () => {
  const o = await countingOrigin();
  const port = (o.server.address() as AddressInfo).port;
  const file = join(dir, 'config.yml');
  // teamName without a dot and no WARREN_DOMAIN: the connector cannot know the team domain.
  writeFileSync(
    file,
    `ingress:
  - hostname: locked.example.com
    service: http://127.0.0.1:${port}
    originRequest:
      access:
        required: true
        teamName: team
        audTag: [aud1]
  - service: http://127.0.0.1:${port}
`,
  );
  const lines: string[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    }),
  );
  const saved = process.env.WARREN_DOMAIN;
  delete process.env.WARREN_DOMAIN;
  const run = await Orchestrator.create({
    config: loadConfigFile(file),
    url: undefined,
    connectTimeoutMs: undefined,
    quick: false,
    logger,
  });
  if (saved !== undefined) process.env.WARREN_DOMAIN = saved;
  const h = await startEdgeStreamHarness(run.origin);
  cleanups.push(() => {
    h.close();
    run.close();
  });
  const denied = await h.request('/secret', {
    host: 'locked.example.com',
    'cf-access-jwt-assertion': 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
  });
  assert.equal(denied.status, 403, 'an access-required rule that cannot verify refuses the request');
  assert.deepEqual(o.hits, [], 'the origin never saw it');
  const refused = lines.map((l) => JSON.parse(l) as { msg: string; reason?: string }).filter((l) => l.reason);
  assert.equal(refused.length, 1);
  assert.match(refused[0]?.reason ?? '', /WARREN_ACCESS_UNVERIFIABLE/);
  assert.ok(!lines.join('').includes('eyJhbGciOiJub25lIn0'), 'the token never reaches the log');
  const open = await h.request('/open', { host: 'open.example.com' });
  assert.equal(open.status, 200, 'rules without access are served');
  assert.deepEqual(o.hits, ['/open']);
});

test('a config.yml rule with teamName and jwksUrl verifies the edge-added JWT before the origin sees the request', {
  timeout: 20_000,
}, async () => {
  const o = await countingOrigin();
  const port = (o.server.address() as AddressInfo).port;
  const m = await generateSigningKey(new Date());
  const jwks = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(jwksDocument([{ kid: m.kid, publicJwk: m.publicJwk, certificate: m.certificate }])));
  });
  jwks.listen(0, '127.0.0.1');
  await once(jwks, 'listening');
  cleanups.push(() => jwks.close());
  const team = 'cfg.access.example.test';
  const aud = 'e'.repeat(64);
  const file = join(dir, 'verify.yml');
  writeFileSync(
    file,
    `ingress:
  - hostname: locked.example.com
    service: http://127.0.0.1:${port}
    originRequest:
      access:
        required: true
        teamName: ${team}
        audTag: [${aud}]
        jwksUrl: http://127.0.0.1:${(jwks.address() as AddressInfo).port}/cdn-cgi/access/certs
  - service: http_status:404
`,
  );
  const logger = pino({ level: 'silent' });
  const run = await Orchestrator.create({
    config: loadConfigFile(file),
    url: undefined,
    connectTimeoutMs: undefined,
    quick: false,
    logger,
  });
  const h = await startEdgeStreamHarness(run.origin);
  cleanups.push(() => {
    h.close();
    run.close();
  });
  const key = await importSigningKey(m.kid, m.privatePkcs8);
  const sign = (a: string) =>
    signAccessJwt(key, {
      teamDomain: team,
      aud: a,
      subject: { kind: 'user', email: 'c@example.test', userId: 'u' },
      issuedAt: new Date(),
      ttlSeconds: 60,
    });
  const good = await h.request('/in', { host: 'locked.example.com', 'cf-access-jwt-assertion': await sign(aud) });
  assert.equal(good.status, 200);
  const other = await h.request('/other-app', {
    host: 'locked.example.com',
    'cf-access-jwt-assertion': await sign('f'.repeat(64)),
  });
  assert.equal(other.status, 403);
  const none = await h.request('/none', { host: 'locked.example.com' });
  assert.equal(none.status, 403);
  assert.deepEqual(o.hits, ['/in']);
});
