import type { Target } from '../lib/net.js';

export interface PeerContext {
  /** The origin every row proxies to. */
  originPort: number;
  originPid: number;
  /** Scratch directory for this run (removed at the end). */
  tmp: string;
  /** Checkout root (where dist/ and bench/ live). */
  repo: string;
  /** When set, node processes of the peer run with --cpu-prof into this folder. */
  cpuProfDir?: string;
  /** `--warren-node-flags`: node flags for warren's own processes only (an A/B of V8 or GC settings). */
  warrenNodeFlags?: string[];
  log: (line: string) => void;
}

export interface RunningPeer {
  target: Target;
  /** Processes of the hop itself (their RSS is the row's RSS). */
  pids(): number[];
  /** Figures measured while starting (e.g. idle connector RSS). */
  extra: Record<string, number>;
  /** Pids by role, for profiles and per-process RSS. */
  roles: Record<string, number>;
  /**
   * Roles whose RSS is sampled every 250 ms during the c=50 load (its plateau is reported; warren's
   * connector). Other peers leave it out and are measured as before.
   */
  sampleRssUnderLoad?: string[];
  stop(): Promise<void>;
}

export interface Peer {
  name: string;
  /** What exactly ran (package and version, config essentials), for the notes. */
  describe(): string;
  /** undefined when it can run here, else why it is skipped. */
  unavailable(): Promise<string | undefined>;
  start(ctx: PeerContext): Promise<RunningPeer>;
}
