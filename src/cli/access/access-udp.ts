import { createSocket, type RemoteInfo } from 'node:dgram';
import { isIP, type Socket } from 'node:net';
import { DatagramReader, frameDatagram, MAX_DATAGRAM } from '../../connector/tcp/datagram-frames.js';
import { WsDecoder, WsEncoder } from '../../connector/tcp/ws-frames.js';
import { WarrenError } from '../../errors/index.js';
import { accessHeaders, openSession, type TcpTarget } from './access-tcp.js';
import { serveUntilSignal } from './serve-until-signal.js';

/** Client flows (local address and port) open at once; datagrams of more flows are dropped. */
export const MAX_UDP_FLOWS = 1024;
/** Datagrams held per flow while its session opens. */
const OPENING_QUEUE = 256;
/** Bytes waiting for the edge per flow; past it, datagrams are dropped (UDP may drop, never buffer without bound). */
const SEND_QUEUE_BYTES = 1024 * 1024; // 1 MiB

interface Flow {
  readonly key: string;
  readonly peer: RemoteInfo;
  /** Set once the session is open. */
  encoder: WsEncoder | undefined;
  socket: Socket | undefined;
  readonly opening: Buffer[];
  sent: number;
  received: number;
  dropped: number;
  idle: NodeJS.Timeout;
  reason: string | undefined;
  closed: boolean;
}

/**
 * `warren access udp --hostname H --url 127.0.0.1:PORT`: a local UDP port; each client flow
 * (the sender's address and port) gets one WebSocket session to the udp:// application, on which
 * its datagrams travel length-prefixed both ways. A flow with no datagram either way for
 * `idleMs` is closed here (and the connector closes its end on its own timeout as well).
 */
export async function accessUdp(t: TcpTarget, listen: { host: string; port: number }, idleMs: number): Promise<void> {
  const headers = await accessHeaders(t);
  const server = createSocket(isIP(listen.host) === 6 ? 'udp6' : 'udp4');
  const flows = new Map<string, Flow>();
  let refusedFlows = 0;
  const say = (line: string): void => {
    process.stderr.write(`warren: ${line}\n`);
  };

  const close = (flow: Flow, reason: string): void => {
    flow.reason ??= reason;
    if (flow.encoder !== undefined) {
      if (!flow.encoder.writableEnded) flow.encoder.end();
    } else flow.socket?.destroy();
  };

  const forget = (flow: Flow): void => {
    if (flow.closed) return;
    flow.closed = true;
    clearTimeout(flow.idle);
    flows.delete(flow.key);
    const dropped = flow.dropped === 0 ? '' : `, ${flow.dropped} dropped`;
    say(
      `udp flow ${flow.key} closed (${flow.reason ?? 'closed'}): ${flow.sent} datagrams sent, ${flow.received} received${dropped}`,
    );
  };

  const send = (flow: Flow, datagram: Buffer): void => {
    const { encoder, socket } = flow;
    if (encoder === undefined || socket === undefined) {
      if (flow.opening.length >= OPENING_QUEUE) flow.dropped++;
      else flow.opening.push(datagram);
      return;
    }
    if (encoder.writableEnded) return;
    if (socket.writableLength + encoder.writableLength + encoder.readableLength > SEND_QUEUE_BYTES) {
      flow.dropped++;
      return;
    }
    flow.sent++;
    encoder.write(frameDatagram(datagram));
  };

  const open = (flow: Flow): void => {
    openSession(t, headers).then(
      (session) => {
        if (flow.closed) {
          session.socket.destroy();
          return;
        }
        const { socket, head } = session;
        const encoder = new WsEncoder({ mask: true });
        encoder.pipe(socket);
        const reader = new DatagramReader((datagram) => {
          flow.received++;
          flow.idle.refresh();
          server.send(datagram, flow.peer.port, flow.peer.address);
        });
        const decoder = new WsDecoder();
        decoder.on('data', (chunk: Buffer) => reader.push(chunk));
        decoder.once('end', () => {
          // The connector ended the flow (its idle timeout, or the origin's socket failed).
          flow.reason ??= 'closed by the connector';
          if (!encoder.writableEnded) encoder.end();
        });
        decoder.once('error', () => socket.destroy());
        socket.on('error', () => undefined);
        socket.once('close', () => forget(flow));
        if (head.length > 0) decoder.write(head);
        socket.pipe(decoder);
        flow.socket = socket;
        flow.encoder = encoder;
        for (const d of flow.opening.splice(0)) send(flow, d);
        if (flow.reason !== undefined) encoder.end();
      },
      (err: unknown) => {
        const e = err instanceof WarrenError ? `${err.message} [${err.code}]` : String(err);
        say(e);
        flow.reason ??= 'the session did not open';
        flow.dropped += flow.opening.length;
        forget(flow);
      },
    );
  };

  server.on('message', (msg: Buffer, peer: RemoteInfo) => {
    if (msg.length > MAX_DATAGRAM) return;
    const key = `${peer.family === 'IPv6' ? `[${peer.address}]` : peer.address}:${peer.port}`;
    let flow = flows.get(key);
    if (flow === undefined) {
      if (flows.size >= MAX_UDP_FLOWS) {
        if (refusedFlows++ === 0) say(`${MAX_UDP_FLOWS} UDP flows are open; datagrams of new flows are dropped`);
        return;
      }
      const f: Flow = {
        key,
        peer,
        encoder: undefined,
        socket: undefined,
        opening: [],
        sent: 0,
        received: 0,
        dropped: 0,
        idle: setTimeout(() => close(f, `idle ${Math.round(idleMs / 1000)} s`), idleMs),
        reason: undefined,
        closed: false,
      };
      flow = f;
      flows.set(key, f);
      open(f);
    }
    flow.idle.refresh();
    send(flow, msg);
  });

  await serveUntilSignal({
    server,
    where: `${listen.host}:${listen.port}/udp`,
    listen: (ready) => server.bind(listen.port, listen.host, ready),
    listening: () => {
      const a = server.address();
      say(`listening on ${a.address}:${a.port}/udp, forwarding to ${t.hostname}`);
    },
    stop: () => {
      for (const flow of flows.values()) close(flow, 'stopped');
      server.close();
    },
  });
}
