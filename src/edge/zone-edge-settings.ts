import type { Logger } from 'pino';
import { FeedCache, owningZoneIn, type Store } from '../store/index.js';

const RELOAD_DEBOUNCE_MS = 20; // 20 ms: a burst of PATCHes causes one reload
const RELOAD_SAFETY_MS = 60_000; // 60 seconds: reload anyway, in case a notification was lost

export const MIN_TLS_VERSIONS = ['1.0', '1.1', '1.2', '1.3'] as const;
export type MinTlsVersion = (typeof MIN_TLS_VERSIONS)[number];

/** Cloudflare's `security_header` value: HSTS and nosniff. */
export interface SecurityHeader {
  strict_transport_security: {
    enabled: boolean;
    max_age: number;
    include_subdomains: boolean;
    preload: boolean;
    nosniff: boolean;
  };
}

/** The settings of one zone the edge enforces. */
export interface ZoneEdgeSettings {
  always_use_https: 'on' | 'off';
  min_tls_version: MinTlsVersion;
  security_header: SecurityHeader;
}

export type ZoneSettingName = keyof ZoneEdgeSettings;
export const ZONE_SETTING_NAMES: readonly ZoneSettingName[] = [
  'always_use_https',
  'min_tls_version',
  'security_header',
];

/** Cloudflare's defaults (what a zone has before any PATCH). */
export function defaultZoneSettings(): ZoneEdgeSettings {
  return {
    always_use_https: 'off',
    min_tls_version: '1.0',
    security_header: {
      strict_transport_security: {
        enabled: false,
        max_age: 0,
        include_subdomains: false,
        preload: false,
        nosniff: false,
      },
    },
  };
}

/** The `Strict-Transport-Security` and `X-Content-Type-Options` headers a zone's HTTPS answers carry. */
export function securityHeaders(s: SecurityHeader): [string, string][] {
  const h = s.strict_transport_security;
  if (!h.enabled) return [];
  const out: [string, string][] = [];
  if (h.max_age >= 0) {
    out.push([
      'strict-transport-security',
      `max-age=${h.max_age}${h.include_subdomains ? '; includeSubDomains' : ''}${h.preload ? '; preload' : ''}`,
    ]);
  }
  if (h.nosniff) out.push(['x-content-type-options', 'nosniff']);
  return out;
}

/** node's `getProtocol()` names by our version ids. */
const PROTOCOL_RANK: Readonly<Record<string, number>> = { TLSv1: 0, 'TLSv1.1': 1, 'TLSv1.2': 2, 'TLSv1.3': 3 };

/** Whether a negotiated protocol (`TLSv1.2`) meets a zone's minimum (`1.3`). */
export function meetsMinTls(protocol: string | null, min: MinTlsVersion): boolean {
  const rank = protocol === null ? undefined : PROTOCOL_RANK[protocol];
  return rank !== undefined && rank >= MIN_TLS_VERSIONS.indexOf(min);
}

/**
 * Every active zone's edge settings, in memory, reloaded when the change feed says
 * `zone_settings` or `zones`; the visitor listeners ask `for(host)` on each request or handshake.
 */
export class ZoneSettingsTable extends FeedCache {
  readonly #store: Store;
  #byZone = new Map<string, ZoneEdgeSettings>();

  constructor(store: Store, logger: Logger) {
    super({
      feed: store.feed,
      topics: ['zone_settings', 'zones'],
      debounceMs: RELOAD_DEBOUNCE_MS,
      safetyMs: RELOAD_SAFETY_MS,
      onError: (err) =>
        logger.warn({ err: (err as Error).message }, 'edge: zone settings reload failed; keeping the previous ones'),
    });
    this.#store = store;
  }

  /** The settings of the zone holding `host` (lower case, no port); undefined: defaults apply. */
  for(host: string | undefined): ZoneEdgeSettings | undefined {
    if (host === undefined || host === '') return undefined;
    return owningZoneIn(host.toLowerCase(), this.#byZone);
  }

  protected async load(): Promise<void> {
    const next = new Map<string, ZoneEdgeSettings>();
    for (const row of await this.#store.zoneSettings.served()) {
      const zone = row.zone_name.toLowerCase();
      let s = next.get(zone);
      if (s === undefined) {
        s = defaultZoneSettings();
        next.set(zone, s);
      }
      const value: unknown = JSON.parse(row.value);
      if (row.name === 'always_use_https' && (value === 'on' || value === 'off')) s.always_use_https = value;
      else if (row.name === 'min_tls_version' && MIN_TLS_VERSIONS.includes(value as MinTlsVersion)) {
        s.min_tls_version = value as MinTlsVersion;
      } else if (row.name === 'security_header' && typeof value === 'object' && value !== null) {
        s.security_header = value as SecurityHeader;
      }
    }
    this.#byZone = next;
  }
}
