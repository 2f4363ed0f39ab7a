import { Writable } from 'node:stream';
import type { MuxStream, RequestHead } from '../protocol/index.js';
import type { ConnectorMetrics } from './connector-metrics.js';

/**
 * Answers without an origin (http_status:NNN, Access denials); any request body is read and
 * dropped.
 */
export function answerLocally(
  stream: MuxStream,
  head: RequestHead,
  status: number,
  body: string,
  metrics: ConnectorMetrics | undefined,
): void {
  metrics?.requestStarted(false);
  metrics?.responded(status);
  if (head.endOfStream !== true) stream.pipeTo(new Writable({ write: discard }));
  if (body === '' || head.method === 'HEAD') {
    stream.respond({
      status: status,
      headers: ['content-length', body === '' ? '0' : String(Buffer.byteLength(body))],
      endOfStream: true,
    });
    return;
  }
  respondText(stream, status, body);
}

/** A whole text/plain response from the connector itself (no origin involved). */
export function respondText(stream: MuxStream, status: number, body: string): void {
  stream.respond({
    status,
    headers: ['content-type', 'text/plain; charset=utf-8', 'content-length', String(Buffer.byteLength(body))],
  });
  stream.write(Buffer.from(body));
  stream.end();
}

function discard(_chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
  cb();
}
