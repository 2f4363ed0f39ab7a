import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeFrame, type Frame, FrameParser, FrameType, MuxConnection } from '../src/protocol/index.js';
import { encodeRequestHead } from '../src/protocol/messages.js';
import { eventually } from './support/eventually.js';
import { loopbackPair } from './support/loopback-pair.js';

/**
 * A connector-role MuxConnection and, on the edge's side, raw frames: the test writes request
 * heads no edge of ours would send and reads what the connector answers.
 */
test('a malformed request head fails its own stream, never the link', async () => {
  const { dialled: raw, accepted: serverSide, server } = await loopbackPair();
  const connector = new MuxConnection(serverSide, {
    role: 'connector',
    initialWindow: 256 * 1024,
    heartbeatMs: 60_000,
    heartbeatTimeoutMs: 180_000,
  });
  connector.onStream = (stream) => stream.respond({ status: 200, headers: ['content-length', '0'], endOfStream: true });
  const frames: Frame[] = [];
  const parser = new FrameParser((f) => frames.push({ ...f, payload: Buffer.from(f.payload) }));
  raw.on('data', (chunk: Buffer) => parser.push(chunk));
  try {
    // 1001 header fields: one more than MAX_HEAD_FIELDS (the head the visitor sent, plus one).
    const fields = ['0', 'GET', '/'];
    for (let i = 0; i < 1001; i++) fields.push(`x-h${i}`, 'v');
    raw.write(Buffer.concat(encodeFrame(FrameType.Request, 1, Buffer.from(fields.join('\0')))));
    raw.write(
      Buffer.concat(
        encodeFrame(
          FrameType.Request,
          3,
          encodeRequestHead({ method: 'GET', path: '/', headers: [], endOfStream: true }),
        ),
      ),
    );
    await eventually(
      () => frames.filter((f) => f.streamId !== 0).length >= 2 || connector.closed,
      5_000,
      'answers to both streams',
    );
    const reset = frames.find((f) => f.streamId === 1);
    assert.equal(reset?.type, FrameType.Reset);
    assert.equal(JSON.parse(reset.payload.toString()).code, 'WARREN_REQUEST_INVALID');
    assert.equal(frames.find((f) => f.streamId === 3)?.type, FrameType.Response);
    assert.equal(connector.closed, false, 'the link stays up');
  } finally {
    connector.destroy();
    raw.destroy();
    server.close();
  }
});
