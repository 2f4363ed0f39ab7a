/**
 * DNS row: UDP queries/s of `warren dns` beside NSD (Debian's `nsd`, the reference authoritative
 * server) on the same 1000-record zone, a latency run at a moderate fixed rate, and the RSS of
 * `warren dns` holding 100 zones × 1000 records.
 *
 *   npm run build && node dist/bench/dns.js [--duration 5] [--rate 2000] [--inflight 64]
 *
 * `npm run bench` runs the same measurement as its DNS row (`runDnsBench`, `--only dns`).
 *
 * The load generator is one node process with one UDP socket keeping `--inflight` queries
 * outstanding (closed loop), so on a small machine it measures both sides; the ratio is the figure.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import dnsPacket from 'dns-packet';
import pino from 'pino';
import { bootstrapAdmin } from '../src/control/index.js';
import { formatZoneFile } from '../src/control/zones/zone-file.js';
import { Store } from '../src/store/index.js';
import { freePort } from './lib/net.js';
import { spawnChild, stopAll } from './lib/proc.js';

const repo = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const RECORDS = 1000;
const NSD = '/usr/sbin/nsd';
const NSD_START_DEADLINE_MS = 10_000; // 10 seconds for nsd to load the zone and answer

export interface DnsServerFigures {
  qps: number;
  p50: number;
  p99: number;
  lost: number;
}

export interface DnsBenchResult {
  records: number;
  durationS: number;
  rate: number;
  inflight: number;
  warren: DnsServerFigures;
  /** NSD on the same zone; undefined when it is not installed (see nsdNote). */
  nsd: DnsServerFigures | undefined;
  nsdNote: string;
  /** warren q/s ÷ nsd q/s. */
  ratio: number | undefined;
  /** RSS of `warren dns` holding 100 zones × 1000 records. */
  rss100ZonesMiB: number;
}

async function seed(dataDir: string, zones: number): Promise<string[]> {
  const store = await Store.open({ dataDir, logger: pino({ level: 'silent' }) });
  const { accountId } = await bootstrapAdmin(store, {
    email: 'bench@example.test',
    token: 'bench-token-0123456789abcdef',
  });
  const names: string[] = [];
  for (let z = 0; z < zones; z++) {
    // Active at once: a pending full zone is not served.
    const zone = await store.zones.createZone({ accountId, name: `bench${z}.test`, type: 'full', activate: true });
    await Store.databaseForTests(store)
      .transaction()
      .execute(async (trx) => {
        for (let i = 0; i < RECORDS; i++) {
          const name = `h${i}.${zone.name}`;
          await trx
            .insertInto('dns_records')
            .values({
              id: `${z}-${i}`,
              zone_id: zone.id,
              account_id: accountId,
              name,
              type: 'A',
              content: `198.51.${(i >> 8) & 255}.${i & 255}`,
              proxied: 0,
              ttl: 300,
              priority: null,
              comment: null,
              tags: '[]',
              data: null,
              created_on: new Date().toISOString(),
              modified_on: new Date().toISOString(),
            })
            .execute();
          if (z === 0) names.push(name);
        }
      });
  }
  if (zones === 1) {
    const rows = (
      await store.zones.records(
        (await store.zones.zonesOfAccount(accountId))[0]?.id ?? '',
        {},
        { page: 1, perPage: 5000 },
      )
    ).rows;
    writeFileSync(
      join(dataDir, 'bench0.zone'),
      `$TTL 300\n@ IN SOA ns1.warren.localhost. hostmaster.bench0.test. 1 7200 3600 1209600 300\n@ IN NS ns1.warren.localhost.\n${formatZoneFile('bench0.test', rows, new Date())}`,
    );
  }
  await store.close();
  return names;
}

