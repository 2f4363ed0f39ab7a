import { type Static, Type } from '@sinclair/typebox';
import { pageUrlProblem, parseAppDomain } from '../../access/index.js';
import { ApiError } from '../api/api-error.js';
import { AnyObject, Enum } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { isWithin } from '../zones/hostname.js';

const BOOL = Type.Optional(Type.Boolean());
const STR = Type.Optional(Type.String({ maxLength: 1024 }));
const DURATION = Type.String({
  pattern: '^[0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h)([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))*$',
});

/** The self-hosted application fields warren keeps (Cloudflare's names). */
export const APP_SCHEMA = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 350 })),
  domain: Type.String({ minLength: 1, maxLength: 500 }),
  type: Type.Optional(Type.String()),
  destinations: Type.Optional(
    Type.Array(
      Type.Object(
        { type: Type.Optional(Enum(['public'])), uri: Type.String({ minLength: 1, maxLength: 500 }) },
        { additionalProperties: false },
      ),
      { maxItems: 50 },
    ),
  ),
  self_hosted_domains: Type.Optional(Type.Array(Type.String({ maxLength: 500 }), { maxItems: 50 })),
  session_duration: Type.Optional(DURATION),
  allowed_idps: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })),
  auto_redirect_to_identity: BOOL,
  app_launcher_visible: BOOL,
  cors_headers: Type.Optional(AnyObject()),
  options_preflight_bypass: BOOL,
  http_only_cookie_attribute: BOOL,
  same_site_cookie_attribute: Type.Optional(Enum(['strict', 'lax', 'none'])),
  path_cookie_attribute: BOOL,
  enable_binding_cookie: BOOL,
  service_auth_401_redirect: BOOL,
  skip_interstitial: BOOL,
  read_service_tokens_from_header: STR,
  custom_deny_url: STR,
  custom_deny_message: STR,
  custom_non_identity_deny_url: STR,
  logo_url: STR,
  tags: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50 })),
  policies: Type.Optional(
    Type.Array(
      Type.Union([
        Type.String({ minLength: 1, maxLength: 64 }),
        Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), precedence: Type.Optional(Type.Integer()) }),
      ]),
      { maxItems: 100 },
    ),
  ),
});

export type AppBody = Static<typeof APP_SCHEMA>;

const HOST = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * Normalises an app's domain (`host[/path]`, optional leading `*.`) and checks that its host lies
 * in one of the account's zones: an account cannot put its Access app in front of another
 * account's hostnames.
 */
export async function checkAppDomain(ctx: ControlContext, accountId: string, raw: string): Promise<string> {
  const domain = raw.trim().toLowerCase().replace(/\/+$/, '');
  const d = parseAppDomain(domain);
  const host = `${d.wildcard ? '*.' : ''}${d.host}`;
  if (!HOST.test(host) || /[\s#?]/.test(d.path)) {
    throw ApiError.invalid(
      `domain "${raw}" is not a hostname with an optional path (app.example.com/admin, *.example.com)`,
    );
  }
  const zones = await ctx.store.zones.zonesOfAccount(accountId);
  if (!zones.some((z) => isWithin(d.host, z.name))) {
    throw ApiError.invalid(
      `domain "${raw}" is not in a zone of this account; add the zone first (POST /zones) or use one of: ${zones.map((z) => z.name).join(', ') || 'none yet'}`,
    );
  }
  return domain;
}

/** The policy references of an app body: reusable policy ids with their precedence (list order by default). */
export function policyRefs(body: AppBody): { id: string; precedence: number }[] {
  return (body.policies ?? []).map((p, i) =>
    typeof p === 'string' ? { id: p, precedence: i + 1 } : { id: p.id, precedence: p.precedence ?? i + 1 },
  );
}

/** The app's fields that visitors' pages show or send them to: https URLs only (see pageUrlProblem). */
const PAGE_URL_FIELDS = ['logo_url', 'custom_deny_url', 'custom_non_identity_deny_url'] as const;

/** Refuses a `javascript:`, `data:`, relative or plain-http URL in an app's page fields, naming the field. */
export function checkAppUrls(body: AppBody): void {
  for (const f of PAGE_URL_FIELDS) {
    const v = body[f];
    if (typeof v !== 'string' || v === '') continue;
    const problem = pageUrlProblem(v);
    if (problem !== undefined) {
      throw ApiError.invalid(`${f} ${problem}; give an https:// URL, or leave it empty`).at(`/${f}`);
    }
  }
}
