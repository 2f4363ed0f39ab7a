import { Type } from '@sinclair/typebox';
import {
  defaultZoneSettings,
  MIN_TLS_VERSIONS,
  type MinTlsVersion,
  type SecurityHeader,
  ZONE_SETTING_NAMES,
  type ZoneEdgeSettings,
  type ZoneSettingName,
} from '../../edge/index.js';
import type { ZoneSettingRow } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { type ApiRoute, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok } from '../api/envelope.js';
import type { Principal } from '../api/principal.js';
import { audit, byApi } from '../audit/audit-trail.js';
import { zoneFor } from './zone-routes.js';

const MAX_HSTS_AGE_S = 31_536_000 * 2; // two years, the longest max-age browsers' preload lists take

function settingView(name: ZoneSettingName, value: unknown, modified: string | null): Record<string, unknown> {
  return { id: name, value, editable: true, modified_on: modified };
}

function knownName(name: string): ZoneSettingName {
  if ((ZONE_SETTING_NAMES as readonly string[]).includes(name)) return name as ZoneSettingName;
  throw ApiError.notFound(
    `zone setting ${name} (warren enforces ${ZONE_SETTING_NAMES.join(', ')}; others are not kept)`,
  );
}

/** The zone's settings: stored rows over Cloudflare's defaults. */
function current(rows: ZoneSettingRow[]): { values: ZoneEdgeSettings; modified: Map<string, string> } {
  const values = defaultZoneSettings();
  const modified = new Map<string, string>();
  for (const r of rows) {
    if (!(ZONE_SETTING_NAMES as readonly string[]).includes(r.name)) continue;
    Object.assign(values, { [r.name]: JSON.parse(r.value) as unknown });
    modified.set(r.name, r.modified_on);
  }
  return { values, modified };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The new value of `name` from a PATCH body's `value`, or one clear 400. */
function parseValue(name: ZoneSettingName, value: unknown, was: ZoneEdgeSettings): unknown {
  const bad = (what: string) => ApiError.invalid(`value of ${name} ${what}`).at('/value');
  if (name === 'always_use_https') {
    if (value !== 'on' && value !== 'off') throw bad('must be "on" or "off"');
    return value;
  }
  if (name === 'min_tls_version') {
    if (!MIN_TLS_VERSIONS.includes(value as MinTlsVersion)) {
      throw bad(`must be one of ${MIN_TLS_VERSIONS.map((v) => `"${v}"`).join(', ')}`);
    }
    return value;
  }
  // security_header: fields left out keep their value, as Cloudflare merges them.
  const sts = isRecord(value) ? value.strict_transport_security : undefined;
  if (!isRecord(value) || !isRecord(sts) || Object.keys(value).length !== 1) {
    throw bad('must be {"strict_transport_security": {enabled, max_age, include_subdomains, preload, nosniff}}');
  }
  const next: SecurityHeader['strict_transport_security'] = { ...was.security_header.strict_transport_security };
  for (const [k, v] of Object.entries(sts)) {
    if (k === 'max_age') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_HSTS_AGE_S) {
        throw bad(`strict_transport_security.max_age must be whole seconds from 0 to ${MAX_HSTS_AGE_S}`);
      }
      next.max_age = v;
    } else if (k === 'enabled' || k === 'include_subdomains' || k === 'preload' || k === 'nosniff') {
      if (typeof v !== 'boolean') throw bad(`strict_transport_security.${k} must be true or false`);
      next[k] = v;
    } else {
      throw bad(`strict_transport_security has no field ${k}`);
    }
  }
  return { strict_transport_security: next };
}

/**
 * `/zones/{z}/settings` (Cloudflare's shapes) for the settings the edge enforces:
 * `always_use_https` (plain HTTP is redirected), `min_tls_version` (per SNI on the HTTPS port),
 * `security_header` (HSTS on HTTPS answers). Changes reach every edge through `zone_settings`.
 */
export function zoneSettingsRoutes(ctx: ControlContext): ApiRoute[] {
  const { store } = ctx;
  const zoneParams = { zone_id: ID_PARAM };
  const nameParams = { ...zoneParams, setting_id: Type.String({ pattern: '^[a-z0-9_]{1,64}$' }) };
  /** The settings of a zone the caller may read (404 for another account's). */
  const settingsOf = async (p: Principal, zoneId: string) => {
    const zone = await zoneFor(ctx, p, zoneId, 'zone:read');
    return current(await store.zoneSettings.forZone(zone.id));
  };
  return [
    typedRoute({
      method: 'GET',
      url: '/zones/:zone_id/settings',
      summary: 'The zone settings warren enforces at the edge',
      tag: 'Zone Settings',
      params: zoneParams,
      handler: async ({ principal: p, params }) => {
        const { values, modified } = await settingsOf(p, params.zone_id);
        return ok(ZONE_SETTING_NAMES.map((n) => settingView(n, values[n], modified.get(n) ?? null)));
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/zones/:zone_id/settings/:setting_id',
      summary: 'One zone setting',
      tag: 'Zone Settings',
      params: nameParams,
      handler: async ({ principal: p, params }) => {
        const { values, modified } = await settingsOf(p, params.zone_id);
        const name = knownName(params.setting_id);
        return ok(settingView(name, values[name], modified.get(name) ?? null));
      },
    }),
    typedRoute({
      method: 'PATCH',
      url: '/zones/:zone_id/settings/:setting_id',
      summary: 'Changes one zone setting; every edge applies it within a moment',
      tag: 'Zone Settings',
      params: nameParams,
      body: Type.Object({ value: Type.Unknown() }),
      handler: async ({ principal: p, params, body }) => {
        const zone = await zoneFor(ctx, p, params.zone_id, 'zone:write');
        const name = knownName(params.setting_id);
        const row = await store.transaction(async (tx) => {
          const { values } = current(await tx.zoneSettings.forZone(zone.id));
          const value = parseValue(name, body.value, values);
          const written = await tx.zoneSettings.put(zone.id, name, value);
          await audit(tx, byApi(p), {
            accountId: zone.account_id,
            action: 'zone_setting_update',
            resource: { id: zone.id, type: 'zone' },
            metadata: { zone_name: zone.name, setting: name, value },
          });
          return written;
        });
        await store.feed.publish('zone_settings');
        return ok(settingView(name, JSON.parse(row.value), row.modified_on));
      },
    }),
  ];
}