/** Closed loop: `inflight` queries outstanding for `seconds`; answers/s. */
async function throughput(port: number, names: string[], seconds: number, inflight: number): Promise<number> {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  let answered = 0;
  let id = 0;
  let running = true;
  const send = (): void => {
    id = (id + 1) & 0xffff;
    s.send(
      dnsPacket.encode({ type: 'query', id, questions: [{ type: 'A', name: names[id % names.length] as string }] }),
      port,
      '127.0.0.1',
    );
  };
  s.on('message', (m: Buffer) => {
    // Only real answers count: NOERROR (low rcode bits 0) with at least one record.
    if ((m.readUInt16BE(2) & 0xf) === 0 && m.readUInt16BE(6) > 0) answered++;
    if (running) send();
  });
  for (let i = 0; i < inflight; i++) send();
  // Lost datagrams would shrink the window to nothing: when 100 ms pass without an answer, refill it.
  let lastAnswered = -1;
  const refill = setInterval(() => {
    if (answered === lastAnswered) for (let i = 0; i < inflight; i++) send();
    lastAnswered = answered;
  }, 100);
  const start = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  running = false;
  clearInterval(refill);
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  s.close();
  return answered / elapsed;
}

/** Open loop at `rate` queries/s for `seconds`: latency percentiles in ms. */
async function latency(
  port: number,
  names: string[],
  seconds: number,
  rate: number,
): Promise<{ p50: number; p99: number; lost: number }> {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  const sent = new Map<number, bigint>();
  const lat: number[] = [];
  s.on('message', (m) => {
    const t = sent.get(m.readUInt16BE(0));
    if (t !== undefined) lat.push(Number(process.hrtime.bigint() - t) / 1e6);
  });
  const total = Math.floor(rate * seconds);
  const start = process.hrtime.bigint();
  for (let i = 0; i < total; i++) {
    const due = start + BigInt(Math.floor((i / rate) * 1e9));
    while (process.hrtime.bigint() < due) await new Promise((r) => setImmediate(r));
    const id = i & 0xffff;
    sent.set(id, process.hrtime.bigint());
    s.send(
      dnsPacket.encode({ type: 'query', id, questions: [{ type: 'A', name: names[i % names.length] as string }] }),
      port,
      '127.0.0.1',
    );
  }
  await new Promise((r) => setTimeout(r, 200));
  s.close();
  lat.sort((a, b) => a - b);
  const pct = (p: number): number => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] ?? Number.NaN;
  return { p50: pct(50), p99: pct(99), lost: total - lat.length };
}

