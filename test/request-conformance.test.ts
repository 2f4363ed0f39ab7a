import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { useQuickTunnel } from './support/quick-tunnel-fixture.js';
import type { TestOrigin } from './support/test-origin.js';

/**
 * The same malformed and ambiguous requests, byte for byte, to a node origin directly and to the
 * same origin through warren (edge + connector). warren must refuse or normalise each at least as
 * strictly as node does on its own: whatever node refuses, warren refuses (and the origin sees
 * nothing of it); a request warren lets through reaches the origin unambiguous (the body it
 * declared, no second request smuggled inside it, no field that still carries a line break).
 *
 * Every exchange keeps the connection alive and ends with a well-formed closing request, so bytes
 * a server read as a second request show up at the origin, and the exchange ends when the server
 * closes (after the closing request, or after refusing), not after a wait.
 */

interface Case {
  name: string;
  /** The request bytes for Host `host` (the closing request is appended). */
  raw(host: string): string;
  /** What the origin must have seen as the body when the request is let through. */
  body?: string;
}

const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n';

const CASES: Case[] = [
  {
    name: 'Content-Length with Transfer-Encoding: chunked (CL.TE)',
    raw: (h) =>
      `POST /echo?case HTTP/1.1\r\nHost: ${h}\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'Transfer-Encoding: chunked with Content-Length (TE.CL)',
    raw: (h) =>
      `POST /echo?case HTTP/1.1\r\nHost: ${h}\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n${(SMUGGLED.length + 2).toString(16)}\r\nab${SMUGGLED}\r\n0\r\n\r\n`,
  },
  {
    name: 'two different Content-Length fields',
    raw: (h) => `POST /echo?case HTTP/1.1\r\nHost: ${h}\r\nContent-Length: 0\r\nContent-Length: 36\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'Content-Length as a list of two values',
    raw: (h) => `POST /echo?case HTTP/1.1\r\nHost: ${h}\r\nContent-Length: 0, 36\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'Content-Length with a sign',
    raw: (h) => `POST /echo?case HTTP/1.1\r\nHost: ${h}\r\nContent-Length: +5\r\n\r\nhello`,
  },
  {
    name: 'obs-fold (a header line continued on the next)',
    raw: (h) => `GET /echo?case HTTP/1.1\r\nHost: ${h}\r\nX-Folded: first\r\n second\r\nContent-Length: 0\r\n\r\n`,
  },
  {
    name: 'bare LF line endings',
    raw: (h) => `GET /echo?case HTTP/1.1\nHost: ${h}\nContent-Length: 0\n\n`,
  },
  {
    name: 'bare LF inside a header value',
    raw: (h) => `GET /echo?case HTTP/1.1\r\nHost: ${h}\r\nX-Split: a\nTransfer-Encoding: chunked\r\n\r\n`,
  },
  {
    name: 'bare CR inside a header value',
    raw: (h) => `GET /echo?case HTTP/1.1\r\nHost: ${h}\r\nX-Split: a\rb\r\nContent-Length: 0\r\n\r\n`,
  },
  {
    name: 'whitespace between a field name and its colon',
    raw: (h) =>
      `POST /echo?case HTTP/1.1\r\nHost: ${h}\r\nTransfer-Encoding : chunked\r\nContent-Length: 0\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
  },
  {
    name: 'Transfer-Encoding other than chunked (unknown body length)',
    raw: (h) => `POST /echo?case HTTP/1.1\r\nHost: ${h}\r\nTransfer-Encoding: gzip\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'Transfer-Encoding: chunked, identity (chunked not last)',
    raw: (h) => `POST /echo?case HTTP/1.1\r\nHost: ${h}\r\nTransfer-Encoding: chunked, identity\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'invalid chunk size (not hex)',
    raw: (h) => `POST /echo?case HTTP/1.1\r\nHost: ${h}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`,
  },
  {
    name: 'negative chunk size',
    raw: (h) => `POST /echo?case HTTP/1.1\r\nHost: ${h}\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n`,
  },
  {
    name: 'chunk size that overflows 64 bits',
    raw: (h) =>
      `POST /echo?case HTTP/1.1\r\nHost: ${h}\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\n`,
  },
  {
    name: 'chunk size line ended by a bare LF',
    raw: (h) => `POST /echo?case HTTP/1.1\r\nHost: ${h}\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n`,
  },
  {
    name: 'chunk data longer than its size',
    raw: (h) =>
      `POST /echo?case HTTP/1.1\r\nHost: ${h}\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'a well-formed chunked body with an extension (the control case: let through)',
    raw: (h) =>
      `POST /echo?case HTTP/1.1\r\nHost: ${h}\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\n\r\n`,
    body: 'hello',
  },
  {
    name: 'a NUL byte in a header value',
    raw: (h) => `GET /echo?case HTTP/1.1\r\nHost: ${h}\r\nX-Nul: a\0b\r\nContent-Length: 0\r\n\r\n`,
  },
  {
    name: 'a head of 24 KiB (over node’s 16 KiB default)',
    raw: (h) => `GET /echo?case HTTP/1.1\r\nHost: ${h}\r\nX-Big: ${'a'.repeat(24 * 1024)}\r\nContent-Length: 0\r\n\r\n`,
  },
  {
    name: 'a head of 40 KiB (over the edge’s 32 KiB)',
    raw: (h) => `GET /echo?case HTTP/1.1\r\nHost: ${h}\r\nX-Big: ${'a'.repeat(40 * 1024)}\r\nContent-Length: 0\r\n\r\n`,
  },
  {
    name: 'HTTP/1.0 with Transfer-Encoding: chunked',
    raw: (h) => `POST /echo?case HTTP/1.0\r\nHost: ${h}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`,
  },
];

interface Outcome {
  /** Status codes of the responses read, in order. */
  statuses: number[];
  /** URLs the origin received during the exchange. */
  reached: string[];
  /** Whole bodies the origin received for the case's own request (`/echo?case`). */
  bodies: string[];
  /** Header values the origin received, for line-break checks. */
  values: string[];
}

/** Sends `bytes` then a closing request; reads until the server closes (bounded by a deadline). */
async function exchange(port: number, bytes: string, host: string, origin: TestOrigin): Promise<Outcome> {
  const before = origin.seen.length;
  const bodiesBefore = origin.bodies.length;
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('latin1');
  let text = '';
  socket.on('data', (s: string) => {
    text += s;
  });
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(`${bytes}GET /echo?end HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, 'latin1');
  const deadline = setTimeout(() => socket.destroy(), 10_000);
  await once(socket, 'close');
  clearTimeout(deadline);
  const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
  const seen = origin.seen.slice(before);
  return {
    statuses,
    reached: seen.map((s) => s.url),
    bodies: origin.bodies
      .slice(bodiesBefore)
      .filter((b) => b.url === '/echo?case')
      .map((b) => b.body),
    values: seen.flatMap((s) => s.rawHeaders.filter((_, i) => i % 2 === 1)),
  };
}

