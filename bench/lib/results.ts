import type { AccessBenchResult } from '../access.js';
import type { ClusterResult } from '../cluster.js';
import type { DnsBenchResult } from '../dns.js';
import type { HttpsRow } from '../https.js';
import type { ScaleResult } from '../scale.js';
import type { TcpRow } from '../tcp.js';
import type { LoadResult } from './load.js';
import type { RssSamples } from './proc.js';
import type { ProfileSummary } from './profile.js';

export interface Measured<T> {
  value?: T;
  error?: string;
}

export interface RowResult {
  name: string;
  status: 'ok' | 'skipped' | 'failed';
  /** What ran, or why the row is skipped / failed. */
  note: string;
  c1: Measured<LoadResult>;
  c50: Measured<LoadResult>;
  /** The realistic row: 10 KiB HTML with 12 browser request headers, c=50 (bench/lib/page.ts). */
  page: Measured<LoadResult>;
  /** MB/s (10^6 bytes/s), median of `transfers` runs, and every run. */
  download: Measured<{ median: number; runs: number[] }>;
  upload: Measured<{ median: number; runs: number[] }>;
  /** WebSocket round trips per second. */
  ws: Measured<number>;
  /** RSS of the hop's processes after the row's loads, bytes (peak too). */
  rss: Measured<{ rss: number; peak: number; byRole: Record<string, number> }>;
  /**
   * VmRSS sampled every 250 ms during the c=50 load (only the row's slices, not direct's), by role, for
   * the roles a peer asks for (warren: edge and connector); plateau = the largest sample of the last half.
   */
  rssUnderLoad?: Record<string, RssSamples>;
  extra: Record<string, number>;
  /**
   * Direct's figures measured interleaved with this row's (slices alternating direct and the row), so
   * a slow spell of the shared machine hits both sides of a ratio. Absent for direct itself.
   */
  baseline?: {
    c1?: LoadResult;
    c50?: LoadResult;
    page?: LoadResult;
    download?: number;
    upload?: number;
    ws?: number;
  };
  /** Each figure divided by direct's (filled in at the end of the run; for tools). */
  ratios?: Record<string, number | undefined>;
  /** CPU time per request by process role (µs), during the c=1 and c=50 loads. */
  cpu: { c1?: Record<string, number>; c50?: Record<string, number>; page?: Record<string, number> };
}

export interface ProfilePhase {
  name: string;
  edge?: ProfileSummary | undefined;
  connector?: ProfileSummary | undefined;
}

export interface BenchResults {
  date: string;
  command: string;
  machine: {
    cpu: string;
    nproc: number;
    node: string;
    kernel: string;
    memoryGiB: number;
    /** 1-minute load average at the start and the end: others share this machine. */
    loadavg: { start: number; end: number };
  };
  /** The code measured: HEAD, and how many files under src/ differed from it (a shared working tree). */
  git: { head: string; dirtySrcFiles: number };
  options: {
    smoke: boolean;
    loadgen: 'wrk' | 'node';
    warmupS: number;
    durationS: number;
    transfers: number;
    transferBytes: number;
    wsSeconds: number;
    /** Slices each row's loads are cut into, alternating with direct (1: no interleaving). */
    slices: number;
  };
  rows: RowResult[];
  /**
   * Issue 24's two memory figures for warren, bytes: `warren serve` RSS after its row's loads, transfers and
   * WebSocket echo; `warren tunnel` RSS plateau under the c=50 load (largest 250 ms sample of the last half).
   */
  warrenMemory?: {
    serveRssAfterRow?: number;
    connectorRssPlateauC50?: number;
    connectorRssMedianC50?: number;
    serveRssPlateauC50?: number;
  };
  scale: Measured<ScaleResult> | undefined;
  /** The TCP row (bench/tcp.ts): `warren access tcp` beside `ssh -L` and direct, MB/s each way. */
  tcp?: Measured<TcpRow[]> | undefined;
  /** The HTTPS row (bench/https.ts): warren's HTTPS port beside nginx on the same certificate. */
  https?: Measured<HttpsRow[]> | undefined;
  /** The cluster rows (bench/cluster.ts): forwarded vs local vs direct, and `--workers 2` vs 1. */
  cluster?: Measured<ClusterResult> | undefined;
  /** The DNS row (bench/dns.ts): warren dns beside NSD. */
  dns?: Measured<DnsBenchResult> | undefined;
  /** The Access pair (bench/access.ts): protected with a valid cookie beside unprotected, same edge and tunnel. */
  access?: Measured<AccessBenchResult> | undefined;
  profile:
    | {
        edge?: ProfileSummary;
        connector?: ProfileSummary;
        /** The same processes right after: c=1 (no batching), WebSocket echo, uploads, downloads. */
        phases?: ProfilePhase[];
        /** The scale run again under --cpu-prof: the edge and one connector process while 1000 tunnels register. */
        scaleEdgeRegister?: ProfileSummary;
        scaleWorkerRegister?: ProfileSummary;
        /** …and the edge during the load spread over 100 tunnels. */
        scaleEdgeSpread?: ProfileSummary;
        error?: string;
      }
    | undefined;
  notes: string[];
}
