import { PassThrough } from 'node:stream';
import { HeadError, type MuxStream, type RequestHead } from '../../protocol/index.js';
import { mayReplay } from '../may-replay.js';
import type { TunnelRegistry } from '../routing/tunnel-registry.js';

/** Header names appended, in this order and last, to a request another edge forwards. */
export const PEER_TUNNEL_HEADER = 'warren-peer-tunnel';
export const PEER_CONNECTION_HEADER = 'warren-peer-connection';

/** The head a forwarding edge sends: the visitor's request as the origin gets it, plus the tunnel and the link it chose. */
export function peerHead(head: RequestHead, tunnelId: string, connectionId: string): RequestHead {
  return { ...head, headers: [...head.headers, PEER_TUNNEL_HEADER, tunnelId, PEER_CONNECTION_HEADER, connectionId] };
}

/**
 * The holding edge's side of a forwarded request: the edge that received it did the routing and
 * the Access check and built the origin's headers; this edge only opens the same request on its
 * link (the one named if it is still usable, else another of the tunnel's) and relays bytes and
 * resets both ways, with each hop's flow control pushing back through the pipes between them.
 */
export function relayToLink(registry: TunnelRegistry, inbound: MuxStream, head: RequestHead): void {
  const h = head.headers;
  const n = h.length;
  const tunnelId = h[n - 3];
  const connectionId = h[n - 1];
  if (
    n < 4 ||
    h[n - 4] !== PEER_TUNNEL_HEADER ||
    h[n - 2] !== PEER_CONNECTION_HEADER ||
    tunnelId === undefined ||
    connectionId === undefined
  ) {
    inbound.reset('WARREN_REQUEST_INVALID', 'a forwarded request must end with the tunnel and connection it is for');
    return;
  }
  // Never forwarded again: a request that reached the holder is served by its own links or refused.
  const link = registry.linkById(tunnelId, connectionId) ?? registry.pickLocal(tunnelId);
  if (link === undefined) {
    inbound.reset('WARREN_SHUTTING_DOWN', 'this edge holds no usable link of the tunnel any more');
    return;
  }
  const upstream: RequestHead = { ...head, headers: h.slice(0, n - 4) };
  let out: MuxStream;
  try {
    out = link.conn.openStream(upstream);
  } catch (err) {
    if (!(err instanceof HeadError)) throw err;
    inbound.reset('WARREN_REQUEST_INVALID', err.message);
    return;
  }
  // This edge's stall watch may move it to another of its links, as for its own visitors.
  out.replayable = mayReplay(head.method, head.endOfStream !== true);
  if (head.endOfStream !== true) {
    const up = new PassThrough();
    inbound.pipeTo(up);
    out.pipeFrom(up);
  }
  out.onResponse = (rh) => {
    inbound.respond(rh);
    if (rh.endOfStream === true) return;
    const down = new PassThrough();
    out.pipeTo(down);
    inbound.pipeFrom(down);
  };
  out.onReset = (reset) => inbound.reset(reset.code, reset.message);
  inbound.onReset = (reset) => out.reset(reset.code, reset.message);
}
