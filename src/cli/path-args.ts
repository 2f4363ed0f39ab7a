import { expandHome } from '../connector/config/expand-home.js';

/**
 * Options whose value is a path on this machine. A shell expands `~` only at the start of a word,
 * so `--credentials-file=~/x`, a quoted `'~/x'` and `TUNNEL_CRED_FILE=~/x` reach warren as
 * written; cloudflared expands them (`homedir.Expand`), and so does warren, here at the boundary.
 */
export const PATH_FLAGS: ReadonlySet<string> = new Set([
  'config',
  'credentials-file',
  'origincert',
  'logfile',
  'log-directory',
  'pidfile',
  'edge-ca',
  'token-file',
  'origin-ca-pool',
  'unix-socket',
  'data-dir',
  'tls-cert',
  'tls-key',
  'https-cert',
  'https-key',
]);

/** The environment names of those options: warren's, then cloudflared's (`TUNNEL_*`). */
export const PATH_ENV: readonly string[] = [
  'WARREN_CONFIG',
  'WARREN_TUNNEL_CRED_FILE',
  'WARREN_ORIGIN_CERT',
  'WARREN_LOGFILE',
  'WARREN_LOG_DIRECTORY',
  'WARREN_PIDFILE',
  'WARREN_EDGE_CA',
  'WARREN_TUNNEL_TOKEN_FILE',
  'WARREN_ORIGIN_CA_POOL',
  'WARREN_UNIX_SOCKET',
  'WARREN_DATA_DIR',
  'WARREN_TLS_CERT',
  'WARREN_TLS_KEY',
  'WARREN_HTTPS_CERT',
  'WARREN_HTTPS_KEY',
  'TUNNEL_CRED_FILE',
  'TUNNEL_ORIGIN_CERT',
  'TUNNEL_LOGFILE',
  'TUNNEL_LOGDIRECTORY',
  'TUNNEL_PIDFILE',
  'TUNNEL_TOKEN_FILE',
  'TUNNEL_ORIGIN_CA_POOL',
  'TUNNEL_UNIX_SOCKET',
];

/**
 * Expands a leading `~` in the value of each path option (`--flag=~/x`, `--flag ~/x`, Go's
 * `-flag ~/x`); `~user` throws a WarrenError naming the flag. Other arguments pass unchanged.
 *
 * @example expandPathArgs(['tunnel', 'run', '--credentials-file=~/.warren/t.json']) // […, '--credentials-file=/home/me/.warren/t.json']
 */
export function expandPathArgs(args: readonly string[], home?: string): string[] {
  const out: string[] = [];
  let pendingFlag: string | undefined;
  for (const arg of args) {
    if (pendingFlag !== undefined) {
      out.push(expandHome(arg, pendingFlag, home));
      pendingFlag = undefined;
      continue;
    }
    if (arg === '--') {
      out.push(...args.slice(out.length));
      break;
    }
    const m = /^--?([a-z][a-z0-9-]*)(=(.*))?$/s.exec(arg);
    const name = m?.[1];
    if (m === null || name === undefined || !PATH_FLAGS.has(name)) {
      out.push(arg);
      continue;
    }
    const inline = m[3];
    if (inline === undefined) {
      out.push(arg);
      pendingFlag = `--${name}`;
    } else out.push(`${arg.slice(0, arg.length - inline.length)}${expandHome(inline, `--${name}`, home)}`);
  }
  return out;
}

/** Expands a leading `~` in the path options' environment variables (PATH_ENV), in place. */
export function expandPathEnv(env: NodeJS.ProcessEnv, home?: string): void {
  for (const name of PATH_ENV) {
    const v = env[name];
    if (v?.startsWith('~')) env[name] = expandHome(v, name, home);
  }
}
