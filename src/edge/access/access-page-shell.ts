import { createHash } from 'node:crypto';
import { hexColour, pageUrl } from '../../access/index.js';
import type { AccessAnswer } from './access-http.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);

/**
 * A team's look on its visitor pages: the organization's `login_design` (Cloudflare's shape).
 * Every field is optional; colours are `#rgb`/`#rrggbb`, the logo an https URL (checked here
 * again when the page is drawn, whatever the store holds).
 */
export interface TeamLook {
  backgroundColor?: string | undefined;
  textColor?: string | undefined;
  logoPath?: string | undefined;
  headerText?: string | undefined;
  footerText?: string | undefined;
}

/** The team look of an organization's stored `data` (JSON), keeping only well-formed fields. */
export function teamLookOf(orgData: string | undefined): TeamLook {
  if (orgData === undefined) return {};
  const d = (JSON.parse(orgData) as { login_design?: unknown }).login_design;
  if (typeof d !== 'object' || d === null) return {};
  const o = d as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
  return {
    backgroundColor: hexColour(o.background_color),
    textColor: hexColour(o.text_color),
    logoPath: pageUrl(o.logo_path),
    headerText: str(o.header_text),
    footerText: str(o.footer_text),
  };
}

/**
 * One look for every visitor page of the team domain, close to the dashboard's (web/src/styles.css):
 * a card on a calm background, the same accent and focus ring, light and dark after
 * prefers-color-scheme, usable from 320 px up. Colours meet WCAG AA in both schemes.
 */
const STYLE =
  ':root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--border:#d9dde3;--text:#1b1f24;--muted:#555d68;' +
  '--accent:#1d4ed8;--accent-dark:#1e3a8a;--on-accent:#fff;--focus:#2563eb;--field:#8a929c;' +
  '--note-bg:#eef2ff;--note-border:#c7d2fe;--err-bg:#fef3f2;--err-border:#fda29b;--err:#7a271a;' +
  'font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--text);background:var(--bg)}' +
  '@media (prefers-color-scheme:dark){:root{--bg:#0f1115;--card:#1a1d23;--border:#343a44;--text:#e6e8eb;--muted:#aab2bd;' +
  '--accent:#8ab4ff;--accent-dark:#b5ceff;--on-accent:#0b1220;--focus:#8ab4ff;--field:#6b7380;' +
  '--note-bg:#1e2a44;--note-border:#34518a;--err-bg:#3a1714;--err-border:#7a2e26;--err:#ffc9c2}}' +
  '*{box-sizing:border-box}body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;padding:1rem}' +
  '.team{width:100%;max-width:30rem;display:flex;align-items:center;gap:.75rem;margin:1rem 0;font-weight:600;overflow-wrap:anywhere}' +
  '.team img{max-height:2.5rem;max-width:10rem}footer.team{font-weight:400;font-size:.9rem;margin-top:auto;padding-top:1rem}' +
  'main{background:var(--card);border:1px solid var(--border);border-radius:8px;padding:1.5rem;width:100%;max-width:30rem;overflow-wrap:anywhere}' +
  'h1{font-size:1.4rem;margin:0 0 .75rem;line-height:1.3}.app{display:flex;align-items:center;gap:.75rem}.app img{max-height:3rem;max-width:6rem}' +
  'p{margin:.6rem 0}.muted{color:var(--muted)}a{color:var(--accent)}a:hover{color:var(--accent-dark)}' +
  'label{display:block;margin:1rem 0 .25rem;font-weight:600}' +
  'input[type=email],input[type=text]{display:block;width:100%;font:inherit;padding:.55rem .7rem;border:1px solid var(--field);border-radius:6px;background:var(--card);color:var(--text)}' +
  'button,.button{display:block;width:100%;text-align:center;font:inherit;font-weight:600;padding:.6rem 1rem;margin-top:1rem;border-radius:6px;' +
  'border:1px solid var(--accent);background:var(--accent);color:var(--on-accent);cursor:pointer;text-decoration:none;min-height:2.75rem}' +
  'button:hover,.button:hover{background:var(--accent-dark);color:var(--on-accent)}' +
  '.secondary{background:transparent;color:var(--accent)}.secondary:hover{background:var(--note-bg);color:var(--accent)}' +
  ':focus-visible{outline:3px solid var(--focus);outline-offset:2px}' +
  '.idps{list-style:none;padding:0;margin:0}.or{display:flex;align-items:center;gap:.75rem;color:var(--muted);margin:1.25rem 0 0}' +
  '.or::before,.or::after{content:"";flex:1;border-top:1px solid var(--border)}' +
  '.note{background:var(--note-bg);border:1px solid var(--note-border);border-radius:6px;padding:.6rem .8rem}' +
  '.err{background:var(--err-bg);border:1px solid var(--err-border);color:var(--err);border-radius:6px;padding:.6rem .8rem}' +
  '.apps{list-style:none;padding:0;margin:1rem 0;display:grid;grid-template-columns:repeat(auto-fill,minmax(8rem,1fr));gap:.75rem}' +
  '.apps a{display:flex;flex-direction:column;align-items:center;gap:.5rem;padding:1rem .5rem;border:1px solid var(--border);border-radius:8px;text-align:center;text-decoration:none;min-height:6rem}' +
  '.apps img{max-height:2.5rem;max-width:6rem}.apps .mono{display:flex;align-items:center;justify-content:center;width:2.5rem;height:2.5rem;border-radius:50%;background:var(--accent);color:var(--on-accent);font-weight:700}' +
  'code,.code{font-family:ui-monospace,Menlo,Consolas,monospace}.code{font-size:1.4rem;letter-spacing:.15em}';

