import { type Command, Option } from 'commander';

/** `warren tunnel diag`: cloudflared's diagnostic bundle, as one zip. */
export function registerTunnelDiagCommand(tunnel: Command): void {
  tunnel
    .command('diag')
    .description(
      "write a zip with the connector's metrics, configuration (secrets redacted), recent logs, versions and system facts",
    )
    .addOption(
      new Option('--metrics <host:port>', "the connector's --metrics address").default(
        process.env.WARREN_METRICS ?? process.env.TUNNEL_METRICS ?? '127.0.0.1:20241',
      ),
    )
    .addOption(new Option('-o, --output <file>', 'the zip to write (default: warren-diag-<time>.zip here)'))
    .addOption(new Option('--no-diag-logs', 'leave out the logs'))
    .addOption(new Option('--no-diag-metrics', 'leave out the metrics'))
    .addOption(new Option('--no-diag-system', 'leave out the system facts'))
    .addOption(new Option('--no-diag-runtime', 'accepted for cloudflared (no separate runtime entry)').hideHelp())
    .addOption(new Option('--no-diag-network', 'accepted for cloudflared (no network traces)').hideHelp())
    .addOption(new Option('--diag-container-id <id>', 'accepted for cloudflared (no Docker support)').hideHelp())
    .addOption(new Option('--diag-pod-id <id>', 'accepted for cloudflared (no Kubernetes support)').hideHelp())
    .action(
      async (f: { metrics: string; output?: string; diagLogs: boolean; diagMetrics: boolean; diagSystem: boolean }) => {
        const { tunnelDiag } = await import('./diag-command.js');
        await tunnelDiag({
          metrics: f.metrics,
          output: f.output,
          noDiagLogs: !f.diagLogs,
          noDiagMetrics: !f.diagMetrics,
          noDiagSystem: !f.diagSystem,
        });
      },
    );
}
