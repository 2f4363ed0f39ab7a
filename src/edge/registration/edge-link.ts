import type { ConnectorInfo, MuxConnection } from '../../protocol/index.js';

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
}
