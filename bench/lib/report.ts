import { dnsRowMarkdown } from '../dns.js';
import type { LoadResult } from './load.js';
import type { ProfileSummary } from './profile.js';
import type { BenchResults, Measured, RowResult } from './results.js';

const MiB = 1024 * 1024;

function num(n: number, digits = 0): string {
  return n.toFixed(digits);
}

function ms(n: number): string {
  return n < 1 ? n.toFixed(3) : n < 10 ? n.toFixed(2) : n.toFixed(1);
}

function ratio(v: number | undefined, d: number | undefined): number | undefined {
  return v === undefined || d === undefined || d === 0 ? undefined : v / d;
}

function cell(
  m: Measured<unknown>,
  v: number | undefined,
  d: number | undefined,
  fmt: (n: number) => string,
  times = false,
): string {
  if (m.error !== undefined) return 'error¹';
  if (v === undefined) return '–';
  const r = ratio(v, d);
  if (r === undefined) return fmt(v);
  return times ? `${fmt(v)} (${r.toFixed(1)}×)` : `${fmt(v)} (${r.toFixed(2)})`;
}

/** The figures of a row, by column, for ratios. */
function figures(r: RowResult) {
  return {
    c1: r.c1.value?.rps,
    c1p50: r.c1.value?.p50,
    c1p99: r.c1.value?.p99,
    c50: r.c50.value?.rps,
    c50p50: r.c50.value?.p50,
    c50p99: r.c50.value?.p99,
    page: r.page?.value?.rps,
    pagep99: r.page?.value?.p99,
    down: r.download.value?.median,
    up: r.upload.value?.median,
    ws: r.ws.value,
    rss: r.rss.value?.rss,
  };
}

/** What a row's figures are divided by: direct measured interleaved with the row, else direct's own row. */
function baselineOf(r: RowResult, direct: RowResult | undefined): ReturnType<typeof figures> | undefined {
  const d = direct === undefined ? undefined : figures(direct);
  const b = r.baseline;
  if (b === undefined || d === undefined) return d;
  return {
    c1: b.c1?.rps ?? d.c1,
    c1p50: b.c1?.p50 ?? d.c1p50,
    c1p99: b.c1?.p99 ?? d.c1p99,
    c50: b.c50?.rps ?? d.c50,
    c50p50: b.c50?.p50 ?? d.c50p50,
    c50p99: b.c50?.p99 ?? d.c50p99,
    page: b.page?.rps ?? d.page,
    pagep99: b.page?.p99 ?? d.pagep99,
    down: b.download ?? d.down,
    up: b.upload ?? d.up,
    ws: b.ws ?? d.ws,
    rss: d.rss,
  };
}

export function ratiosOf(r: RowResult, direct: RowResult | undefined): Record<string, number | undefined> {
  const f = figures(r);
  const d = baselineOf(r, direct);
  const out: Record<string, number | undefined> = {};
  for (const k of Object.keys(f) as (keyof typeof f)[]) out[k] = ratio(f[k], d?.[k]);
  return out;
}

