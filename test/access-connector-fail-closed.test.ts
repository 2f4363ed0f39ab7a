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
  const run = new Orchestrator({
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
