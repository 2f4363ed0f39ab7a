/**
 * A request path on a protected host, as the Access gate matches it and the origin receives it.
 *
 * The gate and the origin must agree on which path a request names, or a path the gate reads as
 * public is one the origin serves from a protected folder (`/x/..%2fadmin/secret.txt`). So on a
 * protected host the edge forwards one normal form, and matches the ways origins are known to read
 * what is left of it:
 * - `forward`: escapes of unreserved characters decoded (`%61` → `a`, `%2e` → `.`), other escapes
 *   upper-cased, `\` read as `/` (as browsers do), slashes merged, dot segments resolved, the
 *   fragment dropped; the query passes unchanged.
 * - `views`: `forward`'s path fully decoded, lower case, read every way origins are known to read it,
 *   as a product of independent choices (see addReadings): `%2F` and `%5C` each as a literal
 *   character (routers matching raw segments; Python's http.server for `\`) or a separator; dot
 *   segments resolved (file servers: Python's http.server, node's `send`) or not (string-prefix
 *   routers); `;params` removed per segment (servlet containers) or not; trailing dots and spaces
 *   removed per segment (Windows) or not; and all of it again on the path decoded twice. The gate
 *   refuses a request whose views fall under different applications (400), and serves
 *   `/cdn-cgi/access/*` itself when any view lies there.
 */
export interface GatePath {
  /** Path and query for the origin (origin-form). */
  forward: string;
  /** The distinct readings of `forward`'s path the gate checks (lower case, decoded; never empty). */
  views: string[];
  /** The canonical reading (separators resolved): the one `/cdn-cgi/access/*` endpoints are named by. */
  canonical: string;
}

export type GatePathResult = GatePath | { error: string };

const HEX = /^[0-9a-fA-F]{2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function unreserved(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) || // A-Z
    (b >= 0x61 && b <= 0x7a) || // a-z
    (b >= 0x30 && b <= 0x39) || // 0-9
    b === 0x2d || // -
    b === 0x2e || // .
    b === 0x5f || // _
    b === 0x7e // ~
  );
}

/**
 * RFC 3986 §5.2.4 on `/`-separated segments, with empty segments merged first: `/a//../b` is `/b`
 * (what file servers do), and `..` never climbs above the root. A path ending in a dot segment or
 * a slash keeps its trailing slash.
 */
function resolveDots(path: string): string {
  const out: string[] = [];
  const parts = path.split('/');
  let trailing = false;
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i] as string;
    trailing = i === parts.length - 1 && (seg === '' || seg === '.' || seg === '..');
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  const joined = `/${out.join('/')}`;
  return trailing && out.length > 0 ? `${joined}/` : joined;
}

/** How one reading treats an encoded `/` (`%2F`) and an encoded `\\` (`%5C`): a separator, or a literal character. */
interface SlashReading {
  slash: boolean;
  backslash: boolean;
}

const SLASH_READINGS: readonly SlashReading[] = [
  { slash: false, backslash: false },
  { slash: true, backslash: true },
  { slash: true, backslash: false },
  { slash: false, backslash: true },
];

/**
 * Percent-decodes `s` (invalid escapes stay as they are: only the second decoding meets them).
 * An escaped `/` or `\\` becomes a separator where `how` says so, and otherwise stays escaped
 * (lower case), a character inside its segment.
 */
function decode(s: string, how: SlashReading): string {
  if (!s.includes('%')) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 /* % */ && HEX.test(s.slice(i + 1, i + 3))) {
      const b = Number.parseInt(s.slice(i + 1, i + 3), 16);
      if ((b === 0x2f && !how.slash) || (b === 0x5c && !how.backslash)) {
        bytes.push(37, ...Buffer.from(s.slice(i + 1, i + 3).toLowerCase(), 'latin1'));
      } else bytes.push(b === 0x5c ? 0x2f : b);
      i += 2;
    } else if (c < 0x80) bytes.push(c);
    else {
      // A character the first decoding produced (the second decoding meets these): its UTF-8 bytes.
      const cp = s.codePointAt(i) as number;
      for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b);
      if (cp > 0xffff) i++;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Each segment with `f` applied (between `/`s), then dots resolved. */
function perSegment(path: string, f: (seg: string) => string): string {
  return resolveDots(
    path
      .split('/')
      .map((seg) => (seg === '.' || seg === '..' ? seg : f(seg)))
      .join('/'),
  );
}

const stripParams = (seg: string): string => seg.replace(/;.*$/, '');

