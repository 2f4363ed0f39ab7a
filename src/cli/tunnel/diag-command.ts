import { writeFileSync } from 'node:fs';
import { arch, platform, release } from 'node:os';
import { resolve } from 'node:path';
import { strToU8, type Zippable, zipSync } from 'fflate';
import { CONNECTOR_VERSION } from '../../connector/index.js';
import { WarrenError } from '../../errors/index.js';

/** Per request to the connector's metrics server (5 seconds): it is local, it answers at once or not at all. */
const DIAG_FETCH_TIMEOUT_MS = 5_000;
/** Largest answer kept per entry (8 MiB): a connector is not trusted to bound itself. */
const MAX_ENTRY_BYTES = 8 * 1024 * 1024;

export interface DiagOptions {
  metrics: string;
  output: string | undefined;
  noDiagLogs: boolean;
  noDiagMetrics: boolean;
  noDiagSystem: boolean;
}

async function get(base: string, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(DIAG_FETCH_TIMEOUT_MS) });
  const buf = Buffer.from(await res.arrayBuffer());
  const body =
    buf.length > MAX_ENTRY_BYTES
      ? `${buf.subarray(0, MAX_ENTRY_BYTES).toString('utf8')}\n[cut]\n`
      : buf.toString('utf8');
  return { status: res.status, body };
}

/**
 * `warren tunnel diag`: one zip with the connector's metrics, effective configuration (secrets
 * redacted by the connector), recent logs, versions and system facts, for a bug report.
 */
export async function tunnelDiag(o: DiagOptions): Promise<void> {
  const base = `http://${o.metrics.replace(/^https?:\/\//, '').replace(/\/+$/, '')}`;
  try {
    const h = await get(base, '/healthcheck');
    if (h.status !== 200) throw new Error(`/healthcheck answered ${h.status}`);
  } catch (err) {
    throw new WarrenError(
      'WARREN_DIAG_NO_CONNECTOR',
      `no connector answers at ${base} (${(err as Error).message}); start it with --metrics ${o.metrics}, or pass the address it uses with --metrics HOST:PORT`,
      { cause: err },
    );
  }
  const files: Zippable = {};
  const notes: string[] = [];
  const add = async (name: string, path: string): Promise<void> => {
    try {
      const r = await get(base, path);
      if (r.status !== 200) {
        notes.push(`${path}: HTTP ${r.status} ${r.body.trim().slice(0, 200)}`);
        return;
      }
      files[name] = strToU8(r.body);
    } catch (err) {
      notes.push(`${path}: ${(err as Error).message}`);
    }
  };
  await add('ready.json', '/ready');
  await add('configuration.json', '/diag/configuration');
  if (!o.noDiagMetrics) await add('metrics.txt', '/metrics');
  if (!o.noDiagLogs) await add('logs.jsonl', '/diag/logs');
  if (!o.noDiagSystem) await add('system.json', '/diag/system');
  files['versions.json'] = strToU8(
    `${JSON.stringify(
      {
        diag: { warren: CONNECTOR_VERSION, node: process.version, os: release(), platform: platform(), arch: arch() },
        collectedAt: new Date().toISOString(),
        metrics: o.metrics,
        notes,
      },
      null,
      2,
    )}\n`,
  );
  const out = resolve(o.output ?? `warren-diag-${new Date().toISOString().replace(/[:.]/g, '-')}.zip`);
  // 0600: the logs name hostnames and origins the operator may not want others on the host to read.
  writeFileSync(out, zipSync(files), { mode: 0o600 });
  process.stdout.write(`Wrote ${out} (${Object.keys(files).sort().join(', ')})\n`);
  for (const n of notes) process.stderr.write(`warren: diag: left out ${n}\n`);
}