/**
 * The case's own request was refused: no 2xx for it, and the origin never got it whole (a server
 * that streams may pass the head on before the body turns out broken; the request then fails).
 */
function refused(o: Outcome): boolean {
  const first = o.statuses[0];
  return (first === undefined || first >= 400) && o.bodies.length === 0;
}

describe('request conformance: warren against node on its own', () => {
  const f = useQuickTunnel();

  for (const c of CASES) {
    test(c.name, async (t) => {
      const directHost = `127.0.0.1:${f.origin.port}`;
      const direct = await exchange(f.origin.port, c.raw(directHost), directHost, f.origin);
      const viaWarren = await exchange(f.serve.httpPort, c.raw(f.tunnel.hostname), f.tunnel.hostname, f.origin);
      t.diagnostic(
        `node: ${refused(direct) ? 'refused' : 'accepted'} ${JSON.stringify(direct.statuses)}; ` +
          `warren: ${refused(viaWarren) ? 'refused' : 'accepted'} ${JSON.stringify(viaWarren.statuses)} reached ${JSON.stringify(viaWarren.reached)}`,
      );
      assert.ok(!viaWarren.reached.includes('/smuggled'), 'a request smuggled inside the body reached the origin');
      if (refused(direct)) assert.ok(refused(viaWarren), 'node refuses this request; warren let it through');
      if (!refused(viaWarren)) {
        for (const v of viaWarren.values)
          assert.doesNotMatch(v, /[\r\n\0]/, 'a field reached the origin with CR, LF or NUL');
        if (c.body !== undefined) assert.deepEqual(viaWarren.bodies, [c.body]);
      }
    });
  }
});