/**
 * Adds every reading of `path` an origin might make, as the product of independent choices (origins
 * combine them: Python's http.server decodes `%2F` to a separator but keeps `\\` literal, then
 * resolves `..;` as a name): each encoded slash kind a separator or not; dot segments resolved or
 * not; `;params` removed per segment or not; trailing dots and spaces removed per segment or not;
 * and, `depth` times, all of it again on the path decoded once more.
 */
function addReadings(path: string, views: Set<string>, depth: number): void {
  for (const how of SLASH_READINGS) {
    const d = decode(path, how).toLowerCase();
    views.add(d);
    views.add(resolveDots(d));
    const params = d.includes(';');
    const dots = /[. ](\/|%2f|%5c|$)/.test(d);
    if (params) views.add(perSegment(d, stripParams));
    if (dots) views.add(perSegment(d, windowsName));
    if (params && dots) {
      views.add(perSegment(d, (seg) => windowsName(stripParams(seg))));
      views.add(perSegment(d, (seg) => stripParams(windowsName(seg))));
    }
    if (depth > 1 && d.includes('%')) addReadings(d, views, depth - 1);
  }
}

/** A segment as Windows reads a file name: trailing dots and spaces dropped (`admin.` is `admin`, `.. ` is `..`). */
function windowsName(seg: string): string {
  const name = seg.replace(/[. ]+$/, '');
  if (name !== '') return name;
  return seg.startsWith('..') ? '..' : '.';
}

/**
 * The lower-case path of a target that is already in normal form and reads only one way (no
 * escape, backslash, `;`, fragment, repeated slash, dot segment or segment ending in a dot): most
 * requests, answered in one pass. Undefined: take the long way.
 */
function plainPath(target: string): string | undefined {
  let prev = 47; // the leading '/'
  let end = target.length;
  for (let i = 1; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c === 63 /* ? */) {
      end = i;
      break;
    }
    if (c <= 0x20 || c >= 0x7f || c === 37 /* % */ || c === 92 /* \ */ || c === 59 /* ; */ || c === 35 /* # */) {
      return undefined;
    }
    if (c === 47 && (prev === 47 || prev === 46)) return undefined; // '//', './'
    if (c === 46 && prev === 47) return undefined; // '/.': a dot segment, or a name starting with a dot
    prev = c;
  }
  if (prev === 46) return undefined;
  return target.slice(0, end).toLowerCase();
}

/**
 * The normal form and the readings of a request target's path (see GatePath), or why it is
 * refused: an escape that is not `%` and two hex digits, escapes that do not decode to UTF-8, or
 * a character outside visible ASCII.
 *
 * @example gatePath('/x/..%2fAdmin/%61.txt?q=1') // forward '/x/..%2FAdmin/a.txt?q=1'; views include '/admin/a.txt'
 */
export function gatePath(target: string): GatePathResult {
  if (target.charCodeAt(0) !== 47 /* / */) return { forward: target, views: [target], canonical: target };
  const plain = plainPath(target);
  if (plain !== undefined) return { forward: target, views: [plain], canonical: plain };
  const hash = target.indexOf('#');
  const noFragment = hash === -1 ? target : target.slice(0, hash);
  const q = noFragment.indexOf('?');
  const raw = q === -1 ? noFragment : noFragment.slice(0, q);
  const query = q === -1 ? '' : noFragment.slice(q);
  let norm = '';
  const decoded: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 37 /* % */) {
      const hex = raw.slice(i + 1, i + 3);
      if (!HEX.test(hex)) {
        return { error: 'The path has a "%" that is not followed by two hexadecimal digits; escape it as %25.' };
      }
      const b = Number.parseInt(hex, 16);
      decoded.push(b);
      norm += unreserved(b) ? String.fromCharCode(b) : `%${hex.toUpperCase()}`;
      i += 2;
    } else if (c <= 0x20 || c >= 0x7f) {
      return { error: 'The path has a character outside visible ASCII; percent-encode it as UTF-8.' };
    } else if (c === 92 /* \ */) {
      norm += '/';
      decoded.push(47);
    } else {
      norm += raw[i];
      decoded.push(c);
    }
  }
  try {
    utf8.decode(Buffer.from(decoded));
  } catch {
    return { error: 'The path has percent-escapes that are not UTF-8; encode the path as UTF-8.' };
  }
  const forwardPath = resolveDots(norm);
  const canonical = resolveDots(decode(forwardPath, SLASH_READINGS[1] as SlashReading).toLowerCase());
  const views = new Set<string>();
  addReadings(forwardPath, views, 2);
  views.add(canonical);
  return { forward: `${forwardPath}${query}`, views: [...views], canonical };
}
