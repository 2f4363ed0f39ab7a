import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import {
  DEFAULT_INITIAL_WINDOW,
  encodeJson,
  type Frame,
  FrameType,
  MuxConnection,
  type MuxStream,
  PROTOCOL_VERSION,
  parseRegistration,
  type RegisterRequest,
  type RequestHead,
} from '../../src/protocol/index.js';
import type { ServeHandle } from './warren-processes.js';

export interface HostileConnector {
  /** The quick tunnel's hostname the edge gave it. */
  hostname: string;
  conn: MuxConnection;
  close(): void;
}

/**
 * A rogue connector written on src/protocol alone: it registers a quick tunnel with a real
 * `warren serve` like anyone on the internet can, then answers each stream with `answer`,
 * free to send any head and any bytes.
 */
export async function startHostileConnector(
  serve: ServeHandle,
  answer: (stream: MuxStream, head: RequestHead) => void,
): Promise<HostileConnector> {
  const socket = connect({ host: '127.0.0.1', port: serve.tunnelPort, ca: readFileSync(serve.caPath) });
  await once(socket, 'secureConnect');
  const conn = new MuxConnection(socket, {
    role: 'connector',
    initialWindow: DEFAULT_INITIAL_WINDOW,
    heartbeatMs: 60_000,
    heartbeatTimeoutMs: 180_000,
  });
  const hostname = await new Promise<string>((resolve, reject) => {
    conn.onClose = (err) => reject(err ?? new Error('the edge closed the link during registration'));
    conn.onControl = (frame: Frame) => {
      if (frame.type === FrameType.Hello) {
        const request: RegisterRequest = {
          version: PROTOCOL_VERSION,
          auth: { kind: 'quick-new' },
          connector: { connectorId: randomUUID(), connIndex: 0, version: 'hostile', arch: 'x', os: 'y' },
          heartbeatMs: 60_000,
          initialWindow: DEFAULT_INITIAL_WINDOW,
        };
        conn.sendFrame(FrameType.Register, 0, encodeJson(request));
      } else if (frame.type === FrameType.Registered) {
        const reg = parseRegistration(frame.payload);
        conn.peerInitialWindow = reg.initialWindow;
        conn.onStream = answer;
        resolve(reg.hostname ?? '');
      } else if (frame.type === FrameType.RegisterError) {
        reject(new Error(`registration refused: ${frame.payload.toString()}`));
      }
    };
  });
  conn.onClose = undefined;
  return { hostname, conn, close: () => conn.destroy() };
}

/** Raw bytes to the visitor port and everything read back until the edge closes or `untilMs` passes. */
export async function rawExchange(
  port: number,
  request: string,
  untilMs = 3_000,
): Promise<{ text: string; closed: boolean }> {
  const { connect: tcpConnect } = await import('node:net');
  const socket = tcpConnect(port, '127.0.0.1');
  socket.setEncoding('latin1');
  let text = '';
  socket.on('data', (s: string) => {
    text += s;
  });
  socket.on('error', () => {});
  socket.write(request);
  const closed = await Promise.race([
    once(socket, 'close').then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), untilMs).unref()),
  ]);
  socket.destroy();
  return { text, closed };
}

/** The body of one raw HTTP/1.1 response (Content-Length or chunked). */
export function rawBody(response: string): string {
  const split = response.indexOf('\r\n\r\n');
  const head = response.slice(0, split).toLowerCase();
  let rest = response.slice(split + 4);
  if (!/\r\ntransfer-encoding: chunked/.test(head)) return rest;
  let out = '';
  for (let guard = 0; guard < 10_000; guard++) {
    const eol = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, eol), 16);
    if (!(size > 0)) break;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
  return out;
}
