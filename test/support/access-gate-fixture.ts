import assert from 'node:assert/strict';
import { eventually } from './eventually.js';
import { type NamedTunnelFixture, startNamedTunnelFixture, untilConnectors } from './named-tunnel-fixture.js';
import { startSmtpCatcher } from './smtp-catcher.js';
import { startTestOrigin, type TestOrigin } from './test-origin.js';
import { visit } from './visit.js';
import type { Proc } from './warren-processes.js';

export type SmtpCatcher = Awaited<ReturnType<typeof startSmtpCatcher>>;

/** serve + tunnel + connector + origin, with an Access app behind a one-time-PIN login. */
export interface AccessGateFixture {
  f: NamedTunnelFixture;
  origin: TestOrigin;
  smtp: SmtpCatcher;
  connector: Proc;
  /** The edge's HTTP port. */
  port: number;
  app: { id: string; aud: string };
  /** `/accounts/{a}/access<p>`. */
  acc(p: string): string;
  stop(): Promise<void>;
}

export interface AccessGateOptions {
  /** The team domain (`auth_domain`). */
  team: string;
  /** The app's domain (a path app: `app.example.com/admin`). */
  domain?: string;
  /** Extra fields of the app (`type`, …). */
  appFields?: Record<string, unknown>;
  /** The e-mail address the app's allow policy names. */
  allow: string;
  /** A path on app.example.com that answers 302 once the edge protects the app. */
  probe?: string;
  /** More set-up before the connector starts (hosts, service tokens, more policies). */
  setup?: (f: NamedTunnelFixture, acc: (p: string) => string, app: { id: string; aud: string }) => Promise<void>;
}

/**
 * The access-gate set-up the end-to-end Access tests share: SMTP catcher, origin, `warren serve`
 * mailing PINs, a team, a PIN IdP, one app allowing `allow`, a connector, and the gate following.
 *
 * @example
 * const g = await startAccessGateFixture({ team: TEAM, allow: 'alice@example.test' });
 * after(() => g.stop());
 */
export async function startAccessGateFixture(o: AccessGateOptions): Promise<AccessGateFixture> {
  const smtp = await startSmtpCatcher();
  const origin = await startTestOrigin();
  const f = await startNamedTunnelFixture(['--smtp-url', smtp.url, '--smtp-from', 'access@warren.test']);
  const acc = (p: string) => `/accounts/${f.accountId}/access${p}`;
  const port = f.serve.httpPort;
  const stopAll = async (connector?: Proc): Promise<void> => {
    await connector?.stop();
    await f.serve.stop();
    await origin.close();
    await smtp.close();
  };
  let connector: Proc | undefined;
  try {
    await f.api('POST', acc('/organizations'), { name: 'Team', auth_domain: o.team });
    await f.api('POST', acc('/identity_providers'), { name: 'PIN', type: 'onetimepin', config: {} });
    const created = await f.api<{ id: string; aud: string }>('POST', acc('/apps'), {
      name: 'App',
      domain: o.domain ?? 'app.example.com',
      ...o.appFields,
    });
    assert.ok(created.success, JSON.stringify(created));
    const app = created.result;
    await f.api('POST', acc(`/apps/${app.id}/policies`), {
      name: 'alice',
      decision: 'allow',
      include: [{ email: { email: o.allow } }],
    });
    await o.setup?.(f, acc, app);
    const running = f.run(['--token', f.token, '--url', origin.url]);
    connector = running;
    await untilConnectors(f, 1);
    // The gate follows the change feed: wait until the app protects its host.
    await eventually(
      async () => (await visit(port, 'app.example.com', o.probe ?? '/echo')).status === 302,
      10_000,
      'app protected',
    );
    return { f, origin, smtp, connector: running, port, app, acc, stop: () => stopAll(running) };
  } catch (err) {
    await stopAll(connector);
    throw err;
  }
}
