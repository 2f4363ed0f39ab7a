import { createHmac, timingSafeEqual } from 'node:crypto';

/** The connector proves it holds the tunnel secret without sending it: HMAC-SHA256(secret, nonce). */
export function proveSecret(secret: Buffer, nonce: string): string {
  return createHmac('sha256', secret).update(nonce).digest('base64');
}

export function verifyProof(secret: Buffer, nonce: string, proof: string): boolean {
  const expected = createHmac('sha256', secret).update(nonce).digest();
  const given = Buffer.from(proof, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
