import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { apiClient } from './support/api-client.js';
import { DIALECTS } from './support/control-harness.js';
import { dig } from './support/dig.js';
import { eventually } from './support/eventually.js';
import { type Proc, type ServeHandle, startCli, startServe } from './support/warren-processes.js';

const TOKEN = 'dns-serve-admin-token-0123456789abcdef';
const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const postgres = DIALECTS[1] as (typeof DIALECTS)[number];

function api<R>(base: string, method: string, path: string, body?: unknown): Promise<R> {
  return apiClient(base, TOKEN).result<R>(method, path, body);
}

async function dnsPortOf(p: Proc): Promise<number> {
  return Number((await p.waitFor(/dns\s+\S+:(\d+) \(UDP and TCP\)/))[1]);
}

async function startWithZone(extra: string[] = []): Promise<{
  serve: ServeHandle;
  dnsPort: number;
  zoneId: string;
  tunnelId: string;
}> {
  const serve = await startServe({
    args: [
      '--dns-port',
      '0',
      '--edge-address',
      '192.0.2.10',
      '--edge-address',
      '2001:db8::10',
      '--ns-address',
      '192.0.2.53',
      ...extra,
    ],
    env: { WARREN_ADMIN_EMAIL: 'admin@example.test', WARREN_ADMIN_TOKEN: TOKEN },
  });
  const dnsPort = await dnsPortOf(serve);
  const accounts = await api<{ id: string }[]>(serve.apiBase, 'GET', '/accounts');
  const accountId = (accounts[0] as { id: string }).id;
  const zone = await api<{ id: string }>(serve.apiBase, 'POST', '/zones', {
    name: 'served.test',
    type: 'full',
    account: { id: accountId },
  });
  const tunnel = await api<{ id: string }>(serve.apiBase, 'POST', `/accounts/${accountId}/cfd_tunnel`, { name: 't1' });
  // What `warren tunnel route dns t1 app.served.test` creates.
  await api(serve.apiBase, 'POST', `/zones/${zone.id}/dns_records`, {
    type: 'CNAME',
    name: 'app',
    content: `${tunnel.id}.tunnel.warren.localhost`,
    proxied: true,
  });
  // The DNS server reloads from the change feed after the API answers: wait for the route, as a resolver would retry.
  await eventually(
    async () => (await dig(dnsPort, ['app.served.test', 'A'])).status === 'NOERROR',
    5_000,
    'the new zone and route to be served',
  );
  return { serve, dnsPort, zoneId: zone.id, tunnelId: tunnel.id };
}

describe('DNS in a real warren serve', () => {
  let s: Awaited<ReturnType<typeof startWithZone>>;

  before(async () => {
    s = await startWithZone();
  });

  after(async () => {
    await s?.serve.stop();
  });

  test('a tunnel route resolves to the edge addresses, over UDP and TCP, with no UUID', async () => {
    for (const t of [[], ['+tcp']]) {
      const a = await dig(s.dnsPort, ['app.served.test', 'A', ...t]);
      assert.equal(a.status, 'NOERROR');
      assert.ok(a.flags.includes('aa'));
      assert.deepEqual(a.answer, ['app.served.test. 300 IN A 192.0.2.10']);
      const aaaa = await dig(s.dnsPort, ['app.served.test', 'AAAA', ...t]);
      assert.deepEqual(aaaa.answer, ['app.served.test. 300 IN AAAA 2001:db8::10']);
      assert.doesNotMatch(a.raw + aaaa.raw, UUID_RE);
    }
    const ns = await dig(s.dnsPort, ['ns1.warren.localhost', 'A']);
    assert.deepEqual(ns.answer, ['ns1.warren.localhost. 86400 IN A 192.0.2.53']);
  });

  test('an API change is answered within a second', async () => {
    await api(s.serve.apiBase, 'POST', `/zones/${s.zoneId}/dns_records`, {
      type: 'TXT',
      name: 'fresh',
      content: 'v=1',
    });
    await eventually(
      async () => (await dig(s.dnsPort, ['fresh.served.test', 'TXT'])).answer.length === 1,
      1000,
      'the new TXT record answered within 1 s',
    );
  });

  test('/metrics on the API port counts queries by type and answers by rcode', async () => {
    await dig(s.dnsPort, ['nope.served.test', 'A']);
    await dig(s.dnsPort, ['example.org', 'MX']);
    const text = await (await fetch(`${s.serve.apiBase}/metrics`)).text();
    assert.match(text, /warren_dns_queries_total\{type="A"\} \d+/);
    assert.match(text, /warren_dns_queries_total\{type="MX"\} [1-9]/);
    assert.match(text, /warren_dns_responses_total\{rcode="NXDOMAIN"\} [1-9]/);
    assert.match(text, /warren_dns_responses_total\{rcode="REFUSED"\} [1-9]/);
  });

  test('`warren dns` alone answers from the same data directory', async () => {
    const alone = startCli(['dns', '--data-dir', s.serve.dataDir, '--dns-port', '0', '--edge-address', '192.0.2.99']);
    try {
      const port = await dnsPortOf(alone);
      const a = await dig(port, ['app.served.test', 'A']);
      assert.deepEqual(a.answer, ['app.served.test. 300 IN A 192.0.2.99']);
    } finally {
      await alone.stop();
    }
  });
});

