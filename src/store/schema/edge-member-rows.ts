/**
 * One running edge process (`warren edge`, `warren serve`, or one worker of either): its name is
 * the Cf-Ray suffix and the `colo_name` of the tunnel connections it holds; `peer_address` is
 * where the other edges reach it to forward a visitor request to one of its links.
 */
export interface EdgeMemberRow {
  id: string;
  name: string;
  /** HOST:PORT of its edge-to-edge listener. */
  peer_address: string;
  started_at: string;
  /** Refreshed every second or so; a member silent for a few seconds is gone, and its connections with it. */
  heartbeat_at: string;
}

/** The deployment's one edge CA: every edge issues its tunnel and peer certificates from it. */
export interface EdgeAuthorityRow {
  /** Always `edge-ca`: one row. */
  id: string;
  certificate: string;
  /** PKCS#8 PEM of the CA key, sealed with the store's secret box. */
  key_sealed: string;
  created_on: string;
}
