import type { IncomingMessage, ServerResponse } from 'node:http';

export interface VisitorError {
  status: number;
  /** Stable code visitors and support can quote. */
  code: string;
  title: string;
  detail: string;
}

export const VISITOR_ERRORS = {
  unknownHost: (host: string): VisitorError => ({
    status: 404,
    code: 'WARREN_HOST_UNKNOWN',
    title: 'No tunnel at this hostname',
    detail: `Nothing is configured for ${host}. If you own it, route it to a tunnel (warren tunnel route dns) or start a quick tunnel.`,
  }),
  tunnelDown: (host: string): VisitorError => ({
    status: 530,
    code: 'WARREN_TUNNEL_NOT_CONNECTED',
    title: 'The tunnel is not connected',
    detail: `${host} points at a tunnel with no live connector. Its owner should start \`warren tunnel run\` again.`,
  }),
  originUnreachable: (why: string): VisitorError => ({
    status: 502,
    code: 'WARREN_ORIGIN_UNREACHABLE',
    title: 'The origin could not be reached',
    detail: `The connector could not reach the application behind this tunnel: ${why}`,
  }),
  originFailed: (why: string): VisitorError => ({
    status: 502,
    code: 'WARREN_ORIGIN_ERROR',
    title: 'Bad gateway',
    detail: `The request could not be completed through the tunnel: ${why}`,
  }),
  originTimeout: (why: string): VisitorError => ({
    status: 504,
    code: 'WARREN_ORIGIN_TIMEOUT',
    title: 'The origin did not answer in time',
    detail: why,
  }),
  badRequest: (why: string): VisitorError => ({
    status: 400,
    code: 'WARREN_BAD_REQUEST',
    title: 'Bad request',
    detail: why,
  }),
} as const;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);

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
<p>${escapeHtml(err.detail)}</p>
<p class="ray">Error <code>${err.code}</code> · Ray ID <code>${escapeHtml(rayId)}</code> · warren</p>
</body></html>
`;
  return { type: 'text/html; charset=utf-8', body };
}

export function sendVisitorError(req: IncomingMessage, res: ServerResponse, err: VisitorError, rayId: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { type, body } = errorBody(err, rayId, wantsJson(req.headers.accept));
  res.writeHead(err.status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'cf-ray': rayId,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
