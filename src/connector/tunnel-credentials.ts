import { readFile } from 'node:fs/promises';
import { WarrenError } from '../errors/index.js';
import type { TunnelCredentials } from './connector-link.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `warren tunnel token T` output (cloudflared's shape): base64 of JSON `{a, t, s}` —
 * account tag, tunnel id, base64 tunnel secret — and warren's own optional fields: `e`, the
 * edge's HOST:PORT, and `p`, the edge CA's SPKI pin (base64 SHA-256), so the token alone
 * reaches and trusts a serve on any ports.
 */
export function parseTunnelToken(token: string): TunnelCredentials {
  const fail = (why: string): never => {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `--token is not a tunnel token (${why}); copy it again from \`warren tunnel token <tunnel>\` or the dashboard`,
    );
  };
  let o: unknown;
  try {
    o = JSON.parse(Buffer.from(token.trim(), 'base64').toString('utf8'));
  } catch {
    return fail('not base64 JSON');
  }
  if (typeof o !== 'object' || o === null) return fail('not an object');
  const { a, t, s, p } = o as Record<string, unknown>;
  // cloudflared's own token has an optional `e` (Endpoint) too, often empty: empty means none.
  const e = (o as Record<string, unknown>).e === '' ? undefined : (o as Record<string, unknown>).e;
  if (typeof a !== 'string' || a === '') return fail('no account tag "a"');
  if (typeof t !== 'string' || !UUID.test(t)) return fail('no tunnel id "t"');
  if (typeof s !== 'string' || s === '') return fail('no secret "s"');
  const secret = Buffer.from(s, 'base64');
  if (secret.length < 32) return fail('the secret is shorter than 32 bytes');
  if (e !== undefined && (typeof e !== 'string' || !/^(?:\[[^\]]+\]|[^:\s]+):\d{1,5}$/.test(e))) {
    return fail('its edge "e" is not HOST:PORT');
  }
  if (p !== undefined && (typeof p !== 'string' || Buffer.from(p, 'base64').length !== 32)) {
    return fail('its edge pin "p" is not base64 of 32 bytes');
  }
  return {
    accountTag: a,
    tunnelId: t.toLowerCase(),
    secret,
    ...(typeof e === 'string' ? { edge: e } : {}),
    ...(typeof p === 'string' ? { edgePin: p } : {}),
  };
}

/** `~/.warren/<TunnelID>.json`: `{AccountTag, TunnelSecret, TunnelID, Endpoint}` (cloudflared's field names). */
export async function readCredentialsFile(path: string): Promise<TunnelCredentials> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `cannot read the credentials file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}); create it with \`warren tunnel create NAME\` or pass --token`,
      { cause: err },
    );
  }
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `${path} is not JSON; it should hold {AccountTag, TunnelSecret, TunnelID}`,
    );
  }
  const { AccountTag, TunnelSecret, TunnelID } = o;
  if (
    typeof AccountTag !== 'string' ||
    typeof TunnelSecret !== 'string' ||
    typeof TunnelID !== 'string' ||
    !UUID.test(TunnelID)
  ) {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `${path} lacks AccountTag, TunnelSecret or TunnelID; recreate it with \`warren tunnel create NAME\` or use --token`,
    );
  }
  const secret = Buffer.from(TunnelSecret, 'base64');
  if (secret.length < 32) {
    throw new WarrenError('WARREN_CONFIG_INVALID', `${path}: TunnelSecret must be base64 of at least 32 bytes`);
  }
  return { accountTag: AccountTag, tunnelId: TunnelID.toLowerCase(), secret };
}
