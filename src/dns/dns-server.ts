import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { isIPv6, createServer as netServer, type Server, type Socket as TcpSocket } from 'node:net';
import type { Logger } from 'pino';
import { WarrenError } from '../errors/index.js';
import { buildAnswer, RCODE, TYPE_NAMES } from './answer-builder.js';
import { DnsMetrics } from './dns-metrics.js';
import { type ParseResult, parseQuery } from './dns-query.js';
import { DNS_TCP_MAX, encodeResponse, notImplemented, truncated, udpLimit } from './response-encoder.js';
import { ResponseRateLimiter } from './response-rate-limiter.js';
import type { ZoneIndex } from './zone-index.js';

export const DNS_TCP_IDLE_TIMEOUT_MS = 10_000; // 10 seconds without a query closes a TCP connection (RFC 7766 §6.2.3)
export const DNS_TCP_MAX_PER_SOURCE = 16; // concurrent TCP connections from one address
export const DNS_TCP_MAX_CONNECTIONS = 1024; // concurrent TCP connections in all
const TCP_MAX_PENDING_WRITES = 256 * 1024; // 256 KiB of unread answers: a client that sends and never reads is cut off
const LISTEN_ATTEMPTS = 5; // port 0: UDP picks the port, TCP may find it taken; try again

export interface DnsServerOptions {
  /** The zones to answer from (read on every query; swapped whole by DnsZoneCache). */
  zones: () => ZoneIndex;
  bind: string;
  port: number;
  logger: Logger;
  metrics?: DnsMetrics;
  rateLimit?: { responsesPerSecond?: number; slip?: number };
  tcp?: { idleTimeoutMs?: number; maxPerSource?: number; maxConnections?: number };
}

/** The authoritative DNS server on UDP and TCP (one port, both transports). */
export class DnsServer {
  readonly metrics: DnsMetrics;
  readonly #o: DnsServerOptions;
  readonly #rrl: ResponseRateLimiter;
  readonly #logger: Logger;
  readonly #perSource = new Map<string, number>();
  readonly #sockets = new Set<TcpSocket>();
  #udp: Socket | undefined;
  #tcp: Server | undefined;

  constructor(options: DnsServerOptions) {
    this.#o = options;
    this.metrics = options.metrics ?? new DnsMetrics();
    this.#rrl = new ResponseRateLimiter(options.rateLimit);
    this.#logger = options.logger.child({ component: 'dns' });
  }

