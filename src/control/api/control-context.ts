import type { Logger } from 'pino';
import type { OriginCa } from '../../pki/index.js';
import type { Store, ZoneRow } from '../../store/index.js';
import type { InviteMailer } from '../identity/invite-mailer.js';

export interface ControlContext {
  store: Store;
  /** Service domain: tunnel CNAME targets are `<uuid>.tunnel.<domain>`. */
  domain: string;
  maxTunnelsPerAccount: number;
  logger: Logger;
  /** Signs origin certificates (POST /certificates, `warren login`). */
  originCa: OriginCa;
  /** HOST:PORT of the tunnel listener, written into cert.pem for the connector to dial. */
  edgeAddress: string;
  /** PEM of the CA that signs the tunnel listener's certificate (served at /edge_ca.pem). */
  edgeCaPem: string | undefined;
  /** Mails member invitations (serve's `--smtp-url`); undefined: the inviter copies the link. */
  inviteMailer: InviteMailer | undefined;
  /** How the commands the dashboard shows start: `warren`, or the launcher's absolute path. */
  launcher: string;
  /** Fixed delay before a classic tunnel's records are deleted; undefined: a random point in 24–48 hours per record. */
  classicCleanupAfterMs: number | undefined;
  /** Closes this process's edge links of a tunnel; returns how many (`tunnel cleanup`). */
  dropTunnelLinks: (tunnelId: string, connectorId?: string) => number;
  /** Looks a pending partial zone's verification TXT record up now; true when it went active. */
  verifyZone: (zone: ZoneRow) => Promise<boolean>;
  /** Looks a pending full zone's NS delegation up now; true when it went active. */
  checkDelegation: (zone: ZoneRow) => Promise<boolean>;
  /** Full zones are active on creation (loopback-only deployments), instead of after their activation check. */
  zoneAutoActivate: boolean;
  /** `--pending-zone-expiry` (ms): a pending zone reserves its name this long, then it is removed. */
  pendingZoneExpiryMs: number;
}
