import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { WsDecoder, WsEncoder } from '../src/connector/tcp/ws-frames.js';

/** Runs chunks through an encoder and a decoder; resolves with the decoder's output. */
async function roundTrip(chunks: Buffer[], split: number): Promise<Buffer> {
  const enc = new WsEncoder({ mask: true });
  const dec = new WsDecoder();
  const out: Buffer[] = [];
  dec.on('data', (c: Buffer) => out.push(c));
  const wire: Buffer[] = [];
  enc.on('data', (c: Buffer) => wire.push(c));
  for (const c of chunks) enc.write(c);
  enc.end();
  await new Promise((resolve) => enc.once('end', resolve));
  // Feed the wire bytes in odd slices so payloads start at every alignment and mask offset.
  const all = Buffer.concat(wire);
  for (let at = 0; at < all.length; at += split) dec.write(Buffer.from(all.subarray(at, at + split)));
  dec.end();
  await new Promise((resolve) => dec.once('end', resolve));
  return Buffer.concat(out);
}

test('ws-frames: masking and unmasking by 32-bit words keeps every byte, at every alignment and slice', async () => {
  for (const split of [1, 3, 7, 4096, 65_537]) {
    const chunks = [randomBytes(1), randomBytes(5), randomBytes(126), randomBytes(70_001), randomBytes(3)];
    assert.deepEqual(await roundTrip(chunks, split), Buffer.concat(chunks), `split ${split}`);
  }
  // Unaligned views of a larger buffer, as socket chunks may be.
  const base = randomBytes(1 << 20);
  const views = [base.subarray(1, 1001), base.subarray(2, 70_000), base.subarray(3, 3 + 65_536)];
  const copies = views.map((v) => Buffer.from(v));
  assert.deepEqual(await roundTrip(views, 8191), Buffer.concat(copies));
});
