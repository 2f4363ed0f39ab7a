import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { encodeFrame, type Frame, FrameParser, FrameType, MAX_FRAME_PAYLOAD } from '../src/protocol/index.js';
import { type SeededRandom, seededRandom } from './support/seeded-random.js';

function frames(
  count: number,
  random: SeededRandom,
): { wire: Buffer; expected: { type: number; streamId: number; payload: string }[] } {
  const parts: Buffer[] = [];
  const expected: { type: number; streamId: number; payload: string }[] = [];
  for (let i = 0; i < count; i++) {
    const size = i % 25 === 0 ? 40_000 + i : i % 3 === 0 ? 0 : (i * 37) % 500;
    const payload = random.bytes(size);
    const type = i % 2 === 0 ? FrameType.Data : FrameType.Window;
    parts.push(...encodeFrame(type, i + 1, payload));
    expected.push({ type, streamId: i + 1, payload: payload.toString('hex') });
  }
  return { wire: Buffer.concat(parts), expected };
}

test('parser-reassembles-frames-split-at-every-kind-of-boundary', (t) => {
  const random = seededRandom(t);
  const { wire, expected } = frames(100, random);
  for (let trial = 0; trial < 40; trial++) {
    const got: { type: number; streamId: number; payload: string }[] = [];
    let lastData: { streamId: number; left: number } | undefined;
    const parser = new FrameParser((f: Frame) => {
      // Data frames may come in pieces (each stream id here has one frame): join them back.
      const prev = got[got.length - 1];
      if (f.type === FrameType.Data && prev !== undefined && lastData?.streamId === f.streamId) {
        prev.payload += f.payload.toString('hex');
        return;
      }
      lastData = f.type === FrameType.Data ? { streamId: f.streamId, left: 0 } : undefined;
      got.push({ type: f.type, streamId: f.streamId, payload: f.payload.toString('hex') });
    });
    let offset = 0;
    while (offset < wire.length) {
      // Mostly tiny pieces (splitting headers), sometimes big ones.
      const max = trial % 4 === 0 ? 100_000 : trial % 4 === 1 ? 10 : 3_000;
      const n = 1 + random.below(max);
      assert.equal(parser.push(wire.subarray(offset, offset + n)), undefined);
      offset += n;
    }
    assert.deepEqual(got, expected, `trial ${trial}, seed ${random.seed}`);
  }
});

test('a-data-frame-larger-than-a-chunk-is-handed-on-in-pieces-without-copying', () => {
  const payload = randomBytes(64 * 1024);
  const wire = Buffer.concat([
    ...encodeFrame(FrameType.Data, 7, payload),
    ...encodeFrame(FrameType.Window, 7, Buffer.from([0, 0, 0, 1])),
  ]);
  const pieces: Frame[] = [];
  const parser = new FrameParser((f) => pieces.push(f));
  const chunks: Buffer[] = [];
  // 16 KiB chunks, as TLS sockets deliver them; copies, so each has its own memory.
  for (let i = 0; i < wire.length; i += 16 * 1024) chunks.push(Buffer.from(wire.subarray(i, i + 16 * 1024)));
  for (const c of chunks) assert.equal(parser.push(c), undefined);
  const data = pieces.filter((f) => f.type === FrameType.Data);
  assert.equal(data.length, chunks.length, 'one piece per chunk');
  assert.ok(data.every((f) => f.streamId === 7));
  assert.ok(
    data.every((f, i) => f.payload.buffer === (chunks[i] as Buffer).buffer),
    'pieces are views of the chunks, not copies',
  );
  assert.deepEqual(Buffer.concat(data.map((f) => f.payload)), payload);
  assert.deepEqual(pieces.at(-1), { type: FrameType.Window, streamId: 7, payload: Buffer.from([0, 0, 0, 1]) });
});

test('parser-rejects-unknown-types-and-oversized-frames', () => {
  const parser = new FrameParser(() => assert.fail('no frame expected'));
  assert.equal(parser.push(Buffer.from('0000000063000000', 'hex'))?.code, undefined); // 8 bytes: header incomplete
  const bad = new FrameParser(() => assert.fail('no frame expected'));
  assert.match(bad.push(Buffer.from('000000006300000001', 'hex'))?.message ?? '', /unknown frame type 99/);
  const huge = Buffer.alloc(9);
  huge.writeUInt32BE(MAX_FRAME_PAYLOAD + 1, 0);
  huge[4] = FrameType.Data;
  const big = new FrameParser(() => assert.fail('no frame expected'));
  assert.match(big.push(huge)?.message ?? '', /exceeds/);
  // Same checks when the header arrives in pieces.
  const split = new FrameParser(() => assert.fail('no frame expected'));
  assert.equal(split.push(huge.subarray(0, 4)), undefined);
  assert.match(split.push(huge.subarray(4))?.message ?? '', /exceeds/);
});
