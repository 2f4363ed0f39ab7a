import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIPv4 } from 'node:net';
import type { LogRing } from './log-ring.js';
import { systemFacts } from './system-facts.js';

/** What the metrics server's /diag/* endpoints show, for `warren tunnel diag`. */
export interface DiagSource {
  /** The effective configuration, secrets already left out (a whitelist of fields, see diag-configuration). */
  configuration(): unknown;
  logs: LogRing;
  /**
   * The connector's secrets (tunnel secret in its encodings, the token): scrubbed from every
   * /diag answer as a second line of defence, should one ever reach a log line or a field.
   */
  secrets: readonly string[];
}

const REDACTED = '[REDACTED]';

/** Replaces every secret (of 8 characters or more: shorter ones would match ordinary text) in `text`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 8) out = out.replaceAll(s, REDACTED);
  return out;
}

/**
 * Loopback peers only: the metrics port may listen on 0.0.0.0 for Prometheus, but logs and the
 * configuration are for the operator on the machine, not for whoever can reach the port.
 */
export function isLoopbackPeer(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIPv4(v4)) return v4.startsWith('127.');
  return address === '::1';
}

/** Answers /diag/configuration, /diag/logs and /diag/system; false for other paths. */
export function handleDiag(req: IncomingMessage, res: ServerResponse, path: string, d: DiagSource): boolean {
  if (!path.startsWith('/diag/')) return false;
  if (!isLoopbackPeer(req.socket.remoteAddress)) {
    res.writeHead(403, { 'content-type': 'text/plain' });
    res.end('the /diag endpoints answer only on loopback; run warren tunnel diag on the connector host\n');
    return true;
  }
  let body: string;
  let type = 'application/json';
  if (path === '/diag/configuration') body = JSON.stringify(d.configuration(), null, 2);
  else if (path === '/diag/system') body = JSON.stringify(systemFacts(), null, 2);
  else if (path === '/diag/logs') {
    body = d.logs.text();
    type = 'application/x-ndjson';
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: try /diag/configuration, /diag/logs or /diag/system\n');
    return true;
  }
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(scrubSecrets(body, d.secrets));
  return true;
}