function mainTable(res: BenchResults): string[] {
  const mib = res.options.transferBytes / MiB;
  const direct = res.rows.find((r) => r.name === 'direct' && r.status === 'ok');
  const lines = [
    `| peer | c=1 req/s | c=1 p50 ms | c=1 p99 ms | c=50 req/s | c=50 p50 ms | c=50 p99 ms | ${mib} MiB down MB/s | ${mib} MiB up MB/s | WS round trips/s | RSS MiB |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of res.rows) {
    if (r.status !== 'ok') {
      lines.push(`| ${r.name} | ${r.status}² | | | | | | | | | |`);
      continue;
    }
    const f = figures(r);
    const d = baselineOf(r, direct);
    lines.push(
      `| ${r.name} | ${[
        cell(r.c1, f.c1, d?.c1, (n) => num(n)),
        cell(r.c1, f.c1p50, d?.c1p50, ms, true),
        cell(r.c1, f.c1p99, d?.c1p99, ms, true),
        cell(r.c50, f.c50, d?.c50, (n) => num(n)),
        cell(r.c50, f.c50p50, d?.c50p50, ms, true),
        cell(r.c50, f.c50p99, d?.c50p99, ms, true),
        cell(r.download, f.down, d?.down, (n) => num(n, 1)),
        cell(r.upload, f.up, d?.up, (n) => num(n, 1)),
        cell(r.ws, f.ws, d?.ws, (n) => num(n)),
        cell(r.rss, f.rss === undefined ? undefined : f.rss / MiB, undefined, (n) => num(n, 1)),
      ].join(' | ')} |`,
    );
  }
  return lines;
}

function mib(n: number): string {
  return `${(n / MiB).toFixed(1)} MiB`;
}

function accessTable(res: BenchResults): string[] {
  const a = res.access;
  if (a === undefined) return [];
  const head = ['### warren + Access (valid cookie)', ''];
  if (a.value === undefined) return [...head, `Failed: ${a.error ?? 'unknown'}`, ''];
  const v = a.value;
  const row = (name: string, l: LoadResult, cpu: number): string =>
    `| ${name} | ${num(l.rps)} | ${ms(l.p50)} | ${ms(l.p99)} | ${num(cpu, 1)} | ${l.errors} |`;
  return [
    ...head,
    `One edge, one named tunnel, c=${v.connections}, ${v.slices} slices alternating between an unprotected hostname and one behind an Access application (a valid \`CF_Authorization\` cookie on every request). Ratio protected ÷ unprotected: **${v.ratio.toFixed(3)}** (issue 12 aims ≥ 0.90).`,
    '',
    '| hostname | c=50 req/s | p50 ms | p99 ms | edge CPU µs/request | errors |',
    '|---|---:|---:|---:|---:|---:|',
    row('warren (unprotected)', v.unprotected, v.edgeCpuUs.unprotected),
    row('warren + Access (valid cookie)', v.protected, v.edgeCpuUs.protected),
    '',
  ];
}

function dnsTable(res: BenchResults): string[] {
  const d = res.dns;
  if (d === undefined) return [];
  const head = ['### DNS (authoritative, UDP): warren dns beside NSD', ''];
  if (d.value === undefined) return [...head, `Failed: ${d.error ?? 'unknown'}`, ''];
  return [...head, ...dnsRowMarkdown(d.value)];
}

function scaleTable(res: BenchResults): string[] {
  const s = res.scale;
  if (s === undefined) return [];
  if (s.value === undefined) return ['### Scale (warren)', '', `Failed: ${s.error ?? 'unknown'}`, ''];
  const v = s.value;
  const direct = res.rows.find((r) => r.name === 'direct' && r.status === 'ok');
  const warren = res.rows.find((r) => r.name === 'warren' && r.status === 'ok');
  const d50 = direct?.c50.value?.rps;
  const rows = [
    '### Scale (warren, one edge)',
    '',
    `A fresh \`warren serve\` on its default flags; ${v.workers} node processes (bench/scale-worker.ts), all from 127.0.0.1, ` +
      `start ${v.tunnels} named tunnels of one account at once ` +
      `with the \`Connector\` class (${v.connections / v.tunnels} links each, the connector's own retry and backoff); ` +
      'the time runs from the start signal to the last link registered. The load below rotates the Host header over ' +
      `${v.spread} of those tunnels (${res.options.loadgen === 'wrk' ? 'a wrk Lua script' : 'the node load generator'}), so consecutive requests use different links.`,
    '',
    '| figure | value |',
    '|---|---:|',
    `| register ${v.tunnels} tunnels × ${v.connections / v.tunnels} connections (${v.workers} connector processes) | ${v.registerSeconds.toFixed(2)} s |`,
    `| … CPU used meanwhile: edge / connector processes | ${v.registerCpu.edge.toFixed(1)} s / ${v.registerCpu.connectors.toFixed(1)} s |`,
    `| register attempts retried | ${v.retries} |`,
    `| edge RSS idle → with ${v.connections} connections | ${mib(v.edgeRssIdle)} → ${mib(v.edgeRssRegistered)} |`,
    `| edge RSS per link (connection) | ${(v.edgeRssPerConnection / 1024).toFixed(1)} KiB |`,
    `| edge RSS after the load below | ${mib(v.edgeRssAfterLoad)} |`,
    `| idle connector RSS (\`warren tunnel\`, 4 links) | ${warren?.extra.idleConnectorRss !== undefined ? mib(warren.extra.idleConnectorRss) : '–'} |`,
    `| req/s at c=50 spread over ${v.spread} tunnels (ratio to direct c=50) | ${v.spreadLoad.rps.toFixed(0)}${d50 !== undefined ? ` (${(v.spreadLoad.rps / d50).toFixed(2)})` : ''} |`,
    `| … p50 / p99 ms | ${ms(v.spreadLoad.p50)} / ${ms(v.spreadLoad.p99)}${v.spreadLoad.errors > 0 ? ` (${v.spreadLoad.errors} errors)` : ''} |`,
    `| … CPU per request: edge / connector processes | ${v.spreadCpu.edge.toFixed(0)} µs / ${v.spreadCpu.connectors.toFixed(0)} µs |`,
    '',
  ];
  if (v.lastWarning !== '')
    rows.push(`Last connector warning during registration: \`${v.lastWarning.trim().replace(/`/g, "'")}\``, '');
  return rows;
}

