import type { X509Certificate } from 'node:crypto';
import type { Logger } from 'pino';
import type { AccessAppRow, AccessPolicyRow, AccessServiceTokenRow, Store } from '../store/index.js';
import type { AccessGroupDef, AccessIdentity } from './access-rule.js';
import { type AppDomain, appCoversHost, matchApp, parseAppDomain } from './app-matcher.js';
import {
  parseCertificate,
  rulesNameCertificate,
  type TrustedClientCa,
  type VerifiedClientCertificate,
  verifyClientCertificate,
} from './client-certificate.js';
import { type AccessPolicyDef, evaluatePolicies, type PolicyVerdict } from './policy-engine.js';
import { serviceSecretValid } from './service-token-check.js';

/** An application as the gate sees it: matched by domain, with its policies in evaluation order. */
export interface GateApp {
  id: string;
  accountId: string;
  aud: string;
  name: string;
  domain: AppDomain;
  /** `<team>.access.<domain>` of the app's account, when its organization exists. */
  teamDomain: string | undefined;
  /** Sessions (tokens) issued before this are refused (`POST …/revoke_tokens`). */
  tokensRevokedAt: string | undefined;
  /** Every Cloudflare field of the app (session_duration, cookie attributes, allowed_idps …). */
  settings: Readonly<Record<string, unknown>>;
  policies: readonly AccessPolicyDef[];
  /** Whether a policy (or a group it names) has a `certificate` or `common_name` rule: the edge asks for a client certificate. */
  usesCertificate: boolean;
}

/** A full reload this often regardless of the change feed (ms): a notification can be lost, and
 * SQLite has no cross-process feed (`warren admin move-zone` writes from another process). */
const SAFETY_RELOAD_MS = 60_000; // 1 minute, as the routing caches
/** How long one connection's client certificate verdict is reused (ms): bounds a lapse of validity. */
const CERT_VERDICT_TTL_MS = 60_000; // 1 minute

interface Snapshot {
  /** Apps by exact host, and wildcard apps by the suffix after `*.`; groups by `<account>:<id>`. */
  exact: Map<string, GateApp[]>;
  wildcard: Map<string, GateApp[]>;
  groups: Map<string, AccessGroupDef>;
  /** Service tokens by client id. */
  serviceTokens: Map<string, AccessServiceTokenRow>;
  /** Apps by AUD tag; account ids by team domain (`auth_domain`). */
  byAud: Map<string, GateApp>;
  teams: Map<string, string>;
  /** Uploaded mTLS CAs by account; hosts where some account's CA asks for a client certificate. */
  cas: Map<string, TrustedClientCa[]>;
  mtlsHosts: Set<string>;
}

const EMPTY: Snapshot = {
  exact: new Map(),
  wildcard: new Map(),
  groups: new Map(),
  serviceTokens: new Map(),
  byAud: new Map(),
  teams: new Map(),
  cas: new Map(),
  mtlsHosts: new Set(),
};

function policyDefOf(row: AccessPolicyRow, precedence: number): AccessPolicyDef {
  const d = JSON.parse(row.data) as Pick<AccessPolicyDef, 'decision' | 'include' | 'require' | 'exclude'>;
  return { id: row.id, decision: d.decision, precedence, include: d.include, require: d.require, exclude: d.exclude };
}

/**
 * What the edge's Access gate asks on each request: which app covers this host and path, and what
 * its policies decide for an identity. Everything is in memory (no database read per request) and
 * reloaded when the change feed announces `access` (in this process at once, across processes
 * through PostgreSQL LISTEN/NOTIFY). The edge wires this in; nothing here knows about HTTP.
 */
export class AccessGate {
  readonly #store: Store;
  readonly #certVerdicts = new WeakMap<
    readonly X509Certificate[],
    { cas: readonly TrustedClientCa[]; until: number; verdict: VerifiedClientCertificate | undefined }
  >();
  readonly #logger: Logger | undefined;
  #snapshot: Snapshot = EMPTY;
  #unsubscribe: (() => void) | undefined;
  #safety: NodeJS.Timeout | undefined;
  #loading: Promise<void> | undefined;
  #dirty = false;

  constructor(store: Store, logger?: Logger) {
    this.#store = store;
    this.#logger = logger;
  }

