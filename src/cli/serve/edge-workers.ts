import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { WarrenError } from '../../errors/index.js';

/** `--workers` when not given: one edge worker per core, at most 8. */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

/** What a worker tells the primary once its listeners and its cluster membership are up. */
export interface WorkerReady {
  name: string;
  pid: number;
  httpPort: number;
  httpsPort: number | undefined;
  tunnelPort: number;
  peerAddress: string;
}

/** This process's slot when it is an edge worker forked by `--workers N` (N > 1); undefined otherwise. */
export interface WorkerSlot {
  /** 1..N: the worker is the edge `<name>-<index>`. */
  index: number;
  /** Forked again after its predecessor died: the predecessor's membership row is its to take over. */
  restart: boolean;
  ready(info: Omit<WorkerReady, 'pid'>): void;
  /** `stop` runs when the primary asks (SIGTERM/SIGINT there) or is gone (its IPC channel closed). */
  onPrimaryStop(stop: () => void): void;
}

const INDEX_ENV = 'WARREN_EDGE_WORKER_INDEX';
const RESTART_ENV = 'WARREN_EDGE_WORKER_RESTART';
const STOP = 'warren:stop';
const READY = 'warren:ready';

/** A restarted worker waits this long after a quick death, doubling per quick death, up to the cap. */
const RESTART_FIRST_MS = 100;
const RESTART_MAX_MS = 10_000;
/** A worker that ran this long died of something else than its start: its next restart is quick again. */
const RESTART_RESET_AFTER_MS = 30_000;
/** How long the primary waits for its workers' clean stop before it kills them. */
const STOP_GRACE_MS = 30_000;

export function workerSlot(): WorkerSlot | undefined {
  if (!cluster.isWorker) return undefined;
  const index = Number(process.env[INDEX_ENV]);
  if (!Number.isInteger(index) || index < 1) return undefined;
  return {
    index,
    restart: process.env[RESTART_ENV] === '1',
    ready(info) {
      process.send?.({ type: READY, ...info, pid: process.pid });
    },
    onPrimaryStop(stop) {
      process.on('message', (m: unknown) => {
        if (m === STOP) stop();
      });
      // The primary died (SIGKILL): stop cleanly rather than hold the shared ports as an orphan.
      process.on('disconnect', stop);
    },
  };
}

/** N edge workers sharing the listening ports, restarted when they die, stopped together. */
export interface WorkerGroup {
  /** The workers as they first became ready, in index order. */
  readonly first: WorkerReady[];
  /** Asks every worker to stop cleanly and waits (kills those still running after the grace time). */
  stop(): Promise<void>;
}

/**
 * Forks `count` workers running this same command line (node `cluster`, SCHED_NONE: the kernel
 * spreads accepts over the workers and the primary copies no connections). Resolves when all are
 * ready; rejects when one exits before its first ready (bad flags, an unreachable database), with
 * the others stopped. After that a worker that dies is forked again with a bounded backoff.
 */
export async function startWorkers(o: { count: number; baseName: string; logger: Logger }): Promise<WorkerGroup> {
  // node's own NODE_CLUSTER_SCHED_POLICY=rr (the primary accepts and hands connections round robin) still applies.
  if (process.env.NODE_CLUSTER_SCHED_POLICY === undefined) cluster.schedulingPolicy = cluster.SCHED_NONE;
  const { logger } = o;
  let stopping = false;
  const live = new Map<number, Worker>();
  const quickDeaths = new Map<number, number>();
  const firstReady = new Map<number, WorkerReady>();
  let failStart: ((err: Error) => void) | undefined;
  let allReady: (() => void) | undefined;

  const fork = (index: number, restart: boolean): void => {
    const name = `${o.baseName}-${index}`;
    const startedAt = Date.now();
    const worker = cluster.fork({ [INDEX_ENV]: String(index), [RESTART_ENV]: restart ? '1' : '0' });
    live.set(index, worker);
    const pid = worker.process.pid;
    worker.on('message', (m: unknown) => {
      if (typeof m !== 'object' || m === null || (m as { type?: unknown }).type !== READY) return;
      const info = m as WorkerReady & { type: string };
      const ready: WorkerReady = {
        name: info.name,
        pid: info.pid,
        httpPort: info.httpPort,
        httpsPort: info.httpsPort,
        tunnelPort: info.tunnelPort,
        peerAddress: info.peerAddress,
      };
      if (restart) {
        logger.warn(
          { worker: name, workerPid: ready.pid, peer: ready.peerAddress },
          'edge worker restarted and serving',
        );
        return;
      }
      firstReady.set(index, ready);
      if (firstReady.size === o.count) allReady?.();
    });
    worker.on('exit', (code, signal) => {
      if (live.get(index) === worker) live.delete(index);
      if (stopping) return;
      if (!restart && !firstReady.has(index)) {
        failStart?.(
          new WarrenError(
            'WARREN_CONFIG_INVALID',
            `edge worker ${name} stopped before it was ready (exit ${signal ?? code}); its error is above`,
          ),
        );
        return;
      }
      const lived = Date.now() - startedAt;
      const deaths = lived >= RESTART_RESET_AFTER_MS ? 0 : (quickDeaths.get(index) ?? 0) + 1;
      quickDeaths.set(index, deaths);
      const delay = Math.min(RESTART_MAX_MS, RESTART_FIRST_MS * 2 ** Math.max(0, deaths - 1));
      logger.warn(
        { worker: name, workerPid: pid, exit: signal ?? code, restartInMs: delay },
        'edge worker exited; the primary restarts it',
      );
      setTimeout(() => {
        if (!stopping) fork(index, true);
      }, delay).unref();
    });
  };

  const stop = async (): Promise<void> => {
    stopping = true;
    const exits = [...live.values()].map(
      (w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))),
    );
    for (const w of live.values()) {
      if (w.isConnected()) w.send(STOP);
      else w.process.kill('SIGTERM');
    }
    const grace = setTimeout(() => {
      for (const w of live.values()) w.process.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await Promise.all(exits);
    clearTimeout(grace);
  };

  const started = new Promise<void>((resolve, reject) => {
    allReady = resolve;
    failStart = reject;
  });
  for (let i = 1; i <= o.count; i++) fork(i, false);
  try {
    await started;
  } catch (err) {
    await stop();
    throw err;
  }
  failStart = undefined;
  const first = [...firstReady.entries()].sort(([a], [b]) => a - b).map(([, r]) => r);
  return { first, stop };
}
