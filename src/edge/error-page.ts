import { WarrenError, type WarrenErrorCode } from '../errors/index.js';
import type { StreamReset } from '../protocol/index.js';
import { reasonPhrase } from './reason-phrase.js';
import type { VisitorRequest, VisitorResponse } from './visit.js';

/**
 * What a visitor is told: a WarrenError whose status comes from the error table, with a page title.
 * Never the origin's address, the connector's error text or anything else about the inside of the
 * tunnel: those go to the connector's log under the Ray ID, which the page shows.
 */
export class VisitorError extends WarrenError {
  readonly title: string;

  /** `detail` is plain text; `backticks` mark commands (shown as code on the HTML page). */
  constructor(code: WarrenErrorCode, title: string, detail: string) {
    super(code, detail);
    this.name = 'VisitorError';
    this.title = title;
  }

  get detail(): string {
    return this.message;
  }
}

const SEE_LOGS = "If you own this tunnel, the connector's log has the details under this page's Ray ID.";

export const VISITOR_ERRORS = {
  unknownHost: (host: string): VisitorError =>
    new VisitorError(
      'WARREN_HOST_UNKNOWN',
      'No tunnel at this hostname',
      `Nothing is configured for ${host}. If you own it, route it to a tunnel (warren tunnel route dns) or start a quick tunnel.`,
    ),
  tunnelDown: (host: string, quick: boolean): VisitorError =>
    new VisitorError(
      'WARREN_TUNNEL_NOT_CONNECTED',
      'The tunnel is not connected',
      quick
        ? `${host} is a quick tunnel with no live connector. Its owner should start \`warren tunnel --url\` again (a new quick tunnel gets a new hostname).`
        : `${host} points at a tunnel with no live connector. Its owner should start \`warren tunnel run\` again.`,
    ),
  originUnreachable: (): VisitorError =>
    new VisitorError(
      'WARREN_ORIGIN_UNREACHABLE',
      'The origin could not be reached',
      `The connector could not reach the application behind this tunnel. ${SEE_LOGS}`,
    ),
  originFailed: (): VisitorError =>
    new VisitorError(
      'WARREN_ORIGIN_ERROR',
      'Bad gateway',
      `The request could not be completed through the tunnel. ${SEE_LOGS}`,
    ),
  originTimeout: (why: string): VisitorError =>
    new VisitorError('WARREN_ORIGIN_TIMEOUT', 'The origin did not answer in time', why),
  headersTooLarge: (): VisitorError =>
    new VisitorError(
      'WARREN_HEADERS_TOO_LARGE',
      'Request header fields too large',
      'The request has more header fields, or more header bytes, than a tunnel carries. Send fewer or smaller headers.',
    ),
  bodyTimeout: (seconds: number): VisitorError =>
    new VisitorError(
      'WARREN_REQUEST_TIMEOUT',
      'Request timeout',
      `The request body stalled: nothing arrived for ${seconds} s.`,
    ),
  badRequest: (why: string): VisitorError => new VisitorError('WARREN_BAD_REQUEST', 'Bad request', why),
} as const;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
/** Escaped text with `backticked` spans as <code>. */
const richHtml = (s: string): string => escapeHtml(s).replace(/`([^`]+)`/g, '<code>$1</code>');

export function wantsJson(accept: string | undefined): boolean {
  return accept?.includes('application/json') === true && !accept.includes('text/html');
}

export function errorBody(err: VisitorError, rayId: string, json: boolean): { type: string; body: string } {
  if (json) {
    return {
      type: 'application/json; charset=utf-8',
      body: `${JSON.stringify({ success: false, errors: [{ code: err.code, message: err.detail }], status: err.status, title: err.title, ray_id: rayId })}\n`,
    };
  }
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${err.status} ${escapeHtml(err.title)} | warren</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem;margin:0 0 .5rem}code{background:#f3f3f3;padding:.1rem .3rem}.ray{color:#777;font-size:.9rem;margin-top:2rem}</style>
</head><body>
<h1>${err.status} · ${escapeHtml(err.title)}</h1>
<p>${richHtml(err.detail)}</p>
<p class="ray">Error <code>${err.code}</code> · Ray ID <code>${escapeHtml(rayId)}</code> · warren</p>
</body></html>
`;
  return { type: 'text/html; charset=utf-8', body };
}

/** Answers with an error page; with `close`, the visitor connection closes after it (e.g. an unread body). */
export function sendVisitorError(
  req: VisitorRequest,
  res: VisitorResponse,
  err: VisitorError,
  rayId: string,
  close = false,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { type, body } = errorBody(err, rayId, wantsJson(req.headers.accept));
  const headers: Record<string, string | number> = {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'cf-ray': rayId,
  };
  if (close) headers.connection = 'close';
  // The reason phrase is given, not left to node: after a refused origin head, node would keep its 200's "OK".
  res.writeHead(err.status, reasonPhrase(err.status), headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The visitor's page for a stream reset: a generic reason only; the connector logs the detail under the Ray ID. */
export function visitorErrorFor(reset: StreamReset): VisitorError {
  switch (reset.code) {
    case 'WARREN_ORIGIN_UNREACHABLE':
      return VISITOR_ERRORS.originUnreachable();
    case 'WARREN_ORIGIN_TIMEOUT':
      return VISITOR_ERRORS.originTimeout('The application behind this tunnel did not answer in time.');
    case 'WARREN_REQUEST_INVALID':
      return VISITOR_ERRORS.badRequest('The tunnel could not carry this request (its head breaks a limit).');
    default:
      return VISITOR_ERRORS.originFailed();
  }
}
