import WebSocket from 'ws';
import { ControlClient } from '../../control/client/control-client.js';
import { ControlApiClient } from '../../control/client/index.js';
import { isWarrenErrorCode, WarrenError } from '../../errors/index.js';
import { loadOriginCert } from '../../pki/origin-cert-file.js';
import type { LogEvent } from '../../protocol/index.js';
import type { TailFlags } from './tail-options.js';

/** From dialing the management endpoint to its answer. */
export const TAIL_CONNECT_TIMEOUT_MS = 15_000; // 15 seconds

interface TailTarget {
  tunnelId: string;
  label: string;
  token: string;
  /** ws(s)://host:port of the management endpoint. */
  base: string;
}

/** `warren tail [TUNNEL]`: prints the tunnel's request logs as the edge relays them, until Ctrl-C. */
export async function tail(ref: string | undefined, f: TailFlags): Promise<void> {
  const target = await resolveTarget(ref, f);
  const q = new URLSearchParams();
  if (f.connectorId !== undefined) q.set('connector_id', f.connectorId);
  if (f.event.length > 0) q.set('events', f.event.join(','));
  q.set('level', f.level);
  q.set('sample', String(f.sample));
  const url = `${target.base}/management/tunnels/${target.tunnelId}/logs?${q}`;
  const ws = new WebSocket(url, {
    headers: { authorization: `Bearer ${target.token}` },
    handshakeTimeout: TAIL_CONNECT_TIMEOUT_MS,
  });
  let stopping = false;
  const stop = (): void => {
    stopping = true;
    ws.close(1000);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (s: string) => {
          if (body.length < 64 * 1024) body += s;
        });
        res.on('end', () => reject(refusalOf(res.statusCode ?? 0, body, target.base)));
      });
      ws.on('error', (err: NodeJS.ErrnoException) => {
        reject(
          new WarrenError(
            'WARREN_API_UNREACHABLE',
            `cannot reach the management endpoint at ${target.base} (${err.code ?? err.message}); pass --management-url`,
            { cause: err },
          ),
        );
      });
      ws.on('message', (data) => onMessage(String(data), target, f));
      ws.on('close', (code, reason) => {
        if (stopping || code === 1000) resolve();
        else {
          reject(
            new WarrenError(
              code === 1013 ? 'WARREN_TAIL_SESSIONS_FULL' : 'WARREN_API_UNREACHABLE',
              `the edge ended the tail session (${code}${reason.length > 0 ? `: ${printable(reason.toString())}` : ''})`,
            ),
          );
        }
      });
    });
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
}

function onMessage(text: string, target: TailTarget, f: TailFlags): void {
  let msg: Record<string, unknown>;
  try {
    msg = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return;
  }
  switch (msg.type) {
    case 'ready':
      process.stderr.write(
        `Tailing ${target.label}: ${Number(msg.connectors)} connector(s) on this edge; Ctrl-C to stop\n`,
      );
      return;
    case 'connector':
      process.stderr.write(
        `connector ${printable(String(msg.connector_id))} ${msg.state === 'streaming' ? 'is streaming' : 'is gone'}\n`,
      );
      return;
    case 'dropped':
      process.stderr.write(`${Number(msg.count)} events dropped\n`);
      return;
    case 'event': {
      const e = msg.event as LogEvent;
      process.stdout.write(f.output === 'json' ? `${JSON.stringify(e)}\n` : `${lineOf(e)}\n`);
      return;
    }
  }
}

/** One human line. Every field is made printable: a visitor chose the host and path. */
export function lineOf(e: LogEvent): string {
  const status = e.status === 0 ? 'failed' : String(e.status);
  const parts = [
    e.time,
    e.level.toUpperCase().padEnd(5),
    e.event.padEnd(4),
    e.method,
    `${e.host}${e.path}`,
    status,
    `${e.duration_ms}ms`,
    `ray=${e.ray_id === '' ? '-' : e.ray_id}`,
    `connector=${e.connector_id}`,
  ];
  if (e.error !== undefined) parts.push(`error=${JSON.stringify(e.error)}`);
  return printable(parts.map(String).join(' '));
}

