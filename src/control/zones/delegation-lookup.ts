import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { getServers } from 'node:dns';
import { isIP } from 'node:net';
import dnsPacket from 'dns-packet';
import { ZONE_VERIFY_DNS_TIMEOUT_MS } from './zone-verifier.js';

const NS_LOOKUP_TRIES = 2;
const RCODE_NXDOMAIN = 3;

/** NS records of a name (host names, any case, maybe with a trailing dot); [] when it has none. */
export type NsLookup = (name: string, signal: AbortSignal) => Promise<string[]>;

function splitServer(server: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(server) ?? /^([^:]+):(\d+)$/.exec(server);
  if (m !== null) return { host: m[1] as string, port: Number(m[2]) };
  return { host: server, port: 53 };
}

/** One UDP exchange with `server`; resolves with the decoded response that matches `id`. */
function ask(
  server: { host: string; port: number },
  name: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<dnsPacket.Packet> {
  return new Promise((resolve, reject) => {
    const id = randomInt(0, 0x10000);
    const socket = createSocket(isIP(server.host) === 6 ? 'udp6' : 'udp4');
    const done = (fn: () => void): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.close();
      fn();
    };
    const onAbort = (): void => done(() => reject(new Error('NS lookup cancelled')));
    const timer = setTimeout(
      () => done(() => reject(new Error(`no answer from ${server.host}:${server.port} in ${timeoutMs} ms`))),
      timeoutMs,
    );
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (err) => done(() => reject(err)));
    socket.on('message', (msg, peer) => {
      if (peer.port !== server.port) return;
      let p: dnsPacket.Packet;
      try {
        p = dnsPacket.decode(msg);
      } catch {
        return; // garbage: keep waiting for the real answer
      }
      const q = p.questions?.[0];
      if (p.id !== id || p.type !== 'response' || q?.name.toLowerCase() !== name) return;
      done(() => resolve(p));
    });
    const query = dnsPacket.encode({
      type: 'query',
      id,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type: 'NS', name, class: 'IN' }],
    });
    socket.send(query, server.port, server.host);
  });
}

/**
 * What the parent zone delegates `name` to, asked of `server` (a parsed `--verify-resolver`,
 * `IP:PORT`; the system's first resolver when undefined). Unlike node's resolver this reads a
 * referral too: a parent's authoritative server answers with the child's NS records in the
 * authority section (AA=0), and that is exactly the delegation to check. A resolver that can
 * resolve the name answers them in the answer section.
 */
export function dnsNsLookup(server: string | undefined, timeoutMs = ZONE_VERIFY_DNS_TIMEOUT_MS): NsLookup {
  return async (asked, signal) => {
    const name = asked.toLowerCase().replace(/\.$/, '');
    const target = splitServer(server ?? getServers()[0] ?? '127.0.0.1');
    let lastError: unknown;
    for (let attempt = 0; attempt < NS_LOOKUP_TRIES; attempt++) {
      if (signal.aborted) break;
      let p: dnsPacket.Packet;
      try {
        p = await ask(target, name, timeoutMs, signal);
      } catch (err) {
        lastError = err;
        continue;
      }
      const rcode = (p.flags ?? 0) & 0xf;
      // Not delegated (yet): not a failure of the check.
      if (rcode === RCODE_NXDOMAIN) return [];
      if (rcode !== 0) throw new Error(`${target.host}:${target.port} answered rcode ${rcode} for ${name} NS`);
      const ns = (records: dnsPacket.Answer[] | undefined): string[] =>
        (records ?? []).flatMap((r) =>
          r.type === 'NS' && r.name.toLowerCase().replace(/\.$/, '') === name ? [r.data] : [],
        );
      const answered = ns(p.answers);
      return answered.length > 0 ? answered : ns(p.authorities);
    }
    throw lastError instanceof Error ? lastError : new Error(`NS lookup of ${name} failed`);
  };
}
