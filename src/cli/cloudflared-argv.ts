import type { Command } from 'commander';
import { applyCloudflaredEnv, normalizeCloudflaredArgs } from './cloudflared-flags.js';

/** Every long option name any command declares (for Go's single-dash spelling `-url`). */
function longNames(cmd: Command, into: Set<string>): Set<string> {
  for (const o of cmd.options) if (o.long !== undefined) into.add(o.long.slice(2));
  for (const c of cmd.commands) longNames(c, into);
  return into;
}

const ROOT_OWN = new Set(['-V', '--version', '-h', '--help']);

/**
 * process.argv as commander should see a cloudflared command line: cloudflared's spellings made
 * commander's, and flags before `tunnel` (`warren --no-autoupdate tunnel run`, as cloudflared's
 * service unit writes it) moved after it, where the tunnel command declares them. For `tunnel`
 * commands, cloudflared's environment names (TUNNEL_*) are copied to warren's where those are unset.
 */
export function cloudflaredArgv(program: Command, argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const [node = 'node', script = 'warren', ...rest] = argv;
  let args = normalizeCloudflaredArgs(rest, longNames(program, new Set()));
  const at = args.indexOf('tunnel');
  const leading = at > 0 ? args.slice(0, at) : [];
  if (leading.length > 0 && leading[0]?.startsWith('-') === true && !leading.some((a) => ROOT_OWN.has(a))) {
    args = ['tunnel', ...leading, ...args.slice(at + 1)];
  }
  if (args[0] === 'tunnel') applyCloudflaredEnv(env);
  return [node, script, ...args];
}
