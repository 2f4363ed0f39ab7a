import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** Cloudflare-style 32-hex-digit ids (accounts, zones, records, tokens, users). */
export function newId(): string {
  return randomBytes(16).toString('hex');
}

/** Tunnel ids are UUIDs (v4), as Cloudflare's. */
export function newUuid(): string {
  return randomUUID();
}

let lastMs = 0;
let seq = 0;

/**
 * Time-ordered UUIDs (version 7, with a 12-bit per-millisecond counter) for audit entries,
 * so "newest first" is also a total order within one millisecond.
 */
export function newSortableUuid(nowMs: number): string {
  if (nowMs <= lastMs) {
    seq++;
    if (seq > 0xfff) {
      lastMs++;
      seq = 0;
    }
  } else {
    lastMs = nowMs;
    seq = 0;
  }
  const b = randomBytes(16);
  b.writeUIntBE(lastMs, 0, 6);
  b[6] = 0x70 | (seq >> 8);
  b[7] = seq & 0xff;
  b[8] = 0x80 | ((b[8] as number) & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** API token values: 40 URL-safe characters, like Cloudflare's. */
export function newTokenValue(): string {
  return randomBytes(30).toString('base64url');
}

/** Token values have 240 bits of entropy, so one fast hash is enough at rest (no dictionary to fear). */
export function hashToken(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
