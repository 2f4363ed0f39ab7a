import { isIP } from 'node:net';

/**
 * Checks `--verify-resolver` (`IP`, `IP:PORT` or `[IPv6]:PORT`); throws TypeError that says how
 * to write it.
 */
export function parseResolverAddress(value: string): string {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+))(?::([0-9]{1,5}))?$/.exec(value.trim()) ?? [];
  const ip = m[1] ?? m[2];
  const port = m[3] === undefined ? 53 : Number(m[3]);
  if (ip === undefined || isIP(ip) === 0 || port < 1 || port > 65535) {
    throw new TypeError(`--verify-resolver must be IP[:PORT] or [IPv6]:PORT, such as 127.0.0.1:53 (got "${value}")`);
  }
  return isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}
