import type { EventEmitter } from 'node:events';
import { WarrenError } from '../../errors/index.js';

export interface ServeUntilSignalOptions {
  /** The listening socket (a net.Server or a dgram.Socket): its 'error' while listening is refused. */
  server: EventEmitter;
  /** `host:port` (or `host:port/udp`) for the error message. */
  where: string;
  /** Starts listening; calls `ready` once it listens. */
  listen: (ready: () => void) => void;
  /** Runs once it listens: the "listening" line. */
  listening: () => void;
  /** SIGINT or SIGTERM: close the listener (and what it carries). */
  stop: () => void;
}

/**
 * `warren access tcp|udp`'s local listener: listens, says so, and runs until SIGINT or SIGTERM.
 * The signal handlers go in before the "listening" line: whoever reads it may stop us at once.
 */
export async function serveUntilSignal(o: ServeUntilSignalOptions): Promise<void> {
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (): void => {
      o.stop();
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  await new Promise<void>((resolve, reject) => {
    o.server.once('error', (err: Error) =>
      reject(new WarrenError('WARREN_CONFIG_INVALID', `cannot listen on ${o.where}: ${err.message}`)),
    );
    o.listen(resolve);
  });
  o.listening();
  await stopped;
}
