import { once } from 'node:events';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { posix, resolve, sep } from 'node:path';

/** A node http file server on loopback. */
export interface FileOrigin {
  url: string;
  /** Request targets as received, oldest first. */
  seen: string[];
  close(): Promise<void>;
}

/**
 * Serves `root` as node file servers do (`send`, behind `serve-static`): the path percent-decoded
 * (400 when it cannot be), then normalised and kept inside `root`; a folder answers with its
 * listing, a file with its content.
 */
export async function startFileOrigin(root: string): Promise<FileOrigin> {
  const seen: string[] = [];
  const base = resolve(root);
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    seen.push(url);
    const pathname = url.split('?')[0]?.split('#')[0] ?? '/';
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      res.writeHead(400).end('bad escape\n');
      return;
    }
    const file = resolve(base, `.${posix.normalize(`/${decoded}`)}`);
    if (file !== base && !file.startsWith(`${base}${sep}`)) {
      res.writeHead(403).end('outside the root\n');
      return;
    }
    void (async () => {
      try {
        const s = await stat(file);
        const body = s.isDirectory() ? `${(await readdir(file)).join('\n')}\n` : await readFile(file);
        res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
      } catch {
        res.writeHead(404).end('not found\n');
      }
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
