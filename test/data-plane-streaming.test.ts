import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { useQuickTunnel } from './support/quick-tunnel-fixture.js';

const GIB = 1024 * 1024 * 1024;
/** A process may grow this much above its idle RSS while 1 GiB streams through it. */
const RSS_HEADROOM = 160 * 1024 * 1024; // 160 MiB: far below the 1 GiB that buffering would take

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

/** Samples the peak RSS of the given processes while `work` runs. */
async function peakRss<T>(pids: number[], work: () => Promise<T>): Promise<{ result: T; peaks: number[] }> {
  const peaks = pids.map(rssOf);
  const timer = setInterval(() => {
    pids.forEach((pid, i) => {
      peaks[i] = Math.max(peaks[i] as number, rssOf(pid));
    });
  }, 50);
  try {
    return { result: await work(), peaks };
  } finally {
    clearInterval(timer);
  }
}

describe('streaming bodies keep memory flat', () => {
  const f = useQuickTunnel();

  test('one-gib-download-streams-with-bounded-rss', async () => {
    const pids = [f.serve.child.pid as number, f.tunnel.child.pid as number];
    const idle = pids.map(rssOf);
    const { result: bytes, peaks } = await peakRss(
      pids,
      () =>
        new Promise<number>((resolve, reject) => {
          const req = request({
            host: '127.0.0.1',
            port: f.serve.httpPort,
            path: `/bytes/${GIB}`,
            headers: { host: f.tunnel.hostname },
          });
          req.on('response', (res) => {
            let n = 0;
            res.on('data', (c: Buffer) => {
              n += c.length;
            });
            res.on('end', () => resolve(n));
            res.on('error', reject);
          });
          req.on('error', reject);
          req.end();
        }),
    );
    assert.equal(bytes, GIB);
    peaks.forEach((peak, i) => {
      assert.ok(
        peak - (idle[i] as number) < RSS_HEADROOM,
        `process ${i} grew by ${((peak - (idle[i] as number)) / 2 ** 20).toFixed(0)} MiB`,
      );
    });
  });

  test('one-gib-upload-streams-with-bounded-rss-and-arrives-intact', async () => {
    const pids = [f.serve.child.pid as number, f.tunnel.child.pid as number];
    const idle = pids.map(rssOf);
    const chunk = Buffer.alloc(256 * 1024, 0x5a);
    const expected = createHash('sha256');
    const { result, peaks } = await peakRss(
      pids,
      () =>
        new Promise<{ bytes: number; sha256: string }>((resolve, reject) => {
          const req = request({
            host: '127.0.0.1',
            port: f.serve.httpPort,
            path: '/upload',
            method: 'POST',
            headers: { host: f.tunnel.hostname, 'content-type': 'application/octet-stream' },
          });
          req.on('response', (res) => {
            let s = '';
            res.setEncoding('utf8').on('data', (c: string) => {
              s += c;
            });
            res.on('end', () => resolve(JSON.parse(s) as { bytes: number; sha256: string }));
          });
          req.on('error', reject);
          let left = GIB;
          const pump = (): void => {
            while (left > 0) {
              left -= chunk.length;
              expected.update(chunk);
              if (!req.write(chunk)) {
                req.once('drain', pump);
                return;
              }
            }
            req.end();
          };
          pump();
        }),
    );
    assert.equal(result.bytes, GIB);
    assert.equal(result.sha256, expected.digest('hex'));
    peaks.forEach((peak, i) => {
      assert.ok(
        peak - (idle[i] as number) < RSS_HEADROOM,
        `process ${i} grew by ${((peak - (idle[i] as number)) / 2 ** 20).toFixed(0)} MiB`,
      );
    });
  });
});