/** Control characters (terminal escapes) out of text that came from the network. */
function printable(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

function refusalOf(status: number, body: string, base: string): WarrenError {
  try {
    const e = (JSON.parse(body) as { errors?: { message?: string; warren_code?: string }[] }).errors?.[0];
    if (e?.message !== undefined) {
      return new WarrenError(
        isWarrenErrorCode(e.warren_code) ? e.warren_code : 'WARREN_API_INVALID',
        printable(e.message),
      );
    }
  } catch {
    // not ours: fall through
  }
  return new WarrenError(
    'WARREN_API_UNREACHABLE',
    `${base} answered the tail request with HTTP ${status}; is --management-url a warren edge's API address?`,
  );
}

async function resolveTarget(ref: string | undefined, f: TailFlags): Promise<TailTarget> {
  if (f.token !== undefined) {
    if (f.managementUrl === undefined) {
      throw new WarrenError(
        'WARREN_CONFIG_INVALID',
        '--token needs --management-url (the edge API address, e.g. http://127.0.0.1:8081)',
      );
    }
    const tunnelId = tunnelOfToken(f.token);
    return { tunnelId, label: `tunnel ${tunnelId}`, token: f.token, base: wsBase(f.managementUrl) };
  }
  if (ref === undefined) {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      'name the tunnel: `warren tail NAME` (or its id); list them with `warren tunnel list`',
    );
  }
  let api: ControlApiClient;
  let apiUrl: string;
  if (f.apiToken !== undefined) {
    apiUrl = f.api ?? (await loadOriginCert(f.origincert)).token.apiURL;
    const http = new ControlClient(apiUrl, f.apiToken);
    const accountId = f.account ?? (await onlyAccount(http));
    api = new ControlApiClient(http, { accountId, zoneId: '' });
  } else {
    const cert = await loadOriginCert(f.origincert);
    apiUrl = f.api ?? cert.token.apiURL;
    api = new ControlApiClient(new ControlClient(apiUrl, cert.token.apiToken), {
      accountId: f.account ?? cert.token.accountID,
      zoneId: cert.token.zoneID,
    });
  }
  const t = await api.findTunnel(ref);
  const token = await api.managementToken(t.id);
  return { tunnelId: t.id, label: `tunnel ${t.name} (${t.id})`, token, base: wsBase(f.managementUrl ?? apiUrl) };
}

async function onlyAccount(http: ControlClient): Promise<string> {
  const accounts = await http.call<{ id: string; name: string }[]>('GET', '/accounts');
  const first = accounts[0];
  if (accounts.length === 1 && first !== undefined) return first.id;
  throw new WarrenError(
    'WARREN_CONFIG_INVALID',
    accounts.length === 0
      ? 'this API token sees no account'
      : `this API token sees ${accounts.length} accounts; pick one with --account (${accounts.map((a) => a.id).join(', ')})`,
  );
}

/** The tunnel a management token names (read, not verified: the edge verifies it). */
function tunnelOfToken(token: string): string {
  const body = token.split('.')[1] ?? '';
  try {
    const t = (JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { t?: unknown }).t;
    if (typeof t === 'string' && /^[0-9a-f-]{36}$/.test(t)) return t;
  } catch {
    // below
  }
  throw new WarrenError(
    'WARREN_MANAGEMENT_TOKEN_INVALID',
    '--token is not a management token from POST .../cfd_tunnel/{t}/management',
  );
}

/** http(s)://host:port[/client/v4] → ws(s)://host:port. */
function wsBase(url: string): string {
  if (!URL.canParse(url)) {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `--management-url "${url}" is not a URL: write e.g. http://127.0.0.1:8081`,
    );
  }
  const u = new URL(url);
  const scheme = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
  return `${scheme}//${u.host}`;
}