interface Target {
  figure: string;
  value: number | undefined;
  /** The same figure for the reference row (two bare node relays), where it has one. */
  ref?: number | undefined;
  shown: string;
  must: number;
  aim: number;
  /** true: bigger is better. */
  up: boolean;
  unit: string;
}

function targetTable(res: BenchResults): string[] {
  const direct = res.rows.find((r) => r.name === 'direct' && r.status === 'ok');
  const warren = res.rows.find((r) => r.name === 'warren' && r.status === 'ok');
  if (direct === undefined || warren === undefined) return [];
  const r = ratiosOf(warren, direct);
  const s = res.scale?.value;
  const lower = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : Math.min(a, b);
  const transfer = lower(r.down, r.up);
  const relayRow = res.rows.find((x) => x.name === 'node relay ×2' && x.status === 'ok');
  const relay = relayRow === undefined ? undefined : ratiosOf(relayRow, direct);
  const targets: Target[] = [
    { figure: 'req/s c=50', value: r.c50, ref: relay?.c50, shown: '', must: 0.2, aim: 0.3, up: true, unit: '' },
    { figure: 'req/s c=1', value: r.c1, ref: relay?.c1, shown: '', must: 0.3, aim: 0.45, up: true, unit: '' },
    {
      figure: 'p99 at c=50 (× direct)',
      value: r.c50p99,
      ref: relay?.c50p99,
      shown: '',
      must: 4,
      aim: 2,
      up: false,
      unit: '×',
    },
    {
      figure: `${res.options.transferBytes / MiB} MiB download and upload (the lower)`,
      value: transfer,
      ref: lower(relay?.down, relay?.up),
      shown: '',
      must: 0.15,
      aim: 0.3,
      up: true,
      unit: '',
    },
    { figure: 'WS round trips/s', value: r.ws, ref: relay?.ws, shown: '', must: 0.5, aim: 0.74, up: true, unit: '' },
  ];
  if (s !== undefined) {
    targets.push(
      {
        figure: `${s.tunnels} tunnels × ${s.connections / s.tunnels} registered in (s)`,
        value: s.registerSeconds,
        shown: '',
        must: 20,
        aim: 5,
        up: false,
        unit: ' s',
      },
      {
        figure: `edge RSS with ${s.connections} connections (MiB)`,
        value: s.edgeRssRegistered / MiB,
        shown: '',
        must: 600,
        aim: 300,
        up: false,
        unit: ' MiB',
      },
    );
  }
  const idle = warren.extra.idleConnectorRss;
  targets.push({
    figure: 'idle connector RSS (MiB)',
    value: idle === undefined ? undefined : idle / MiB,
    shown: '',
    must: 80,
    aim: 50,
    up: false,
    unit: ' MiB',
  });
  const meets = (t: Target, bar: number): string => {
    if (t.value === undefined) return '–';
    return (t.up ? t.value >= bar : t.value <= bar) ? 'yes' : '**no**';
  };
  const lines = [
    '### warren against the targets of issue 6 (ratios to direct, this run)',
    '',
    '| figure | warren | must reach | met | aim | met | two bare node relays (reference) |',
    '|---|---:|---:|:-:|---:|:-:|---:|',
  ];
  const fixed = (v: number | undefined, unit: string): string => (v === undefined ? '–' : `${v.toFixed(2)}${unit}`);
  for (const t of targets) {
    const cmp = t.up ? '≥' : '≤';
    lines.push(
      `| ${t.figure} | ${fixed(t.value, t.unit)} | ${cmp} ${t.must}${t.unit} | ${meets(t, t.must)} | ${cmp} ${t.aim}${t.unit} | ${meets(t, t.aim)} | ${fixed(t.ref, t.unit)} |`,
    );
  }
  lines.push('');
  return lines;
}

