import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import dnsPacket from 'dns-packet';

/** A tiny authoritative DNS server on UDP loopback: TXT records by name, NXDOMAIN otherwise. */
export class TxtServer {
  readonly records = new Map<string, string[][]>();
  readonly queries: string[] = [];
  readonly #socket: Socket = createSocket('udp4');

  /** Starts answering; returns `127.0.0.1:PORT` (for `--verify-resolver`). */
  async listen(): Promise<string> {
    this.#socket.on('message', (msg, peer) => {
      const q = dnsPacket.decode(msg);
      const question = q.questions?.[0];
      if (question === undefined) return;
      const name = question.name.toLowerCase();
      this.queries.push(`${name} ${question.type}`);
      const txt = question.type === 'TXT' ? this.records.get(name) : undefined;
      const answer = dnsPacket.encode({
        type: 'response',
        id: q.id,
        flags: dnsPacket.AUTHORITATIVE_ANSWER | (txt === undefined ? 3 : 0), // rcode 3: NXDOMAIN
        questions: [question],
        answers: (txt ?? []).map((strings) => ({ type: 'TXT', name: question.name, ttl: 60, data: strings })),
      });
      this.#socket.send(answer, peer.port, peer.address);
    });
    this.#socket.bind(0, '127.0.0.1');
    await once(this.#socket, 'listening');
    return `127.0.0.1:${this.#socket.address().port}`;
  }

  close(): void {
    this.#socket.close();
  }
}