  /** Binds UDP and TCP; resolves with the port. A bind failure is one clear WarrenError. */
  async listen(): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const udp = createSocket({ type: isIPv6(this.#o.bind) ? 'udp6' : 'udp4' });
      let port: number;
      try {
        udp.bind(this.#o.port, this.#o.bind);
        await once(udp, 'listening');
        port = udp.address().port;
      } catch (err) {
        udp.close();
        throw this.#bindError('UDP', err);
      }
      const tcp = netServer({ pauseOnConnect: false }, (s) => this.#onTcp(s));
      try {
        tcp.listen(port, this.#o.bind);
        await once(tcp, 'listening');
      } catch (err) {
        udp.close();
        if (this.#o.port === 0 && attempt < LISTEN_ATTEMPTS) continue;
        throw this.#bindError('TCP', err);
      }
      udp.on('message', (msg, rinfo) => this.#onUdp(msg, rinfo));
      udp.on('error', (err) => this.#logger.warn({ err: err.message }, 'dns: UDP socket error'));
      tcp.on('error', (err) => this.#logger.warn({ err: err.message }, 'dns: TCP listener error'));
      this.#udp = udp;
      this.#tcp = tcp;
      return port;
    }
  }

  #bindError(transport: string, err: unknown): WarrenError {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    const why =
      code === 'EADDRINUSE'
        ? 'the port is in use by another program'
        : code === 'EACCES'
          ? 'ports below 1024 need privileges'
          : code === 'EADDRNOTAVAIL'
            ? 'no interface has that address'
            : code;
    return new WarrenError(
      'WARREN_DNS_LISTEN',
      `DNS server cannot listen on ${transport} ${this.#o.bind}:${this.#o.port}: ${why} (${code}); pick another --dns-port or --bind`,
      { cause: err },
    );
  }

  /** The response to one wire query, or undefined to drop it. Never throws. */
  answer(msg: Buffer, limit: number, transport: 'udp' | 'tcp'): Buffer | undefined {
    return this.#respond(parseQuery(msg), limit, transport);
  }

  #respond(p: ParseResult, limit: number, transport: 'udp' | 'tcp'): Buffer | undefined {
    if (p.ok === false) {
      this.metrics.malformed(transport);
      return undefined;
    }
    if (p.ok === 'notimp') {
      this.metrics.query('other');
      this.metrics.response(RCODE.NOTIMP);
      return notImplemented(p.id, p.opcode);
    }
    const q = p.query;
    this.metrics.query(TYPE_NAMES.get(q.qtype) ?? 'other');
    try {
      const built = buildAnswer(this.#o.zones(), q.name, q.qtype, q.qclass);
      const response = encodeResponse(q, built, limit);
      this.metrics.response(built.rcode);
      return response;
    } catch (err) {
      // A bug, not the client's fault: SERVFAIL rather than silence (and never a crash).
      this.#logger.error({ err }, 'dns: answering a query failed');
      this.metrics.response(RCODE.SERVFAIL);
      return encodeResponse(q, { rcode: RCODE.SERVFAIL, authoritative: false, answers: [], authorities: [] }, limit);
    }
  }

  #onUdp(msg: Buffer, rinfo: RemoteInfo): void {
    const p = parseQuery(msg);
    // Only what would be answered counts against the source's rate; garbage is dropped anyway.
    if (p.ok !== false) {
      const verdict = this.#rrl.check(rinfo.address);
      if (verdict !== 'send') {
        this.metrics.rateLimited(verdict);
        if (verdict === 'slip' && p.ok === true)
          this.#udp?.send(truncated(p.query, RCODE.NOERROR), rinfo.port, rinfo.address);
        return;
      }
    }
    const r = this.#respond(p, p.ok === true ? udpLimit(p.query) : DNS_TCP_MAX, 'udp');
    if (r !== undefined) this.#udp?.send(r, rinfo.port, rinfo.address);
  }

  #onTcp(s: TcpSocket): void {
    const source = s.remoteAddress ?? '';
    const n = this.#perSource.get(source) ?? 0;
    const maxPer = this.#o.tcp?.maxPerSource ?? DNS_TCP_MAX_PER_SOURCE;
    const maxAll = this.#o.tcp?.maxConnections ?? DNS_TCP_MAX_CONNECTIONS;
    if (n >= maxPer || this.#sockets.size >= maxAll) {
      s.destroy();
      return;
    }
    this.#perSource.set(source, n + 1);
    this.#sockets.add(s);
    s.once('close', () => {
      this.#sockets.delete(s);
      const left = (this.#perSource.get(source) ?? 1) - 1;
      if (left <= 0) this.#perSource.delete(source);
      else this.#perSource.set(source, left);
    });
    s.on('error', () => s.destroy());
    s.setNoDelay(true);
    s.setTimeout(this.#o.tcp?.idleTimeoutMs ?? DNS_TCP_IDLE_TIMEOUT_MS, () => s.destroy());
    let pending: Buffer = Buffer.alloc(0);
    s.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      // RFC 1035 §4.2.2: each message has a two-byte length prefix; several may come in one read.
      while (pending.length >= 2) {
        const len = pending.readUInt16BE(0);
        if (pending.length < 2 + len) break;
        const msg = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
        const r = this.answer(msg, DNS_TCP_MAX, 'tcp');
        if (r === undefined) {
          // Framing is intact but the peer speaks garbage: nothing it sends next is worth reading.
          s.destroy();
          return;
        }
        const framed = Buffer.allocUnsafe(2 + r.length);
        framed.writeUInt16BE(r.length, 0);
        r.copy(framed, 2);
        s.write(framed);
        if (s.writableLength > TCP_MAX_PENDING_WRITES) {
          s.destroy();
          return;
        }
      }
    });
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    const udp = this.#udp;
    const tcp = this.#tcp;
    this.#udp = undefined;
    this.#tcp = undefined;
    await Promise.all([
      udp === undefined ? undefined : new Promise<void>((r) => udp.close(() => r())),
      tcp === undefined ? undefined : new Promise<void>((r) => tcp.close(() => r())),
    ]);
  }
}