export function profileLines(title: string, p: ProfileSummary, top = 12): string[] {
  const lines = [
    `**${title}** — ${p.seconds.toFixed(1)} s profiled, busy ${p.busy.toFixed(0)} % of the time (of one core)`,
    '',
    '| # | self time (function, file:line) | % of busy |',
    '|---:|---|---:|',
  ];
  p.self.slice(0, top).forEach((e, i) => {
    const via =
      e.via === undefined ? '' : ` — from ${e.via.map((v) => `\`${v.replace(/ (\d+ %)$/, '` $1')}`).join(', ')}`;
    lines.push(`| ${i + 1} | \`${e.fn}\`${via} | ${e.busyPct.toFixed(1)} |`);
  });
  lines.push('', `By kind: ${p.categories.map((c) => `${c.fn} ${c.busyPct.toFixed(0)} %`).join(', ')}.`, '');
  if (p.inclusive.length > 0) {
    lines.push(
      `Inclusive (warren's own functions): ${p.inclusive
        .slice(0, 8)
        .map((e) => `\`${e.fn}\` ${e.busyPct.toFixed(0)} %`)
        .join(', ')}.`,
      '',
    );
  }
  return lines;
}

/** A row's hop CPU per request (every process but the origin), µs. */
export function hopCpu(m: Record<string, number> | undefined): number | undefined {
  if (m === undefined) return undefined;
  const hop = Object.entries(m).filter(([k]) => k !== 'origin');
  return hop.length === 0 ? undefined : hop.reduce((a, [, v]) => a + v, 0);
}

const LOADS = ['c1', 'c50', 'page'] as const;

function cpuTable(res: BenchResults): string[] {
  const rows = res.rows.filter((r) => LOADS.some((k) => r.cpu[k] !== undefined));
  if (rows.length === 0) return [];
  const fmt = (m: Record<string, number> | undefined): string => {
    if (m === undefined) return '–';
    const total = hopCpu(m);
    const parts = Object.entries(m).map(([k, v]) => `${k} ${v.toFixed(0)}`);
    return total !== undefined ? `**${total.toFixed(0)}** (${parts.join(', ')})` : parts.join(', ');
  };
  const lines = [
    'CPU time per request, µs (user + system, from /proc; **hop total**, then by process, origin included for reference):',
    '',
    '| peer | c=1 | c=50 | 10 KiB page c=50 |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${fmt(r.cpu.c1)} | ${fmt(r.cpu.c50)} | ${fmt(r.cpu.page)} |`),
    '',
  ];
  const ssh = res.rows.find((r) => r.name === 'ssh -R' && r.status === 'ok');
  if (ssh === undefined) return lines;
  const multiple = (r: RowResult, k: (typeof LOADS)[number]): string => {
    const v = hopCpu(r.cpu[k]);
    const s = hopCpu(ssh.cpu[k]);
    return v === undefined || s === undefined || s === 0 ? '–' : `${(v / s).toFixed(2)}×`;
  };
  lines.push(
    "Hop CPU per request as a multiple of ssh -R's in this run (issue 24: warren ≤ 1.8× at c=50, ≤ 2.5× at c=1; aim ≤ 1.0×):",
    '',
    '| peer | c=1 | c=50 | 10 KiB page c=50 |',
    '|---|---:|---:|---:|',
    ...rows
      .filter((r) => r !== ssh && hopCpu(r.cpu.c50) !== undefined)
      .map((r) => `| ${r.name} | ${multiple(r, 'c1')} | ${multiple(r, 'c50')} | ${multiple(r, 'page')} |`),
    '',
  );
  return lines;
}

