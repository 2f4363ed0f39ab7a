import type { IncomingMessage } from 'node:http';
import type { BodySink, MuxStream } from '../protocol/index.js';
import type { EdgeLink } from './registration/edge-link.js';
import type { RequestTarget } from './request-target.js';
import type { VisitorProxy } from './visitor-proxy.js';

/** What the proxy reads of a visitor's request: node's IncomingMessage, or the visitor lane's (visitor-lane.ts). */
export interface VisitorRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly rawHeaders: string[];
  readonly headers: {
    readonly host?: string | undefined;
    readonly accept?: string | undefined;
    readonly 'x-forwarded-for'?: string | string[] | undefined;
    /** What the Access gate reads a session from. */
    readonly cookie?: string | undefined;
    readonly 'cf-access-token'?: string | string[] | undefined;
  };
  /** The whole request (its body too) has arrived. */
  readonly complete: boolean;
  readonly socket: { readonly remoteAddress?: string | undefined };
}

/** What the proxy does with a visitor's response: node's ServerResponse, or the visitor lane's. */
export interface VisitorResponse extends BodySink {
  readonly headersSent: boolean;
  writeHead(status: number, reason: string, headers: string[] | Record<string, string | number>): unknown;
  end(body?: string): unknown;
  on(event: 'close', listener: () => void): unknown;
}

/** One visitor request and its state across the attempts to forward it. */
export class Visit {
  readonly proxy: VisitorProxy;
  readonly req: VisitorRequest;
  readonly res: VisitorResponse;
  /** The request body (node's message), when the request has one. */
  readonly body: IncomingMessage | undefined;
  readonly ray: string;
  readonly hasBody: boolean;
  readonly target: RequestTarget;
  /** The routed hostname (lower case, no port). */
  readonly host: string;
  /** What the Access gate adds (`Cf-Access-Jwt-Assertion`, …); undefined: an unprotected host. */
  readonly accessHeaders: string[] | undefined;
  /** The stream of the current attempt. */
  stream: MuxStream | undefined;
  /** The link this request counts as a bulk transfer on (EdgeLink.bulk), until the visit ends. */
  bulkOn: EdgeLink | undefined;
  /** The request body is large or of unknown length: the request is a bulk transfer from the start. */
  bulkUpload = false;
  attempt = 0;
  /** performance.now() after which the edge answers 504. */
  deadline = 0;
  /** Kept by PendingVisits: in its list, and the neighbours there. */
  pending = false;
  prevPending: Visit | undefined;
  nextPending: Visit | undefined;
  /** Kept by BodyIdleWatch: the visitor socket's bytesRead at the last sweep, and since when it stood still. */
  bodyBytes = 0;
  bodyIdleSince = 0;

  constructor(
    proxy: VisitorProxy,
    req: VisitorRequest,
    res: VisitorResponse,
    body: IncomingMessage | undefined,
    ray: string,
    target: RequestTarget,
    host: string,
    accessHeaders: string[] | undefined,
  ) {
    this.accessHeaders = accessHeaders;
    this.proxy = proxy;
    this.req = req;
    this.res = res;
    this.body = body;
    this.ray = ray;
    this.hasBody = body !== undefined;
    this.target = target;
    this.host = host;
  }

  /** Counts this request as a bulk transfer on `link` (once; moved when it is sent again on another link). */
  markBulk(link: EdgeLink): void {
    if (this.bulkOn === link) return;
    this.unmarkBulk();
    this.bulkOn = link;
    link.bulk = (link.bulk ?? 0) + 1;
  }

  unmarkBulk(): void {
    const link = this.bulkOn;
    if (link === undefined) return;
    this.bulkOn = undefined;
    link.bulk = (link.bulk ?? 1) - 1;
  }
}

/** A body longer than this (or of unknown length: -1, NaN) makes its request a bulk transfer on its link (EdgeLink.bulk). */
const BULK_BODY_BYTES = 256 * 1024;

export function isBulkLength(length: number): boolean {
  return !(length >= 0 && length <= BULK_BODY_BYTES);
}

/**
 * The visits waiting for a response head, in the order they started waiting (which is deadline
 * order: every request gets the same timeout). A list through the visits themselves: adding and
 * removing one costs no hashing and no allocation.
 */
export class PendingVisits {
  #head: Visit | undefined;
  #tail: Visit | undefined;
  size = 0;

  get first(): Visit | undefined {
    return this.#head;
  }

  /** Appends `v` (moved to the end when it is already waiting). */
  add(v: Visit): void {
    if (v.pending) this.delete(v);
    v.pending = true;
    v.prevPending = this.#tail;
    v.nextPending = undefined;
    if (this.#tail === undefined) this.#head = v;
    else this.#tail.nextPending = v;
    this.#tail = v;
    this.size++;
  }

  delete(v: Visit): void {
    if (!v.pending) return;
    v.pending = false;
    const prev = v.prevPending;
    const next = v.nextPending;
    if (prev === undefined) this.#head = next;
    else prev.nextPending = next;
    if (next === undefined) this.#tail = prev;
    else next.prevPending = prev;
    v.prevPending = undefined;
    v.nextPending = undefined;
    this.size--;
  }
}

/** Where attachVisit keeps a response's visit (a response class may declare the slot: no shape change per request). */
export const kVisit = Symbol('warren.visit');
interface VisitCarrier {
  [kVisit]?: Visit;
}

/** One shared listener for every response (no closure per request): it finds its visit on the response. */
function onVisitorClose(this: VisitorResponse): void {
  const visit = (this as VisitCarrier)[kVisit] as Visit;
  visit.proxy.visitorClosed(visit);
}

/** Ties `visit` to its response: when the visitor's response closes, the proxy hears of it. */
export function attachVisit(res: VisitorResponse, visit: Visit): void {
  (res as VisitCarrier)[kVisit] = visit;
  res.on('close', onVisitorClose);
}
