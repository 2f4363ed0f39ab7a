/**
 * Keeps the HTTPS bench row (bench/https.ts, `npm run bench -- --only https`) from rotting: one short run
 * through warren's real HTTPS port and a real nginx on the same certificate, with wrk and the node clients.
 * Checks every figure was measured, without errors, and that both servers negotiated TLS 1.3 and h2 by ALPN.
 * No thresholds: the figures themselves are judged in bench/RESULTS.md.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { runHttps } from '../bench/https.js';

const missing = ['/usr/sbin/nginx', '/usr/bin/wrk', '/usr/bin/openssl'].filter((f) => !existsSync(f));

test('bench-https-measures-handshakes-h1-and-h2-for-warren-and-nginx', {
  timeout: 120_000,
  skip: missing.length > 0 ? `needs ${missing.join(', ')} (apt: nginx wrk openssl)` : false,
}, async () => {
  // 3 s: slices of 1.5 s, which wrk cannot take (the row rounds them to whole seconds).
  const { lines, rows } = await runHttps({ durationS: 3, handshakeConcurrency: 4 });
  for (const server of ['warren', 'nginx'] as const) {
    const r = rows.find((x) => x.server === server);
    assert.ok(r !== undefined, `row ${server}`);
    assert.ok(r.handshakesPerS > 0 && r.h1Rps > 0 && r.h2Rps > 0, `${server}: ${JSON.stringify(r)}`);
    assert.equal(r.errors, 0, `${server}: failed requests`);
    assert.match(r.negotiated.tls, /^TLSv1\.3 /, `${server} TLS`);
    assert.equal(r.negotiated.h2Alpn, 'ALPN h2', `${server} h2 by ALPN`);
    assert.ok(r.cpuUsPerHandshake > 0, `${server}: server CPU measured`);
  }
  const md = lines.join('\n');
  assert.match(md, /\| warren ÷ nginx \| \d+\.\d\d \| \d+\.\d\d \| \d+\.\d\d \|/, 'the ratio line');
});
