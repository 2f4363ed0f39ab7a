import { MessageError, parseJson } from './messages.js';

/**
 * FrameType.AccessKeys (stream 0, both ways; edge feature `access-keys`): the connector asks for
 * the Access signing keys (JWKS) of a team, the edge answers with the document of the link's own
 * account, or a refusal. `id` pairs an answer with its request.
 */
export interface AccessKeysRequest {
  id: number;
  /** The team domain, `<team>.access.D`. */
  team: string;
}

export interface AccessKeysAnswer {
  id: number;
  /** The `/cdn-cgi/access/certs` document; absent on a refusal. */
  jwks?: { keys: unknown[] };
  /** Why the edge refused (another account's team, no such team). */
  error?: string;
}

/** A JWKS holds a handful of keys: anything larger is refused. */
export const MAX_ACCESS_KEYS_PAYLOAD = 256 * 1024;
const MAX_ID = 0x7fffffff;

function objectOf(payload: Buffer, what: string): Record<string, unknown> {
  if (payload.length > MAX_ACCESS_KEYS_PAYLOAD) throw new MessageError(`${what}: ${payload.length} bytes, too large`);
  const o = parseJson(payload, what);
  if (typeof o.id !== 'number' || !Number.isInteger(o.id) || o.id < 0 || o.id > MAX_ID) {
    throw new MessageError(`${what}: id must be an integer in [0, ${MAX_ID}]`);
  }
  return o;
}

export function encodeAccessKeys(message: AccessKeysRequest | AccessKeysAnswer): Buffer {
  return Buffer.from(JSON.stringify(message), 'utf8');
}

/** The edge's reading of a request (the connector is not trusted). */
export function parseAccessKeysRequest(payload: Buffer): AccessKeysRequest {
  const o = objectOf(payload, 'access keys request');
  if (typeof o.team !== 'string' || o.team === '' || o.team.length > 253) {
    throw new MessageError('access keys request: team must be a host name of at most 253 characters');
  }
  return { id: o.id as number, team: o.team.toLowerCase() };
}

/** The connector's reading of an answer. */
export function parseAccessKeysAnswer(payload: Buffer): AccessKeysAnswer {
  const o = objectOf(payload, 'access keys answer');
  const answer: AccessKeysAnswer = { id: o.id as number };
  const jwks = o.jwks;
  if (typeof jwks === 'object' && jwks !== null && Array.isArray((jwks as { keys?: unknown }).keys)) {
    answer.jwks = jwks as { keys: unknown[] };
  } else if (typeof o.error === 'string') answer.error = o.error.slice(0, 500);
  else throw new MessageError('access keys answer: neither jwks nor error');
  return answer;
}