/** Relative luminance of a `#rgb`/`#rrggbb` colour (WCAG 2). */
function luminance(hex: string): number {
  const h = hex.length === 4 ? [...hex.slice(1)].map((c) => c + c).join('') : hex.slice(1);
  const [r, g, b] = [0, 2, 4].map((i) => {
    const v = Number.parseInt(h.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The WCAG contrast ratio of two colours (1 to 21). */
export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}

/**
 * The team's colours as a second style block: the background behind the card and the colour of
 * the team's header and footer text. A text colour that would not meet AA (4.5:1) on that
 * background gives way to black or white, whichever reads better, so a tenant cannot make its
 * own pages unreadable.
 */
function teamStyle(look: TeamLook): string {
  const bg = look.backgroundColor;
  if (bg === undefined && look.textColor === undefined) return '';
  if (bg === undefined) {
    // Text colour alone: used only where it reads on both schemes' backgrounds.
    const t = look.textColor as string;
    return contrast(t, '#f6f7f9') >= 4.5 && contrast(t, '#0f1115') >= 4.5 ? `.team{color:${t}}` : '';
  }
  const wanted = look.textColor;
  const fallback = contrast('#000000', bg) >= contrast('#ffffff', bg) ? '#000000' : '#ffffff';
  const text = wanted !== undefined && contrast(wanted, bg) >= 4.5 ? wanted : fallback;
  return `body{background:${bg}}.team{color:${text}}`;
}

export interface PageOptions {
  look?: TeamLook | undefined;
  /** The team domain, shown in the header when the team has no header text. */
  team?: string | undefined;
}

/** A visitor page: the team's header, the card with `body`, the team's footer. No script. */
export function page(title: string, body: string, o: PageOptions = {}): string {
  const look = o.look ?? {};
  const extra = teamStyle(look);
  const logo = look.logoPath === undefined ? '' : `<img src="${esc(look.logoPath)}" alt="">`;
  const name = look.headerText ?? o.team;
  const header = logo === '' && name === undefined ? '' : `<header class="team">${logo}${esc(name ?? '')}</header>`;
  const footer = look.footerText === undefined ? '' : `<footer class="team">${esc(look.footerText)}</footer>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(title)} | warren Access</title><style>${STYLE}</style>${extra === '' ? '' : `<style>${extra}</style>`}</head>
<body>${header}<main>${body}</main>${footer}</body></html>
`;
}

/**
 * The Content-Security-Policy of a page: nothing but its own style blocks (by hash, so no inline
 * script or injected style can run) and the images it names (by origin); never framed.
 */
function csp(body: string): string {
  const styles = [...body.matchAll(/<style>([^<]*)<\/style>/g)].map(
    (m) =>
      `'sha256-${createHash('sha256')
        .update(m[1] ?? '')
        .digest('base64')}'`,
  );
  const images = new Set<string>();
  for (const m of body.matchAll(/<img src="([^"]*)"/g)) {
    const u = pageUrl(
      (m[1] ?? '')
        .replace(/&amp;/g, '&')
        .replace(/&#39;/g, "'")
        .replace(/&quot;/g, '"'),
    );
    if (u !== undefined) images.add(new URL(u).origin);
  }
  // No form-action: browsers apply it to the redirect after the code, which leads to the app's host.
  return (
    `default-src 'none'; style-src ${styles.length === 0 ? "'none'" : styles.join(' ')}; ` +
    `img-src ${images.size === 0 ? "'none'" : [...images].join(' ')}; base-uri 'none'; frame-ancestors 'none'`
  );
}

/** An HTML answer of the team domain: no caching, no framing, no scripts, no referrer. */
export function html(status: number, body: string, headers: string[] = []): AccessAnswer {
  return {
    status,
    headers: [
      'content-type',
      'text/html; charset=utf-8',
      'cache-control',
      'no-store',
      'x-frame-options',
      'DENY',
      'x-content-type-options',
      'nosniff',
      'referrer-policy',
      'no-referrer',
      'content-security-policy',
      csp(body),
      ...headers,
    ],
    body,
  };
}
