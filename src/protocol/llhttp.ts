import { createRequire } from 'node:module';

/**
 * node's own llhttp binding (`HTTPParser` from `_http_common`: the parser node's http client and
 * server run on), reached in this one module: the connector reads origin responses with it, the
 * edge reads visitor request heads with it (visitor-lane.ts). It is not a public API:
 * `test/llhttp-shape.test.ts` fails loudly when a node version changes its shape, and CI runs it on
 * node 20 and 22. It is strict (no lenient flags): duplicate or invalid Content-Length, CL with
 * chunked, bad chunk sizes, obs-fold and bare LFs are parse errors, as in node's http client and server.
 */

/** A response head: status, reason, raw header list (name, value, …), and whether the connection may be reused. */
export type OnResponseHead = (status: number, headers: string[], keepAlive: boolean, upgrade: boolean) => number;

interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | Error;
  finish(): Error | undefined;
  close(): void;
  [slot: number]: unknown;
}

interface NativeParserClass {
  new (): NativeParser;
  readonly REQUEST: number;
  readonly RESPONSE: number;
  readonly kOnMessageBegin: number;
  readonly kOnHeaders: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
  readonly kLenientNone: number;
}

const common = createRequire(import.meta.url)('_http_common') as { HTTPParser?: unknown; methods?: unknown };

/** The binding, or the reason it is not usable in this node (then origins keep node's http client). */
function load(): NativeParserClass | string {
  const P: unknown = common.HTTPParser;
  if (typeof P !== 'function') return `_http_common.HTTPParser is ${typeof P}`;
  const statics = P as unknown as Record<string, unknown>;
  if (!Array.isArray(common.methods) || common.methods[1] !== 'GET')
    return '_http_common.methods is not the method list';
  for (const k of [
    'REQUEST',
    'RESPONSE',
    'kOnMessageBegin',
    'kOnHeaders',
    'kOnHeadersComplete',
    'kOnBody',
    'kOnMessageComplete',
    'kLenientNone',
  ])
    if (typeof statics[k] !== 'number') return `HTTPParser.${k} is not a number`;
  const proto = (P as { prototype: Record<string, unknown> }).prototype;
  for (const m of ['initialize', 'execute', 'finish', 'close'])
    if (typeof proto[m] !== 'function') return `HTTPParser#${m} is missing`;
  return P as NativeParserClass;
}

const native = load();

/** Method names by llhttp's method number. */
const METHODS = (common.methods ?? []) as readonly string[];

/** Why node's parser cannot be used here, or undefined when it can. */
export const parserUnavailable: string | undefined = typeof native === 'string' ? native : undefined;

const RESOURCE = {};

/**
 * What node's parser hands over of a head before the head completes (`kOnHeaders`: when a head
 * has many fields or spans reads): the fields, and for a request the target's pieces.
 */
class HeadPieces {
  #fields: string[] | undefined;
  #url = '';

  readonly add = (fields: string[], url?: string): void => {
    this.#fields = this.#fields === undefined ? fields : this.#fields.concat(fields);
    if (url !== undefined) this.#url += url;
  };

  /** The whole field list, given the last piece from `kOnHeadersComplete`; the pieces are then forgotten. */
  fields(last: string[] | undefined): string[] {
    const earlier = this.#fields;
    this.#fields = undefined;
    return earlier === undefined ? (last ?? []) : earlier.concat(last ?? []);
  }

  /** The whole target, given its last piece. */
  url(last: string | undefined): string {
    const earlier = this.#url;
    this.#url = '';
    return earlier + (last ?? '');
  }

  clear(): void {
    this.#fields = undefined;
    this.#url = '';
  }
}

/**
 * One HTTP/1.x response parser (per origin connection, reused across its responses). Callbacks run
 * synchronously inside `execute`: `onBegin` at the first byte of each response. `onHead` returns 1 to say that no body follows (a HEAD request), else 0.
 */
export class ResponseParser {
  readonly #p: NativeParser;
  readonly #pieces = new HeadPieces();

  constructor(onBegin: () => void, onHead: OnResponseHead, onBody: (chunk: Buffer) => void, onComplete: () => void) {
    if (typeof native === 'string') throw new Error(`node's HTTP parser is not usable: ${native}`);
    const p = new native();
    p.initialize(native.RESPONSE, RESOURCE, 0, native.kLenientNone);
    p[native.kOnMessageBegin] = onBegin;
    p[native.kOnHeaders] = this.#pieces.add;
    p[native.kOnHeadersComplete] = (
      _major: number,
      _minor: number,
      headers: string[] | undefined,
      _method: unknown,
      _url: unknown,
      status: number,
      _reason: string,
      upgrade: boolean,
      keepAlive: boolean,
    ): number => onHead(status, this.#pieces.fields(headers), keepAlive, upgrade);
    p[native.kOnBody] = onBody;
    p[native.kOnMessageComplete] = onComplete;
    this.#p = p;
  }

  /** Parses bytes from the origin: an Error for a malformed response (the connection is then unusable). */
  execute(data: Buffer): Error | undefined {
    const r = this.#p.execute(data);
    return typeof r === 'number' ? undefined : r;
  }

  /** The origin closed the connection: ends a body read until close, or an Error when a response was cut short. */
  finish(): Error | undefined {
    const r = this.#p.finish();
    return r instanceof Error ? r : undefined;
  }

  close(): void {
    this.#p.close();
  }
}

/**
 * A request head: method, target, raw header list (name, value, …), HTTP minor version, whether
 * the connection may be reused after it, and whether it asks for an upgrade (or is a CONNECT).
 */
export type OnRequestHead = (
  method: string,
  url: string,
  headers: string[],
  minor: number,
  keepAlive: boolean,
  upgrade: boolean,
) => void;

/**
 * Reads one HTTP/1.x request head at a time (per visitor connection). `execute` stops right after
 * a complete head and returns how many bytes it took, so the caller knows where the head ended
 * and decides about the body itself (the parser skips it); `reset` readies it for the next head.
 * A head that does not complete in `data` is kept by the parser: `execute` returns data's length.
 */
export class RequestParser {
  readonly #p: NativeParser;
  readonly #maxHeaderSize: number;
  readonly #pieces = new HeadPieces();

  constructor(maxHeaderSize: number, onHead: OnRequestHead) {
    if (typeof native === 'string') throw new Error(`node's HTTP parser is not usable: ${native}`);
    const p = new native();
    this.#maxHeaderSize = maxHeaderSize;
    p.initialize(native.REQUEST, RESOURCE, maxHeaderSize, native.kLenientNone);
    p[native.kOnHeaders] = this.#pieces.add;
    p[native.kOnHeadersComplete] = (
      _major: number,
      minor: number,
      headers: string[] | undefined,
      method: number,
      url: string | undefined,
      _status: unknown,
      _reason: unknown,
      upgrade: boolean,
      keepAlive: boolean,
    ): number => {
      onHead(METHODS[method] ?? '', this.#pieces.url(url), this.#pieces.fields(headers), minor, keepAlive, upgrade);
      return 2; // stop after the head: execute returns the offset of its end
    };
    this.#p = p;
  }

  /** Bytes taken (up to the end of a head, or all of `data`), or the Error for a malformed head. */
  execute(data: Buffer): number | Error {
    return this.#p.execute(data);
  }

  /** Forgets the head just read: the next byte starts a new request. */
  reset(): void {
    this.#pieces.clear();
    const n = native as NativeParserClass; // the constructor threw otherwise
    this.#p.initialize(n.REQUEST, RESOURCE, this.#maxHeaderSize, n.kLenientNone);
  }

  close(): void {
    this.#p.close();
  }
}