/** Issue 24's two memory figures for warren, each against its targets. */
export function memoryLines(res: BenchResults): string[] {
  const m = res.warrenMemory;
  if (m === undefined) return [];
  const fig = (v: number | undefined, must: number, aim: number): string => {
    if (v === undefined) return '–';
    const x = v / MiB;
    return `**${x.toFixed(1)} MiB** (must ≤ ${must}: ${x <= must ? 'yes' : '**no**'}; aim ≤ ${aim}: ${x <= aim ? 'yes' : 'no'})`;
  };
  const samples = res.rows.find((r) => r.name === 'warren')?.rssUnderLoad?.connector?.samples.length ?? 0;
  return [
    'warren memory (issue 24), VmRSS from /proc:',
    '',
    `- \`warren serve\` after its row (loads, transfers, WebSocket echo): ${fig(m.serveRssAfterRow, 200, 150)}`,
    `- \`warren tunnel\` plateau under the c=50 load (largest of the last half of ${samples} samples taken every 250 ms during warren's c=50 slices; median of that half ${m.connectorRssMedianC50 === undefined ? '–' : mib(m.connectorRssMedianC50)}): ${fig(m.connectorRssPlateauC50, 100, 70)}`,
    '',
  ];
}

function pageTable(res: BenchResults): string[] {
  const rows = res.rows.filter((r) => r.status === 'ok' && r.page?.value !== undefined);
  if (rows.length === 0) return [];
  const direct = res.rows.find((r) => r.name === 'direct' && r.status === 'ok');
  return [
    'The realistic row: `GET /page`, 10 KiB of HTML, with the 12 request headers of a browser navigation (cookies, user agent, accept-*, fetch metadata; bench/lib/page.ts), c=50. No target yet.',
    '',
    '| peer | req/s (÷ direct) | p99 ms (× direct) |',
    '|---|---:|---:|',
    ...rows.map((r) => {
      const f = figures(r);
      const d = baselineOf(r, direct);
      return `| ${r.name} | ${cell(r.page, f.page, d?.page, (n) => num(n))} | ${cell(r.page, f.pagep99, d?.pagep99, ms, true)} |`;
    }),
    '',
  ];
}

