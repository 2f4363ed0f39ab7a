import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { HeadError, type MuxStream } from '../protocol/index.js';
import { type AccessAnswer, writeRawAccessAnswer } from './access/access-answer.js';
import type { AccessVerdict } from './access/access-edge.js';
import type { EdgeMetrics } from './edge-metrics.js';
import { VISITOR_ERRORS, type VisitorError, visitorErrorFor } from './error-page.js';
import { serializeHead, writeRawError } from './raw-response.js';
import { type EdgeLink, openLinkStream } from './registration/edge-link.js';
import type { RequestTarget } from './request-target.js';
import { frameResponse, frameSwitchingResponse } from './response-framing.js';
import type { VisitorRequest } from './visit.js';

/** The link for a Host (or absolute-form authority), or the error page when there is none. */
export type RouteFn = (hostHeader: string | undefined) => { link: EdgeLink; host: string } | { error: VisitorError };

/** The origin's header list, or undefined for a request with two Host headers. */
export type RequestHeadersFn = (
  req: VisitorRequest,
  ray: string,
  link: EdgeLink,
  upgrade: boolean,
  authority: string | undefined,
  access: string[] | undefined,
) => string[] | undefined;

/** What an upgrade request needs of the visitor proxy (VisitorProxy hands it over). */
export interface UpgradeContext {
  readonly route: RouteFn;
  readonly requestHeaders: RequestHeadersFn;
  readonly metrics: EdgeMetrics | undefined;
  readonly logger: Logger;
  readonly serviceDomain: string | undefined;
  readonly onLengthMismatch: () => void;
}

/**
 * An upgrade request past the Access gate: one stream that becomes a raw byte pipe after the
 * origin's 101, or an ordinary response written to the raw socket (which then closes).
 */
export function forwardUpgrade(
  p: UpgradeContext,
  req: IncomingMessage,
  socket: Duplex,
  early: Buffer,
  ray: string,
  json: boolean,
  target: RequestTarget,
  v: AccessVerdict,
): void {
  if (socket.destroyed) return;
  if (v !== undefined && !Array.isArray(v)) {
    writeRawAccessAnswer(socket, v as AccessAnswer, ray);
    return;
  }
  const route = p.route(target.authority ?? req.headers.host);
  if ('error' in route) {
    writeRawError(socket, route.error, ray, json);
    return;
  }
  const { link, host } = route;
  const h = p.requestHeaders(req, ray, link, true, target.authority, v);
  if (h === undefined) {
    writeRawError(socket, VISITOR_ERRORS.badRequest('The request has more than one Host header.'), ray, json);
    return;
  }
  let stream: MuxStream;
  try {
    stream = openLinkStream(link, { method: req.method ?? 'GET', path: target.path, headers: h, upgrade: true });
  } catch (err) {
    if (!(err instanceof HeadError)) throw err;
    if (p.metrics !== undefined) p.metrics.headersTooLarge++;
    writeRawError(socket, VISITOR_ERRORS.headersTooLarge(), ray, json);
    return;
  }
  let switched = false;
  const refuse = (why: string): void => {
    if (p.metrics !== undefined) p.metrics.badResponses++;
    stream.reset('WARREN_ORIGIN_ERROR', `the edge refused the response: ${why}`);
    p.logger.info({ rayId: ray, tunnelId: link.tunnelId, reason: why }, 'connector response refused');
    writeRawError(socket, VISITOR_ERRORS.originFailed(), ray, json);
  };
  stream.onResponse = (rh) => {
    let headers: string[];
    let length = -1;
    if (rh.status === 101) {
      headers = frameSwitchingResponse(rh.headers, host, p.serviceDomain);
    } else if (rh.status < 200) {
      refuse(`an interim ${rh.status} to an upgrade request`);
      return;
    } else {
      const framed = frameResponse(rh.headers, host, p.serviceDomain);
      if (typeof framed === 'string') {
        refuse(framed);
        return;
      }
      headers = framed.headers;
      length = req.method === 'HEAD' || rh.status === 204 || rh.status === 304 ? 0 : framed.length;
      headers.push('connection', 'close');
    }
    headers.push('cf-ray', ray);
    let rawHead: string;
    try {
      rawHead = serializeHead(rh.status, headers);
    } catch (err) {
      refuse(`invalid response header (${(err as Error).message})`);
      return;
    }
    socket.write(rawHead);
    stream.onLengthMismatch = p.onLengthMismatch;
    stream.pipeTo(socket, length);
    if (rh.status === 101) {
      switched = true;
      p.metrics?.switched(socket);
      if (early.length > 0) stream.write(early);
      stream.pipeFrom(socket);
    } else {
      stream.end();
    }
  };
  stream.onReset = (reset) => {
    if (!switched) writeRawError(socket, visitorErrorFor(reset), ray, json);
    else socket.destroy();
  };
  socket.once('close', () => {
    if (!stream.closed) stream.reset('WARREN_STREAM_RESET', 'the visitor went away');
  });
}
