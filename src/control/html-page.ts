import type { FastifyInstance, FastifyReply } from 'fastify';

const FORM_BODY_LIMIT = 16 * 1024; // 16 KiB: an e-mail, a password and a few keys

/** HTML-escapes text for element content and double- or single-quoted attributes. */
export function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/**
 * A server-rendered page of the dashboard: no script, no external resource, never cached, never
 * framed, and no Referer (links carry one-time keys in their query string).
 */
export function htmlPage(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · warren</title>` +
        '<style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}' +
        'label{display:block;margin:.8rem 0}input[type=email],input[type=password],input[type=text]{width:100%;padding:.4rem}' +
        'button{padding:.5rem 1.2rem;margin-top:1rem}.err{color:#b00}code.secret{word-break:break-all;font-size:1.1rem}</style></head>' +
        `<body><h1>${esc(title)}</h1>${body}</body></html>`,
    );
}

/** Accepts `application/x-www-form-urlencoded` bodies (as a string record) inside `scope`. */
export function acceptForms(scope: FastifyInstance): void {
  scope.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
    (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
    },
  );
}

/** A form field as a string ('' when absent). */
export function formField(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
}