/** Resolves once `port` answers an A query for `name` (polled, bounded by `deadlineMs`). */
async function answering(port: number, name: string, deadlineMs: number): Promise<void> {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  try {
    const end = Date.now() + deadlineMs;
    while (Date.now() < end) {
      s.send(dnsPacket.encode({ type: 'query', id: 1, questions: [{ type: 'A', name }] }), port, '127.0.0.1');
      const got = await Promise.race([
        once(s, 'message').then(() => true),
        new Promise<false>((r) => setTimeout(() => r(false), 100)),
      ]);
      if (got) return;
    }
    throw new Error(`no DNS answer on port ${port} within ${deadlineMs} ms`);
  } finally {
    s.close();
  }
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

/** The DNS row: warren dns beside NSD (when installed) on one 1000-record zone, then RSS with 100 zones. */
export async function runDnsBench(
  o: { durationS: number; rate: number; inflight: number } = { durationS: 5, rate: 2000, inflight: 64 },
): Promise<DnsBenchResult> {
  const { durationS: DURATION_S, rate: RATE, inflight: INFLIGHT } = o;
  const main = join(repo, 'dist', 'src', 'cli', 'main.js');
  const dir = mkdtempSync(join(tmpdir(), 'warren-dns-bench-'));
  const names = await seed(join(dir, 'one'), 1);
  const warrenPort = await freePort();
  // The load comes from one address: response-rate limiting (per prefix) is off, or it would measure the limit.
  const warren = spawnChild(
    'warren-dns',
    process.execPath,
    [
      main,
      'dns',
      '--data-dir',
      join(dir, 'one'),
      '--dns-port',
      String(warrenPort),
      '--loglevel',
      'warn',
      '--rate-limit-per-prefix',
      '0',
    ],
    {
      env: { ...process.env },
    },
  );
  await warren.waitFor(/dns\s+\S+:\d+ \(UDP and TCP\)/, 30_000);
  const results: Record<string, { qps: number; p50: number; p99: number; lost: number }> = {};
  const measure = async (name: string, port: number): Promise<void> => {
    await throughput(port, names, 1, INFLIGHT); // warm-up
    const qps = await throughput(port, names, DURATION_S, INFLIGHT);
    const l = await latency(port, names, DURATION_S, RATE);
    results[name] = { qps, ...l };
  };
  await measure('warren dns', warrenPort);
  await warren.stop();
  let nsdNote = `${NSD} not installed (apt-get install nsd, or .ci/bench-deps.sh): no reference row`;
  if (existsSync(NSD)) {
    nsdNote = 'NSD (Debian), one server process, the same zone file';
    const nsdPort = await freePort();
    writeFileSync(
      join(dir, 'nsd.conf'),
      `server:\n  ip-address: 127.0.0.1@${nsdPort}\n  username: ""\n  zonesdir: "${join(dir, 'one')}"\n  database: ""\n  pidfile: "${join(dir, 'nsd.pid')}"\n  server-count: 1\n  verbosity: 0\n  xfrdfile: "${join(dir, 'xfrd.state')}"\n  zonelistfile: "${join(dir, 'zone.list')}"\nremote-control:\n  control-enable: no\nzone:\n  name: bench0.test\n  zonefile: bench0.zone\n`,
    );
    const nsd = spawnChild('nsd', NSD, ['-d', '-c', join(dir, 'nsd.conf')]);
    await answering(nsdPort, names[0] as string, NSD_START_DEADLINE_MS);
    await measure('nsd (reference, 1 server process)', nsdPort);
    await nsd.stop();
  }
  // Memory: 100 zones × 1000 records.
  await seed(join(dir, 'many'), 100);
  const bigPort = await freePort();
  const big = spawnChild('warren-dns-100', process.execPath, [
    main,
    'dns',
    '--data-dir',
    join(dir, 'many'),
    '--dns-port',
    String(bigPort),
    '--loglevel',
    'warn',
  ]);
  await big.waitFor(/dns\s+\S+:\d+ \(UDP and TCP\)/, 60_000);
  await throughput(
    bigPort,
    names.map((n) => n.replace('bench0', 'bench57')),
    1,
    8,
  );
  const rss = rssMiB(big.pid);
  await big.stop();
  const w = results['warren dns'];
  const n = results['nsd (reference, 1 server process)'];
  if (w === undefined) throw new Error('warren dns was not measured');
  return {
    records: RECORDS,
    durationS: DURATION_S,
    rate: RATE,
    inflight: INFLIGHT,
    warren: w,
    nsd: n,
    nsdNote,
    ratio: n === undefined || n.qps === 0 ? undefined : w.qps / n.qps,
    rss100ZonesMiB: rss,
  };
}

/** The DNS row as Markdown (bench/RESULTS.md and `npm run bench:dns`). */
export function dnsRowMarkdown(r: DnsBenchResult): string[] {
  const row = (name: string, f: DnsServerFigures): string =>
    `| ${name} | ${Math.round(f.qps)} | ${f.p50.toFixed(3)} | ${f.p99.toFixed(3)} | ${f.lost} |`;
  return [
    `${r.records}-record zone, UDP A queries from one node process: ${r.inflight} in flight for ${r.durationS} s (queries/s), then ${r.rate} q/s open loop (latency).`,
    '',
    '| server | queries/s | p50 ms | p99 ms | lost |',
    '|---|---:|---:|---:|---:|',
    row('warren dns', r.warren),
    r.nsd === undefined ? `| nsd | ${r.nsdNote} | | | |` : row('nsd (reference)', r.nsd),
    '',
    `- warren / nsd queries/s: ${r.ratio === undefined ? '– (no reference)' : r.ratio.toFixed(2)} (aim ≥ 0.5); warren p99 at ${r.rate} q/s: ${r.warren.p99.toFixed(3)} ms (aim < 1 ms)`,
    `- warren dns RSS with 100 zones × ${r.records} records: ${r.rss100ZonesMiB.toFixed(0)} MiB`,
    '',
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string, def: number): number => {
    const i = process.argv.indexOf(`--${name}`);
    return i < 0 ? def : Number(process.argv[i + 1]);
  };
  runDnsBench({ durationS: arg('duration', 5), rate: arg('rate', 2000), inflight: arg('inflight', 64) })
    .then((r) => process.stdout.write(`${dnsRowMarkdown(r).join('\n')}\n`))
    .catch((err: unknown) => {
      process.stderr.write(`dns bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    })
    .finally(() => stopAll());
}