export function renderMarkdown(res: BenchResults): string {
  const o = res.options;
  const lines = [
    '# warren benchmark results',
    '',
    `Run of \`${res.command}\` on ${res.date}: ${res.machine.cpu}, nproc ${res.machine.nproc}, ${res.machine.memoryGiB} GiB, node ${res.machine.node}, Linux ${res.machine.kernel}; ` +
      `warren at ${res.git.head}${res.git.dirtySrcFiles > 0 ? ` with ${res.git.dirtySrcFiles} uncommitted files under src/ (shared working tree)` : ''}; ` +
      `1-minute load average ${res.machine.loadavg.start.toFixed(2)} at the start, ${res.machine.loadavg.end.toFixed(2)} at the end.`,
    `Load generator: ${o.loadgen === 'wrk' ? '`wrk -t1`' : 'node (bench/loadgen.ts)'}, keep-alive, 13-byte GET, ${o.durationS} s per figure after a ${o.warmupS} s warm-up at c=50; ` +
      `transfers: median of ${o.transfers}; WebSocket: one connection, one 32-byte message in flight, ${o.wsSeconds} s. ` +
      'Everything on 127.0.0.1, all rows in one run, one after the other (the machine is shared, so compare ratios, not absolute figures).',
    '',
    'Ratios to direct in parentheses (latency: × direct). ' +
      (o.slices > 1
        ? `Each row's ratios are to direct measured interleaved with that row: its loads and WebSocket echo run in ${o.slices} slices alternating with the same load on direct, its transfers alternate with direct's, so a slow spell of the shared machine hits both sides of a ratio (req/s: all requests over all slices; latency: the median slice). The direct row shows direct's own continuous run. `
        : '') +
      "RSS: the hop's own processes after the row's loads " +
      '(nginx master + workers; sshd with its session processes + the ssh client; localtunnel server + client; ' +
      'warren serve + warren tunnel), the origin excluded; for direct, the origin itself.',
    '',
    // `--only access` alone measures no peer rows: its pair has its own table below.
    ...(res.rows.length > 0 ? [...mainTable(res), ''] : []),
  ];
  const errs = res.rows.flatMap((r) =>
    (['c1', 'c50', 'download', 'upload', 'ws', 'rss'] as const)
      .filter((k) => r[k].error !== undefined)
      .map((k) => `${r.name} ${k}: ${r[k].error}`),
  );
  const loadErrors = res.rows.flatMap((r) =>
    (['c1', 'c50'] as const)
      .filter((k) => (r[k].value?.errors ?? 0) > 0)
      .map((k) => `${r.name} ${k}: ${r[k].value?.errors} non-2xx answers or socket errors during the load`),
  );
  if (errs.length > 0 || loadErrors.length > 0) {
    lines.push('¹ Errors:', '', ...[...errs, ...loadErrors].map((e) => `- ${e.split('\n')[0]}`), '');
  }
  lines.push(...pageTable(res), ...cpuTable(res), ...memoryLines(res));
  if (res.rows.length > 0) {
    lines.push('Peers (² = skipped or failed, with the reason):', '');
    for (const r of res.rows) lines.push(`- **${r.name}** (${r.status}): ${r.note.split('\n')[0]}`);
    lines.push('');
  }
  lines.push(...scaleTable(res), ...dnsTable(res), ...accessTable(res), ...targetTable(res));
  if (res.profile !== undefined) {
    lines.push("### Where warren spends its time (`node --cpu-prof`, separate runs after the table's)", '');
    if (res.profile.error !== undefined) lines.push(`Profile failed: ${res.profile.error}`, '');
    if (res.profile.edge !== undefined) lines.push(...profileLines('edge (`warren serve`) at c=50', res.profile.edge));
    if (res.profile.connector !== undefined)
      lines.push(...profileLines('connector (`warren tunnel`) at c=50', res.profile.connector));
    for (const ph of res.profile.phases ?? []) {
      if (ph.edge !== undefined) lines.push(...profileLines(`edge, ${ph.name}`, ph.edge, 6));
      if (ph.connector !== undefined) lines.push(...profileLines(`connector, ${ph.name}`, ph.connector, 6));
    }
    const sc = res.scale?.value;
    const n = sc === undefined ? 'all' : `${sc.tunnels} × ${sc.connections / sc.tunnels}`;
    if (res.profile.scaleEdgeRegister !== undefined)
      lines.push(...profileLines(`scale edge while ${n} connections register`, res.profile.scaleEdgeRegister));
    if (res.profile.scaleWorkerRegister !== undefined)
      lines.push(
        ...profileLines(
          "one of the scale run's connector processes while registering",
          res.profile.scaleWorkerRegister,
        ),
      );
    if (res.profile.scaleEdgeSpread !== undefined)
      lines.push(...profileLines('scale edge under c=50 spread over 100 tunnels', res.profile.scaleEdgeSpread));
  }
  if (res.notes.length > 0) lines.push('### Notes', '', ...res.notes.map((n) => `- ${n}`), '');
  lines.push(`Raw figures: \`results.json\` next to this file. Reproduce: \`${res.command}\`.`, '');
  return lines.join('\n');
}