  /**
   * Loads every app, policy and group, then follows the change feed: `access`, and `zones` too,
   * since an app takes effect only while an active zone of its own account owns its domain.
   */
  async start(): Promise<void> {
    this.#unsubscribe = this.#store.feed.subscribe((topic) => {
      if (topic === 'access' || topic === 'zones') void this.reload();
    });
    this.#safety = setInterval(() => void this.reload(), SAFETY_RELOAD_MS);
    this.#safety.unref();
    await this.reload();
  }

  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    if (this.#safety !== undefined) clearInterval(this.#safety);
    this.#safety = undefined;
  }

  /** Reloads now; changes announced during a load cause one more load after it. */
  reload(): Promise<void> {
    if (this.#loading !== undefined) {
      this.#dirty = true;
      return this.#loading;
    }
    this.#loading = this.#load()
      .catch((err: Error) =>
        this.#logger?.error({ err: err.message }, 'access: gate reload failed; keeping the last rules'),
      )
      .finally(() => {
        this.#loading = undefined;
        if (this.#dirty) {
          this.#dirty = false;
          void this.reload();
        }
      });
    return this.#loading;
  }

  /** The app protecting `host` + `path` (most specific domain and path), or undefined: not protected. */
  lookup(host: string, path: string): GateApp | undefined {
    const h = host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
    const candidates = this.hostApps(h);
    return candidates.length === 0 ? undefined : matchApp(candidates, h, path);
  }

  /**
   * The app for a request whose path an origin may read several ways (`views`, see the edge's
   * `gatePath`): `{ app }` when every reading falls under the same app (or none), undefined when
   * they disagree — the request is ambiguous and must be refused.
   */
  lookupViews(host: string, views: readonly string[]): { app: GateApp | undefined } | undefined {
    const candidates = this.hostApps(host);
    if (candidates.length === 0) return { app: undefined };
    const app = matchApp(candidates, host, views[0] ?? '/');
    for (let i = 1; i < views.length; i++) {
      if (matchApp(candidates, host, views[i] as string) !== app) return undefined;
    }
    return { app };
  }

  /** Every app whose domain covers `host` (lower case, no port), whatever its path. */
  hostApps(host: string): GateApp[] {
    const s = this.#snapshot;
    const candidates: GateApp[] = [...(s.exact.get(host) ?? [])];
    for (let dot = host.indexOf('.'); dot !== -1; dot = host.indexOf('.', dot + 1)) {
      candidates.push(...(s.wildcard.get(host.slice(dot + 1)) ?? []));
    }
    return candidates.filter((a) => appCoversHost(a.domain, host));
  }

  /** Whether any app covers `host` (lower case, no port): unprotected hosts stop here, before any path work. */
  protects(host: string): boolean {
    const s = this.#snapshot;
    if (s.exact.has(host)) return true;
    if (s.wildcard.size === 0) return false;
    for (let dot = host.indexOf('.'); dot !== -1; dot = host.indexOf('.', dot + 1)) {
      if (s.wildcard.has(host.slice(dot + 1))) return true;
    }
    return false;
  }

  /** Every app of an account (the team domain's app launcher). */
  appsOf(accountId: string): GateApp[] {
    return [...this.#snapshot.byAud.values()].filter((a) => a.accountId === accountId);
  }

  /** The app with this AUD tag (the login page's `kid`). */
  appByAud(aud: string): GateApp | undefined {
    return this.#snapshot.byAud.get(aud);
  }

  /** The account whose team domain (`<team>.access.D`) is `host` (lower case, no port), if any. */
  teamAccount(host: string): string | undefined {
    return this.#snapshot.teams.get(host);
  }

  /** What the app's policies decide for `who` (groups resolved within the app's account). */
  evaluate(app: GateApp, who: AccessIdentity): PolicyVerdict {
    const groups = this.#snapshot.groups;
    // Keyed by account: a policy can only use groups of its own app's account.
    return evaluatePolicies(app.policies, who, (id) => groups.get(`${app.accountId}:${id}`));
  }

  /**
   * The id of the service token of `CF-Access-Client-Id` / `CF-Access-Client-Secret`, when the
   * pair is valid now (rotation grace included) and the token belongs to the app's account.
   */
  serviceToken(app: GateApp, clientId: string, secret: string, now: Date): string | undefined {
    const row = this.#snapshot.serviceTokens.get(clientId);
    if (row === undefined || row.account_id !== app.accountId) return undefined;
    return serviceSecretValid(row, secret, now) ? row.id : undefined;
  }

  /**
   * Whether the visitor HTTPS listener asks for a client certificate on the SNI name `host`: one
   * of an uploaded CA's `associated_hostnames`, or covered by an app with a certificate rule.
   */
  wantsClientCertificate(host: string): boolean {
    const h = host.toLowerCase().replace(/\.$/, '');
    return this.#snapshot.mtlsHosts.has(h) || this.hostApps(h).some((a) => a.usesCertificate);
  }

  /**
   * The client certificate (chain as sent, leaf first) when it chains to one of the app's account's
   * CAs. A chain is one connection's (the edge keeps one array per socket), so its answer is kept
   * for {@link CERT_VERDICT_TTL_MS} while the account's CA list is the same object: a reload (a CA
   * uploaded or deleted) makes a new list, and the next request verifies again.
   */
  clientCertificate(app: GateApp, chain: readonly X509Certificate[], now: Date): VerifiedClientCertificate | undefined {
    const cas = this.#snapshot.cas.get(app.accountId);
    if (cas === undefined || chain.length === 0) return undefined;
    const kept = this.#certVerdicts.get(chain);
    if (kept !== undefined && kept.cas === cas && now.getTime() < kept.until) return kept.verdict;
    const verdict = verifyClientCertificate(chain, cas, now);
    this.#certVerdicts.set(chain, { cas, until: now.getTime() + CERT_VERDICT_TTL_MS, verdict });
    return verdict;
  }

  async #load(): Promise<void> {
    const a = this.#store.access;
    const [apps, policies, links, groups, orgs, tokens, caRows] = await Promise.all([
      // Only apps whose domain an active zone of their own account owns (the store enforces it).
      a.effectiveApps(),
      a.allPolicies(),
      a.allAppPolicyLinks(),
      a.allGroups(),
      a.allOrganizations(),
      a.allServiceTokens(),
      this.#store.accessCertificates.all(),
    ]);
    const byId = new Map(policies.map((p) => [p.id, p]));
    const teams = new Map(orgs.map((o) => [o.account_id, o.auth_domain]));
    const perApp = new Map<string, AccessPolicyDef[]>();
    for (const p of policies) {
      if (p.app_id !== null) perApp.set(p.app_id, [...(perApp.get(p.app_id) ?? []), policyDefOf(p, p.precedence)]);
    }
    for (const l of links) {
      const p = byId.get(l.policy_id);
      if (p !== undefined) perApp.set(l.app_id, [...(perApp.get(l.app_id) ?? []), policyDefOf(p, l.precedence)]);
    }
    const next: Snapshot = {
      exact: new Map(),
      wildcard: new Map(),
      groups: new Map(),
      serviceTokens: new Map(tokens.map((t) => [t.client_id, t])),
      byAud: new Map(),
      teams: new Map(orgs.map((o) => [o.auth_domain.toLowerCase(), o.account_id])),
      cas: new Map(),
      mtlsHosts: new Set(),
    };
    for (const row of caRows) {
      const cert = parseCertificate(row.certificate);
      if (cert === undefined) continue;
      next.cas.set(row.account_id, [
        ...(next.cas.get(row.account_id) ?? []),
        { id: row.id, accountId: row.account_id, cert },
      ]);
      for (const h of JSON.parse(row.associated_hostnames) as string[]) next.mtlsHosts.add(h.toLowerCase());
    }
    for (const g of groups) {
      const d = JSON.parse(g.data) as Omit<AccessGroupDef, 'id'>;
      next.groups.set(`${g.account_id}:${g.id}`, {
        id: g.id,
        include: d.include,
        require: d.require,
        exclude: d.exclude,
      });
    }
    for (const row of apps) {
      const app = gateApp(row, teams.get(row.account_id), perApp.get(row.id) ?? []);
      const g = (id: string) => {
        const d = next.groups.get(`${row.account_id}:${id}`);
        return d === undefined ? undefined : [d.include, d.require, d.exclude];
      };
      app.usesCertificate = app.policies.some((p) => rulesNameCertificate([p.include, p.require, p.exclude], g));
      const index = app.domain.wildcard ? next.wildcard : next.exact;
      index.set(app.domain.host, [...(index.get(app.domain.host) ?? []), app]);
      next.byAud.set(app.aud, app);
    }
    this.#snapshot = next;
  }
}

function gateApp(row: AccessAppRow, teamDomain: string | undefined, policies: AccessPolicyDef[]): GateApp {
  const settings = JSON.parse(row.data) as Record<string, unknown>;
  return {
    id: row.id,
    accountId: row.account_id,
    aud: row.aud,
    name: typeof settings.name === 'string' ? settings.name : row.domain,
    domain: parseAppDomain(row.domain),
    teamDomain,
    // The app's own column: no PUT of the app reaches it.
    tokensRevokedAt: row.tokens_revoked_at ?? undefined,
    settings,
    policies: policies.sort((x, y) => x.precedence - y.precedence),
    usesCertificate: false,
  };
}
