import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { issueEdgeLeaf } from '../pki/index.js';
import { DEFAULT_INITIAL_WINDOW } from '../protocol/index.js';
import type { Store } from '../store/index.js';
import type { SharedEdgeCa } from './registration/edge-authority.js';
import { EdgeMembership } from './registration/edge-membership.js';
import { PeerListener } from './registration/peer-listener.js';
import { PeerDirectory } from './routing/peer-directory.js';
import type { TunnelRegistry } from './routing/tunnel-registry.js';

export interface EdgeClusterOptions {
  store: Store;
  /** The Cf-Ray suffix and `colo_name`: unique among the running edges. */
  edgeName: string;
  /** Where the edge-to-edge listener binds, and its port (0: any free one). */
  bind: string;
  peerPort: number;
  /** What the other edges dial (default `bind`, or 127.0.0.1 when `bind` is a wildcard). */
  peerHost?: string | undefined;
  ca: SharedEdgeCa;
  registry: TunnelRegistry;
  /** This edge's rows were swept while it was silent: record its links again. */
  onRejoined: () => void;
  logger: Logger;
}

/**
 * One edge among several on one PostgreSQL (issue 23): its membership row with heartbeats, the
 * edge-to-edge listener other edges forward requests to, and the directory of the other edges'
 * links that this edge's registry falls back to when it holds no link of a tunnel.
 */
export class EdgeCluster {
  readonly membership: EdgeMembership;
  readonly peers: PeerDirectory;
  readonly listener: PeerListener;
  readonly peerAddress: string;

  private constructor(membership: EdgeMembership, peers: PeerDirectory, listener: PeerListener, peerAddress: string) {
    this.membership = membership;
    this.peers = peers;
    this.listener = listener;
    this.peerAddress = peerAddress;
  }

  static async start(o: EdgeClusterOptions): Promise<EdgeCluster> {
    const host = o.peerHost ?? (o.bind === '0.0.0.0' || o.bind === '::' ? '127.0.0.1' : o.bind);
    const leaf = await issueEdgeLeaf(o.ca, [host, o.bind], true);
    const peerTls = { caPem: o.ca.caPem, certPem: leaf.certPem, keyPem: leaf.keyPem };
    const listener = new PeerListener({
      bind: o.bind,
      port: o.peerPort,
      tls: peerTls,
      registry: o.registry,
      initialWindow: DEFAULT_INITIAL_WINDOW,
      logger: o.logger,
    });
    const port = await listener.listen();
    const peerAddress = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const id = randomUUID();
    const membership = new EdgeMembership(o.store, { id, name: o.edgeName, peerAddress }, o.logger, o.onRejoined);
    try {
      await membership.start();
    } catch (err) {
      listener.close();
      throw err;
    }
    const peers = new PeerDirectory({
      store: o.store,
      selfId: id,
      tls: peerTls,
      initialWindow: DEFAULT_INITIAL_WINDOW,
      logger: o.logger,
    });
    await peers.start();
    o.registry.peers = peers;
    return new EdgeCluster(membership, peers, listener, peerAddress);
  }

  /** Leaves the membership: other edges stop forwarding here (requests already relayed go on). */
  async leave(): Promise<void> {
    await this.membership.close();
  }

  /** Closes the edge-to-edge links (after `leave` and the edge's drain). */
  close(): void {
    this.peers.close();
    this.listener.close();
  }
}
