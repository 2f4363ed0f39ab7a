import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer, isIP, connect as netConnect, type Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { WsDecoder, WsEncoder, websocketAccept, websocketKey } from '../../connector/tcp/ws-frames.js';
import { WarrenError } from '../../errors/index.js';
import { type AccessTarget, accessLogin, type ServiceToken } from './access-command.js';
import { portOf, type Resolve } from './access-http-client.js';
import { serveUntilSignal } from './serve-until-signal.js';

const UPGRADE_TIMEOUT_MS = 30_000; // 30 seconds for the edge's 101

/** Where `warren access tcp|ssh|rdp|smb` connects, and how it proves who it is. */
export interface TcpTarget {
  hostname: string;
  /** The edge's visitor address: https://HOSTNAME by default, `--edge http://HOST:PORT` for a loopback edge. */
  edge: URL;
  /** The address to dial (the edge's host, resolved once). */
  address: string;
  serviceToken: ServiceToken | undefined;
  browser: boolean;
  /** `--destination HOST:PORT`: what a bastion rule connects to (`Cf-Access-Jump-Destination`). */
  destination?: string | undefined;
}

/** Reads `--hostname` and `--edge` into a target. */
export async function tcpTarget(
  hostnameRaw: string | undefined,
  edgeRaw: string | undefined,
  serviceToken: ServiceToken | undefined,
  browser: boolean,
): Promise<TcpTarget> {
  const hostname = (hostnameRaw ?? '')
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  if (hostname === '' || hostname.includes(':')) {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `--hostname ${hostnameRaw === undefined ? 'is missing' : `"${hostnameRaw}" is not a hostname`}; give the TCP application's hostname, e.g. --hostname ssh.example.com`,
    );
  }
  let edge: URL;
  try {
    edge = new URL(edgeRaw ?? `https://${hostname}`);
  } catch {
    edge = new URL('invalid:');
  }
  if (edge.protocol !== 'http:' && edge.protocol !== 'https:') {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `--edge "${edgeRaw}" is not an http(s) URL; give the edge's visitor address, e.g. --edge http://127.0.0.1:8080`,
    );
  }
  const host = edge.hostname.replace(/^\[|\]$/g, '');
  const address = isIP(host) !== 0 ? host : (await lookup(host)).address;
  return { hostname, edge, address, serviceToken, browser };
}

/** The application as `warren access login` sees it: the hostname, reached at the edge's address. */
function appTarget(t: TcpTarget): AccessTarget {
  const port = portOf(t.edge);
  const url = new URL(`${t.edge.protocol}//${t.hostname}:${port}/`);
  const resolve: Resolve[] = [{ host: t.hostname, port, address: t.address }];
  return { url, resolve };
}

/**
 * The headers that get the session past Access: the service token's two, or the cached (else
 * freshly logged-in) app token; none when the hostname is not behind Access.
 */
export async function accessHeaders(t: TcpTarget): Promise<Record<string, string>> {
  if (t.serviceToken !== undefined) {
    return { 'cf-access-client-id': t.serviceToken.id, 'cf-access-client-secret': t.serviceToken.secret };
  }
  try {
    return { 'cf-access-token': await accessLogin(appTarget(t), t.browser, false) };
  } catch (err) {
    if (err instanceof WarrenError && err.code === 'WARREN_ACCESS_NOT_PROTECTED') return {};
    throw err;
  }
}

/** What a refusal means, in one line. */
function refusal(
  hostname: string,
  res: IncomingMessage,
  sent: Record<string, string>,
): WarrenError<'WARREN_ACCESS_TCP_REFUSED'> {
  const s = res.statusCode ?? 0;
  const location = String(res.headers.location ?? '');
  const toLogin = s === 302 && location.includes('/cdn-cgi/access/login');
  const why =
    toLogin && sent['cf-access-client-id'] !== undefined
      ? 'Access denied this service token (no policy of the application allows it)'
      : toLogin && sent['cf-access-token'] !== undefined
        ? `Access denied this token (expired, or no policy allows the user); run \`warren access login https://${hostname}\``
        : toLogin
          ? `Access wants a login; run \`warren access login https://${hostname}\`, or pass a service token`
          : s === 401 || s === 403
            ? `Access denied this user or service token (${s})`
            : s === 404 || s === 530
              ? `the edge has no tunnel for this hostname (${s})`
              : s === 502 || s === 503 || s === 504
                ? `the tunnel could not reach the TCP origin, or the rule is not a tcp:// service (${s})`
                : `the edge answered ${s} instead of opening the session`;
  return new WarrenError('WARREN_ACCESS_TCP_REFUSED', `${hostname} refused the TCP session: ${why}`);
}

