import type { ConnectorInfo, MuxConnection, MuxStream, RequestHead } from '../../protocol/index.js';

/** One registered connector connection, as the edge sees it. */
export interface EdgeLink {
  readonly conn: MuxConnection;
  readonly connectionId: string;
  readonly tunnelId: string;
  readonly accountId: string | undefined;
  readonly connector: ConnectorInfo;
  readonly originIp: string;
  readonly connectedAt: Date;
  /** Public hostname of a quick tunnel. */
  readonly hostname: string | undefined;
  /** The connector asked to stop receiving new requests (graceful shutdown). */
  draining: boolean;
  /**
   * It owed bytes and answered no probe (LinkStallWatch): no new request is sent on it while
   * another link of the tunnel is usable, until anything arrives from it again. Absent: false.
   */
  stalled?: boolean;
  /**
   * Requests on it whose body is large or of unknown length, in either direction (visitor-proxy.ts
   * counts them while they last): new requests of the replica prefer a link without any, so a small
   * request does not queue behind a bulk transfer on one TCP connection. Absent: 0.
   */
  bulk?: number;
  /**
   * A link held by another edge (routing/peer-directory.ts): `conn` is the edge-to-edge link, and
   * a request is opened with this (it names the tunnel and the connection to the holder).
   */
  openStream?: ((head: RequestHead) => MuxStream) | undefined;
}

/** Opens a request stream on a link: the connector's own link, or through the edge that holds it. */
export function openLinkStream(link: EdgeLink, head: RequestHead): MuxStream {
  return link.openStream === undefined ? link.conn.openStream(head) : link.openStream(head);
}
