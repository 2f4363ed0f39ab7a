import type { Logger } from 'pino';
import type { AuditEntry, Store } from '../store/index.js';
import type { Principal } from './principal.js';

export interface ControlContext {
  store: Store;
  /** Service domain: tunnel CNAME targets are `<uuid>.tunnel.<domain>`. */
  domain: string;
  maxTunnelsPerAccount: number;
  logger: Logger;
}

export function actorOf(p: Principal): AuditEntry['actor'] {
  return { id: p.user.id, email: p.user.email, ip: p.ip, type: 'user' };
}
