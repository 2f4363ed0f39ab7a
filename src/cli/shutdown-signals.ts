import type { Logger } from 'pino';

/**
 * First SIGTERM/SIGINT runs `shutdown` and exits 0; a second one exits at once. Returns a function
 * that starts the same shutdown (once: later calls, and signals after it, change nothing more than a signal would).
 */
export function onShutdownSignals(logger: Logger, shutdown: () => Promise<void>): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down (send the signal again to exit at once)');
    shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    if (!stopping) handler('SIGTERM');
  };
}

/** SIGHUP runs `reload` (re-read the config file), as for cloudflared. Returns a function that stops listening. */
export function onReloadSignal(reload: () => void): () => void {
  const handler = (): void => reload();
  process.on('SIGHUP', handler);
  return () => {
    process.off('SIGHUP', handler);
  };
}
