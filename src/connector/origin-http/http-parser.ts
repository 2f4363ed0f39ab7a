import { createRequire } from 'node:module';

/**
 * node's own llhttp binding (`HTTPParser` from `_http_common`: the parser node's http client and
 * server run on), reached in this one module. It is not a public API: `test/origin-http-parser-shape.test.ts`
 * fails loudly when a node version changes its shape, and CI runs it on node 20 and 22. It is strict
 * (no lenient flags): duplicate or invalid Content-Length, CL with chunked, bad chunk sizes and
 * obs-fold are parse errors, as in node's http client.
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
  readonly RESPONSE: number;
  readonly kOnMessageBegin: number;
  readonly kOnHeaders: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
  readonly kLenientNone: number;
}

const common = createRequire(import.meta.url)('_http_common') as { HTTPParser?: unknown };

/** The binding, or the reason it is not usable in this node (then origins keep node's http client). */
function load(): NativeParserClass | string {
  const P: unknown = common.HTTPParser;
  if (typeof P !== 'function') return `_http_common.HTTPParser is ${typeof P}`;
  const statics = P as unknown as Record<string, unknown>;
  for (const k of [
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

/** Why node's parser cannot be used here, or undefined when it can. */
export const parserUnavailable: string | undefined = typeof native === 'string' ? native : undefined;

const RESOURCE = {};

/**
 * One HTTP/1.x response parser (per origin connection, reused across its responses). Callbacks run
 * synchronously inside `execute`: `onBegin` at the first byte of each response. `onHead` returns 1 to say that no body follows (a HEAD request), else 0.
 */
export class ResponseParser {
  readonly #p: NativeParser;
  /** Headers of a head longer than one read arrive in pieces before the head completes. */
  #partial: string[] | undefined;

  constructor(onBegin: () => void, onHead: OnResponseHead, onBody: (chunk: Buffer) => void, onComplete: () => void) {
    if (typeof native === 'string') throw new Error(`node's HTTP parser is not usable: ${native}`);
    const p = new native();
    p.initialize(native.RESPONSE, RESOURCE, 0, native.kLenientNone);
    p[native.kOnMessageBegin] = onBegin;
    p[native.kOnHeaders] = (headers: string[]): void => {
      this.#partial = this.#partial === undefined ? headers : this.#partial.concat(headers);
    };
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
    ): number => {
      let all = headers ?? [];
      if (this.#partial !== undefined) {
        all = this.#partial.concat(all);
        this.#partial = undefined;
      }
      return onHead(status, all, keepAlive, upgrade);
    };
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