/** Opens one WebSocket session to the app: the socket (half-open allowed) and bytes read past the 101. */
export function openSession(t: TcpTarget, headers: Record<string, string>): Promise<{ socket: Socket; head: Buffer }> {
  const tls = t.edge.protocol === 'https:';
  const port = portOf(t.edge);
  const key = websocketKey();
  const defaultPort = port === (tls ? 443 : 80);
  const send = tls ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send({
      host: t.address,
      port,
      path: '/',
      method: 'GET',
      timeout: UPGRADE_TIMEOUT_MS,
      headers: {
        host: defaultPort ? t.hostname : `${t.hostname}:${port}`,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': key,
        'user-agent': 'warren-access-tcp',
        ...(t.destination === undefined ? {} : { 'cf-access-jump-destination': t.destination }),
        ...headers,
      },
      // Half-open sockets: each side's end travels on its own (`ssh host 'cat > f' < file`).
      createConnection: () =>
        tls
          ? tlsConnect({
              socket: netConnect({ host: t.address, port, allowHalfOpen: true }),
              servername: t.hostname,
            })
          : netConnect({ host: t.address, port, allowHalfOpen: true }),
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${UPGRADE_TIMEOUT_MS / 1000} s`)));
    req.on('error', (err) =>
      reject(
        new WarrenError('WARREN_ACCESS_UNREACHABLE', `cannot reach ${t.edge.origin}: ${err.message}`, { cause: err }),
      ),
    );
    req.on('response', (res) => {
      if (res.headers['warren-tcp-refused'] !== '1') {
        res.resume();
        reject(refusal(t.hostname, res, headers));
        return;
      }
      // The connector's own refusal (a bastion destination): its one line, read up to 1 KiB.
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body.length < 1024) body += c;
      });
      res.on('end', () => {
        const line = (body.split('\n')[0] ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 300);
        reject(new WarrenError('WARREN_ACCESS_TCP_REFUSED', `${t.hostname} refused the TCP session: ${line}`));
      });
      res.on('error', () => reject(refusal(t.hostname, res, headers)));
    });
    req.on('upgrade', (res, socket: Socket, head: Buffer) => {
      if (res.headers['sec-websocket-accept'] !== websocketAccept(key)) {
        socket.destroy();
        reject(new WarrenError('WARREN_ACCESS_TCP_REFUSED', `${t.hostname} answered a 101 that is not this session's`));
        return;
      }
      socket.setNoDelay(true);
      resolve({ socket, head });
    });
    req.end();
  });
}

/**
 * Carries `input` to the session and the session to `output`, each end passed on as a half-close;
 * resolves when the session's socket closes (true when it closed cleanly).
 */
export function splice(input: Readable, output: Writable, s: { socket: Socket; head: Buffer }): Promise<boolean> {
  const { socket, head } = s;
  const encoder = new WsEncoder({ mask: true });
  const decoder = new WsDecoder();
  input.pipe(encoder).pipe(socket);
  if (head.length > 0) decoder.write(head);
  socket.pipe(decoder).pipe(output);
  decoder.once('error', () => socket.destroy());
  return new Promise((resolve) => {
    socket.once('error', () => undefined);
    socket.once('close', (hadError) => {
      input.unpipe(encoder);
      resolve(!hadError);
    });
  });
}

/** `warren access ssh`: one session on stdin/stdout, for OpenSSH's ProxyCommand. */
export async function accessSsh(t: TcpTarget): Promise<number> {
  const session = await openSession(t, await accessHeaders(t));
  const clean = await splice(process.stdin, process.stdout, session);
  process.stdin.destroy();
  if (!clean) process.stderr.write(`warren: the session to ${t.hostname} was reset [WARREN_ACCESS_TCP_REFUSED]\n`);
  return clean ? 0 : 1;
}

/** `warren access tcp|rdp|smb`: a local listener; every accepted connection becomes one session. */
export async function accessTcp(t: TcpTarget, listen: { host: string; port: number }): Promise<void> {
  const headers = await accessHeaders(t);
  const server = createServer({ allowHalfOpen: true }, (local) => {
    local.on('error', () => local.destroy());
    openSession(t, headers).then(
      (session) => {
        if (local.destroyed) session.socket.destroy();
        else
          void splice(local, local, session).then(() => {
            if (!local.destroyed && !local.writableEnded) local.end();
          });
      },
      (err: unknown) => {
        const e = err instanceof WarrenError ? `${err.message} [${err.code}]` : String(err);
        process.stderr.write(`warren: ${e}\n`);
        local.destroy();
      },
    );
  });
  await serveUntilSignal({
    server,
    where: `${listen.host}:${listen.port}`,
    listen: (ready) => server.listen(listen.port, listen.host, ready),
    listening: () => {
      const a = server.address();
      const shown = a !== null && typeof a === 'object' ? `${a.address}:${a.port}` : `${listen.host}:${listen.port}`;
      process.stderr.write(`warren: listening on ${shown}, forwarding to ${t.hostname}\n`);
    },
    stop: () => server.close(),
  });
}
