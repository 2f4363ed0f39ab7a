import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, LOOPBACK, waitForOk } from '../lib/net.js';
import { run, spawnChild } from '../lib/proc.js';
import type { Peer } from './peer.js';

const NGINX = '/usr/sbin/nginx';
let version = 'nginx';

/** Debian's nginx as a reverse proxy with a keep-alive upstream (its default worker_processes auto). */
export const nginx: Peer = {
  name: 'nginx',
  describe: () =>
    `${version} (Debian), worker_processes auto, upstream keepalive 64, HTTP/1.1 upstream, WebSocket upgrade mapped`,
  async unavailable() {
    if (!existsSync(NGINX)) return `${NGINX} is missing (apt-get install nginx failed?)`;
    const v = await run(NGINX, ['-v'], 10_000);
    version = /nginx\/[\d.]+/.exec(v.out)?.[0] ?? 'nginx';
    return undefined;
  },
  async start(ctx) {
    const dir = join(ctx.tmp, 'nginx');
    mkdirSync(join(dir, 'tmp'), { recursive: true });
    const port = await freePort();
    const conf = join(dir, 'nginx.conf');
    writeFileSync(
      conf,
      `user root;
worker_processes auto;
daemon off;
master_process on;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  client_max_body_size 0;
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
  upstream origin {
    server ${LOOPBACK}:${ctx.originPort};
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen ${LOOPBACK}:${port};
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 120s;
    }
  }
}
`,
    );
    const child = spawnChild('nginx', NGINX, ['-c', conf, '-p', dir]);
    try {
      const target = { base: `http://${LOOPBACK}:${port}`, host: undefined };
      await waitForOk(target, '/', 'Hello', 15_000);
      return {
        target,
        pids: () => [child.pid],
        roles: { nginx: child.pid },
        extra: {},
        stop: () => child.stop(),
      };
    } catch (err) {
      await child.stop();
      throw new Error(`${(err as Error).message}\n${child.output()}`);
    }
  },
};
