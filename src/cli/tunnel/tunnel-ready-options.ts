import type { Command } from 'commander';
import { WarrenError } from '../../errors/index.js';

const READY_TIMEOUT_MS = 5_000; // 5 seconds for the connector's metrics server to answer

/** `warren tunnel ready --metrics HOST:PORT`: exits 0 when that connector has a registered edge connection. */
export function registerTunnelReadyCommand(tunnel: Command): void {
  tunnel
    .command('ready')
    .description('exit 0 when the connector serving --metrics has at least one edge connection (its /ready), else 1')
    .requiredOption('--metrics <host:port>', "the connector's --metrics address", process.env.WARREN_METRICS)
    .action(async (f: { metrics: string }) => {
      const url = `http://${f.metrics.replace(/^https?:\/\//, '')}/ready`;
      let res: Response;
      try {
        res = await fetch(url, { signal: AbortSignal.timeout(READY_TIMEOUT_MS) });
      } catch (err) {
        throw new WarrenError(
          'WARREN_CONFIG_INVALID',
          `no connector answers at ${url} (${(err as Error).message}); is it running with --metrics ${f.metrics}?`,
        );
      }
      const body = (await res.json().catch(() => ({}))) as { readyConnections?: number };
      if (res.status !== 200) {
        process.stderr.write(`warren: not ready: ${body.readyConnections ?? 0} edge connections registered\n`);
        process.exit(1);
      }
      process.stdout.write(`ready: ${body.readyConnections} edge connections\n`);
    });
}
