import type { Command } from 'commander';
import { expandPathArgs, expandPathEnv } from '../path-args.js';
import { CLOUDFLARED_ENV_OF_WARREN_ENV, CLOUDFLARED_FLAGS } from './cloudflared-flags.js';

/** Every long option name any command declares (for Go's single-dash spelling `-url`). */
function longNames(cmd: Command, into: Set<string>): Set<string> {
  for (const o of cmd.options) if (o.long !== undefined) into.add(o.long.slice(2));
  for (const c of cmd.commands) longNames(c, into);
  return into;
}

const ROOT_OWN = new Set(['-v', '-V', '--version', '-h', '--help']);

/**
 * process.argv as commander should see a cloudflared command line: cloudflared's spellings made
 * commander's, and flags before `tunnel` (`warren --no-autoupdate tunnel run`, as cloudflared's
 * service unit writes it) moved after it, where the tunnel command declares them. For `tunnel`
 * commands, cloudflared's environment names (TUNNEL_*) are copied to warren's where those are unset.
 * A leading `~` in path options and their environment variables becomes the home directory.
 */
export function cloudflaredArgv(program: Command, argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const [node = 'node', script = 'warren', ...rest] = argv;
  let args = expandPathArgs(normalizeCloudflaredArgs(rest, longNames(program, new Set())));
  // -v is cloudflared's (and now warren's) short --version; warren's earlier -V still works.
  if (args.length === 1 && args[0] === '-V') args = ['--version'];
  const at = args.indexOf('tunnel');
  const leading = at > 0 ? args.slice(0, at) : [];
  if (leading.length > 0 && leading[0]?.startsWith('-') === true && !leading.some((a) => ROOT_OWN.has(a))) {
    args = ['tunnel', ...leading, ...args.slice(at + 1)];
  }
  if (args[0] === 'tunnel') applyCloudflaredEnv(env);
  expandPathEnv(env);
  return [node, script, ...args];
}

/**
 * Copies cloudflared's environment names into warren's where warren's is unset, so commander's
 * `.env()` (one name per option) sees both and WARREN_* wins.
 */
export function applyCloudflaredEnv(env: NodeJS.ProcessEnv): void {
  for (const [warren, names] of Object.entries(CLOUDFLARED_ENV_OF_WARREN_ENV)) {
    if (env[warren] !== undefined) continue;
    // urfave/cli reads a boolean's "false" as not set; commander would read any value as set.
    const name = names.find((n) => env[n] !== undefined && env[n] !== '' && !(BOOLEAN_ENV.has(n) && isFalse(env[n])));
    if (name !== undefined) env[warren] = env[name];
  }
}

/** cloudflared spellings commander cannot declare (multi-letter short flags, long aliases). */
const ARG_ALIASES: Readonly<Record<string, string>> = {
  '--cred-file': '--credentials-file',
  '--proto-loglevel': '--transport-loglevel',
  '--pq': '--post-quantum',
  '-pq': '--post-quantum',
  '-np': '--name-prefix',
  '-enp': '--exclude-name-prefix',
  '-rd': '--show-recently-disconnected',
  '-F': '--features',
  '-p': '--protocol',
};

/**
 * Rewrites cloudflared (urfave/cli) spellings into ones commander knows: aliases, Go's single-dash
 * long flags (`-url X`), and booleans written `--no-autoupdate=true` (`=false` drops the flag).
 */
export function normalizeCloudflaredArgs(args: readonly string[], known: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const [i, arg] of args.entries()) {
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    const eq = arg.indexOf('=');
    let name = eq < 0 ? arg : arg.slice(0, eq);
    const rest = eq < 0 ? '' : arg.slice(eq);
    name = ARG_ALIASES[name] ?? name;
    if (/^-[a-z][a-z0-9-]+$/.test(name) && known.has(name.slice(1))) name = `-${name}`;
    const flag = name.startsWith('--') ? BOOLEAN_FLAGS.get(name.slice(2)) : undefined;
    if (flag !== undefined && (rest === '=true' || rest === '=false')) {
      if (rest === '=true') out.push(name);
      continue;
    }
    out.push(name + rest);
  }
  return out;
}

const isFalse = (v: string | undefined): boolean => v === 'false' || v === '0' || v === 'FALSE' || v === 'False';

const BOOLEAN_ENV = new Set([
  ...CLOUDFLARED_FLAGS.filter((f) => !f.value).flatMap((f) => f.env),
  'TUNNEL_LIST_INVERT_SORT',
  'TUNNEL_INFO_INVERT_SORT',
  'TUNNEL_FORCE_PROVISIONING_DNS',
]);

const BOOLEAN_FLAGS = new Map(CLOUDFLARED_FLAGS.filter((f) => !f.value).map((f) => [f.name, f]));
