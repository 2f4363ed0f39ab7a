import { request } from 'node:http';
import WebSocket from 'ws';
import { assertLoopback, type Target } from './net.js';

const CHUNK = Buffer.alloc(256 * 1024, 'y');

function hostHeader(target: Target): Record<string, string> {
  return target.host !== undefined ? { host: target.host } : {};
}

/** GET /bytes?n=bytes through the target; resolves with MB/s (10^6 bytes per second). Bounded by `timeoutMs`. */
export function download(target: Target, bytes: number, timeoutMs: number): Promise<number> {
  const url = new URL(`/bytes?n=${bytes}`, target.base);
  assertLoopback(url);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { headers: hostHeader(target), agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`download: HTTP ${res.statusCode}`));
        return;
      }
      let got = 0;
      res.on('data', (c: Buffer) => {
        got += c.length;
      });
      res.on('end', () => {
        const s = (performance.now() - started) / 1000;
        if (got !== bytes) reject(new Error(`download: got ${got} of ${bytes} bytes`));
        else resolve(bytes / 1e6 / s);
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`download: not done within ${timeoutMs} ms`)));
    const hard = setTimeout(() => req.destroy(new Error(`download: not done within ${timeoutMs} ms`)), timeoutMs);
    req.on('close', () => clearTimeout(hard));
    req.on('error', reject);
    req.end();
  });
}

/** POST `bytes` to /upload (Content-Length, written with backpressure); resolves with MB/s once the origin confirms the count. */
export function upload(target: Target, bytes: number, timeoutMs: number): Promise<number> {
  const url = new URL('/upload', target.base);
  assertLoopback(url);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      url,
      {
        method: 'POST',
        headers: { ...hostHeader(target), 'content-type': 'application/octet-stream', 'content-length': String(bytes) },
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => {
          const s = (performance.now() - started) / 1000;
          if (res.statusCode !== 200 || Number(body.trim()) !== bytes) {
            reject(
              new Error(`upload: HTTP ${res.statusCode}, origin counted ${body.trim().slice(0, 100)} of ${bytes}`),
            );
          } else resolve(bytes / 1e6 / s);
        });
        res.on('error', reject);
      },
    );
    const hard = setTimeout(() => req.destroy(new Error(`upload: not done within ${timeoutMs} ms`)), timeoutMs);
    req.on('close', () => clearTimeout(hard));
    req.on('error', reject);
    let left = bytes;
    const pump = (): void => {
      while (left > 0) {
        const n = Math.min(left, CHUNK.length);
        left -= n;
        if (!req.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/** One WebSocket to /ws, one 32-byte message in flight, for `durationS`; resolves with round trips per second. */
export function wsEcho(target: Target, durationS: number): Promise<number> {
  const url = new URL('/ws', target.base.replace(/^http/, 'ws'));
  assertLoopback(url);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: hostHeader(target), perMessageDeflate: false });
    const msg = Buffer.alloc(32, 'z');
    let trips = 0;
    let started = 0;
    const hard = setTimeout(
      () => {
        ws.terminate();
        reject(new Error('websocket: no result in time'));
      },
      (durationS + 20) * 1000,
    );
    ws.on('open', () => {
      started = performance.now();
      ws.send(msg);
    });
    ws.on('message', (data: Buffer) => {
      if (data.length !== 32) {
        ws.terminate();
        reject(new Error(`websocket: echo of ${data.length} bytes, expected 32`));
        return;
      }
      trips++;
      const elapsed = performance.now() - started;
      if (elapsed >= durationS * 1000) {
        clearTimeout(hard);
        ws.close();
        resolve(trips / (elapsed / 1000));
        return;
      }
      ws.send(msg);
    });
    ws.on('unexpected-response', (_req, res) => {
      clearTimeout(hard);
      reject(new Error(`websocket: upgrade answered HTTP ${res.statusCode}`));
    });
    ws.on('error', (err) => {
      clearTimeout(hard);
      reject(err);
    });
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
