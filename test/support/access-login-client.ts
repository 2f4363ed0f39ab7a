import { type VisitResult, visit } from './visit.js';

/**
 * A visitor with a cookie jar, for Access login flows through the edge's visitor port: every
 * URL's host goes into the Host header, the request goes to 127.0.0.1:<port>; redirects are
 * not followed (the tests check each one).
 */
export class AccessBrowser {
  readonly port: number;
  /** host → cookie name → value */
  readonly jar = new Map<string, Map<string, string>>();

  constructor(port: number) {
    this.port = port;
  }

  async request(
    url: string,
    options: { method?: string; headers?: Record<string, string>; form?: Record<string, string> } = {},
  ): Promise<VisitResult> {
    const u = new URL(url);
    const host = u.hostname;
    const cookies = [...(this.jar.get(host) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
    const headers: Record<string, string> = { ...options.headers };
    if (cookies !== '') headers.cookie = cookies;
    let body: string | undefined;
    if (options.form !== undefined) {
      body = new URLSearchParams(options.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const r = await visit(this.port, u.host, `${u.pathname}${u.search}`, {
      method: options.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const set = r.headers['set-cookie'];
    for (const c of Array.isArray(set) ? set : set === undefined ? [] : [set]) {
      const [pair = ''] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const m = this.jar.get(host) ?? new Map<string, string>();
      if (/;\s*max-age=0/i.test(c)) m.delete(name);
      else m.set(name, value);
      this.jar.set(host, m);
    }
    return r;
  }

  /** The value of a hidden or other input named `name` in an HTML page. */
  static field(html: string, name: string): string {
    const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
    if (m === null) throw new Error(`no field ${name} in the page`);
    return (m[1] as string).replace(/&amp;/g, '&').replace(/&quot;/g, '"');
  }
}
