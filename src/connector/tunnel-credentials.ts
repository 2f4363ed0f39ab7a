import { readFile } from 'node:fs/promises';
import { WarrenError } from '../errors/index.js';
import { isUuid } from '../protocol/index.js';
import type { TunnelCredentials } from './connector-link.js';

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
  if (typeof t !== 'string' || !isUuid(t)) return fail('no tunnel id "t"');
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
  return parseCredentialsJson(text, path, 'recreate it with `warren tunnel create NAME` or use --token');
}

/**
 * cloudflared's credentials JSON `{AccountTag, TunnelSecret, TunnelID}` (a credentials file, or
 * `--credentials-contents`): one rule for both. `what` names the source in errors; `fix` says
 * what to do. Errors never repeat the text (it holds the secret).
 */
export function parseCredentialsJson(text: string, what: string, fix: string): TunnelCredentials {
  const fail = (why: string): never => {
    throw new WarrenError('WARREN_CONFIG_INVALID', `${what} ${why}; ${fix}`);
  };
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return fail('is not JSON: it should hold {AccountTag, TunnelSecret, TunnelID}');
  }
  if (typeof o !== 'object' || o === null) return fail('is not a JSON object {AccountTag, TunnelSecret, TunnelID}');
  const { AccountTag, TunnelSecret, TunnelID } = o as Record<string, unknown>;
  const lacks = (field: string): never => fail(`lacks AccountTag, TunnelSecret or TunnelID (${field})`);
  if (typeof AccountTag !== 'string' || AccountTag === '') return lacks('no AccountTag');
  if (typeof TunnelID !== 'string' || !isUuid(TunnelID)) return lacks('no TunnelID that is a UUID');
  if (typeof TunnelSecret !== 'string') return lacks('no TunnelSecret');
  const secret = Buffer.from(TunnelSecret, 'base64');
  if (secret.length < 32) return fail('has a TunnelSecret shorter than 32 bytes (it must be base64 of at least 32)');
  return { accountTag: AccountTag, tunnelId: TunnelID.toLowerCase(), secret };
}
