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
 * The look of the dashboard (web/src/styles.css) for the server-rendered pages (`warren login`,
 * first-run setup): the same colours, card, fields, buttons and focus ring, inline because
 * these pages load nothing else.
 */
const PAGE_STYLE =
  ':root{--border:#d9dde3;--text:#1b1f24;--muted:#555d68;--accent:#1d4ed8;--accent-dark:#1e3a8a;--danger:#b42318;--good:#067647;--focus:#2563eb;' +
  'font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--text);background:#f6f7f9}' +
  '*{box-sizing:border-box}body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:1rem}' +
  'main{background:#fff;border:1px solid var(--border);border-radius:6px;padding:1.5rem;width:100%;max-width:30rem}' +
  '.brand{font-weight:700;font-size:1.3rem;margin:0 0 1rem}.brand span{color:var(--accent)}' +
  'h1{font-size:1.4rem;margin:0 0 1rem;line-height:1.3}a{color:var(--accent)}' +
  'code{font:.9em ui-monospace,Menlo,Consolas,monospace;background:#eef0f3;padding:.1em .3em;border-radius:3px;overflow-wrap:anywhere}' +
  'label{display:block;margin:.8rem 0;font-weight:600}' +
  'input[type=email],input[type=password],input[type=text]{display:block;width:100%;margin-top:.25rem;font:inherit;font-weight:400;padding:.45rem .6rem;border:1px solid #8a929c;border-radius:6px}' +
  'fieldset{border:1px solid var(--border);border-radius:6px;padding:.5rem 1rem}legend{font-weight:600;padding:0 .3rem}' +
  'fieldset label{font-weight:400;margin:.4rem 0}' +
  'button{font:inherit;padding:.5rem 1.2rem;margin-top:1rem;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;min-height:2.25rem}' +
  'button:hover{background:var(--accent-dark)}:focus-visible{outline:3px solid var(--focus);outline-offset:2px}' +
  '.err{color:#7a271a;background:#fef3f2;border:1px solid #fda29b;border-radius:6px;padding:.6rem .8rem}' +
  '[role=status]{color:#054f31;background:#ecfdf3;border:1px solid #abefc6;border-radius:6px;padding:.6rem .8rem}' +
  'code.secret{display:block;word-break:break-all;font-size:1.05rem;padding:.6rem}';

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
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)} · warren</title>` +
        `<style>${PAGE_STYLE}</style></head>` +
        `<body><main><p class="brand"><span aria-hidden="true">◆</span> warren</p><h1>${esc(title)}</h1>${body}</main></body></html>`,
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