describe('DNS port conflicts', () => {
  test('a taken --dns-port stops serve and warren dns with one clear line', async () => {
    const taken = createSocket('udp4');
    taken.bind(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = String(taken.address().port);
    try {
      for (const args of [
        ['serve', '--http-port', '0', '--tunnel-port', '0', '--api-port', '0', '--dns-port', port],
        ['dns', '--dns-port', port],
      ]) {
        const { tempDir } = await import('./support/warren-processes.js');
        const p = startCli([...args, '--data-dir', tempDir(), '--loglevel', 'warn']);
        assert.notEqual(await p.exited, 0);
        const lines = p.stderr().trim().split('\n');
        assert.equal(lines.length, 1, p.stderr());
        assert.match(
          lines[0] ?? '',
          new RegExp(
            `^warren: DNS server cannot listen on UDP 127\\.0\\.0\\.1:${port}: the port is in use .*--dns-port.*\\[WARREN_DNS_LISTEN\\]$`,
          ),
        );
      }
    } finally {
      taken.close();
    }
  });
});

describe('DNS on the default port', () => {
  test('serve without --dns-port runs without DNS when 5353 is taken, and says so', async () => {
    // Hold 5353 ourselves; if something else already holds it, the case is the same.
    const holder = createSocket('udp4');
    const held = await new Promise<boolean>((resolve) => {
      holder.once('error', () => resolve(false));
      holder.once('listening', () => resolve(true));
      holder.bind(5353, '127.0.0.1');
    });
    let serve: ServeHandle | undefined;
    try {
      serve = await startServe();
      await serve.waitFor(/dns\s+off \(port 5353 is taken; pass --dns-port\)/);
      await serve.waitFor(
        /DNS server cannot listen on UDP 127\.0\.0\.1:5353.*serving without DNS \[WARREN_DNS_LISTEN\]/,
        {
          from: 'stderr',
        },
      );
      const health = await fetch(`${serve.apiBase}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' }, 'the rest of serve runs');
    } finally {
      await serve?.stop();
      if (held) holder.close();
    }
  });
});

describe('`warren dns` on a PostgreSQL shared with `warren serve`', { skip: postgres.skip }, () => {
  let db: Awaited<ReturnType<typeof postgres.fresh>>;
  let s: Awaited<ReturnType<typeof startWithZone>>;
  let alone: Proc;

  before(async () => {
    db = await postgres.fresh();
    s = await startWithZone(['--database-url', db.databaseUrl as string]);
    alone = startCli([
      'dns',
      '--database-url',
      db.databaseUrl as string,
      '--data-dir',
      s.serve.dataDir,
      '--dns-port',
      '0',
    ]);
  });

  after(async () => {
    await alone?.stop();
    await s?.serve.stop();
    await db?.drop();
  });

  test("the separate process answers serve's API changes within a second", async () => {
    const port = await dnsPortOf(alone);
    assert.deepEqual((await dig(port, ['app.served.test', 'A'])).answer, ['app.served.test. 300 IN A 127.0.0.1']);
    await api(s.serve.apiBase, 'POST', `/zones/${s.zoneId}/dns_records`, {
      type: 'A',
      name: 'pg',
      content: '198.51.100.5',
    });
    await eventually(
      async () => (await dig(port, ['pg.served.test', 'A'])).answer[0]?.endsWith('198.51.100.5'),
      1000,
      'answered by warren dns within 1 s',
    );
  });
});
