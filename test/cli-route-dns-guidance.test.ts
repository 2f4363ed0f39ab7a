import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient } from './support/api-client.js';
import { runCli } from './support/cli-home.js';
import { ADMIN_EMAIL, ADMIN_TOKEN, DIALECTS } from './support/control-harness.js';
import { type ServeHandle, startServe, tempDir } from './support/warren-processes.js';

const DOMAIN = 'warren.localhost';
const sqlite = DIALECTS[0] as (typeof DIALECTS)[number];

interface RouteAnswer {
  cname: string;
  name: string;
  dns_setup: {
    zone_status: string;
    name_servers?: string[];
    cname?: { type: string; name: string; content: string };
    instructions: string[];
  };
}

describe('warren tunnel route dns says what to set outside warren (pending full zone, partial zone)', () => {
  let serve: ServeHandle;
  let db: Awaited<ReturnType<typeof sqlite.fresh>>;
  let account: string;
  const zones: Record<string, string> = {};
  const home = tempDir('warren-home-');
  const api = apiClient(() => serve.apiBase);

  before(async () => {
    db = await sqlite.fresh();
    // As a public deployment: full zones wait for their delegation.
    serve = await startServe({
      dataDir: db.dataDir,
      args: ['--no-zone-auto-activate', '--dns-port', '0'],
      env: { WARREN_ADMIN_EMAIL: ADMIN_EMAIL, WARREN_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    account = (await api<{ id: string }[]>('GET', '/accounts')).result[0]?.id as string;
    for (const [name, type] of [
      ['pending.test', 'full'],
      ['part.test', 'partial'],
    ] as const) {
      const z = await api<{ id: string; status: string; name_servers: string[] }>('POST', '/zones', {
        account: { id: account },
        name,
        type,
      });
      assert.equal(z.success, true, JSON.stringify(z.errors));
      assert.equal(z.result.status, 'pending');
      zones[name] = z.result.id;
    }
    const login = await runCli(home, [
      'login',
      '--api',
      serve.apiBase,
      '--api-token',
      ADMIN_TOKEN,
      '--zone',
      'pending.test',
    ]);
    assert.equal(login.code, 0, login.stderr);
    const created = await runCli(home, ['tunnel', 'create', 'web']);
    assert.equal(created.code, 0, created.stderr);
  });
  after(async () => {
    await serve?.stop('SIGKILL');
    await db?.drop();
  });

  test('a pending full zone: the zone lists ns1/ns2 and route dns names them as the registrar step', async () => {
    const z = await api<{ name_servers: string[] }>('GET', `/zones/${zones['pending.test']}`);
    assert.deepEqual(z.result.name_servers, [`ns1.${DOMAIN}`, `ns2.${DOMAIN}`]);
    const routed = await runCli(home, ['tunnel', 'route', 'dns', 'web', 'app.pending.test']);
    assert.equal(routed.code, 0, routed.stderr);
    assert.match(routed.stdout, /Added CNAME app\.pending\.test which will route to this tunnel/);
    assert.match(
      routed.stdout,
      /^Next: zone pending\.test is pending: at its registrar, set its name servers to ns1\.warren\.localhost and ns2\.warren\.localhost/m,
    );
  });

  test('a partial zone: route dns and the API name the CNAME <host> → <host>.cdn.<domain> to create at the provider', async () => {
    // cert.pem's token covers its own zone: a second login for the partial zone.
    const partHome = tempDir('warren-home-');
    const login = await runCli(partHome, [
      'login',
      '--api',
      serve.apiBase,
      '--api-token',
      ADMIN_TOKEN,
      '--zone',
      'part.test',
    ]);
    assert.equal(login.code, 0, login.stderr);
    const routed = await runCli(partHome, ['tunnel', 'route', 'dns', 'web', 'shop.part.test']);
    assert.equal(routed.code, 0, routed.stderr);
    assert.match(
      routed.stdout,
      /^Next: at the DNS provider of part\.test, create shop\.part\.test CNAME shop\.part\.test\.cdn\.warren\.localhost$/m,
    );
    assert.match(
      routed.stdout,
      /^Next: zone part\.test is pending: at its DNS provider, create TXT warren-verify\.part\.test "/m,
    );

    const tunnel = (await api<{ id: string }[]>('GET', `/accounts/${account}/cfd_tunnel?name=web`)).result[0]?.id;
    const r = await api<RouteAnswer>('PUT', `/zones/${zones['part.test']}/tunnels/${tunnel}/routes`, {
      type: 'dns',
      user_hostname: 'api.part.test',
    });
    assert.equal(r.success, true, JSON.stringify(r.errors));
    assert.deepEqual(r.result.dns_setup.cname, {
      type: 'CNAME',
      name: 'api.part.test',
      content: `api.part.test.cdn.${DOMAIN}`,
    });
    const full = await api<RouteAnswer>('PUT', `/zones/${zones['pending.test']}/tunnels/${tunnel}/routes`, {
      type: 'dns',
      user_hostname: 'api.pending.test',
    });
    assert.deepEqual(full.result.dns_setup.name_servers, [`ns1.${DOMAIN}`, `ns2.${DOMAIN}`]);
    assert.equal(full.result.dns_setup.cname, undefined);
  });

  test("a hostname in another zone of the account than cert.pem's: route dns says to log in for that zone, not which token policy refused it", async () => {
    const routed = await runCli(home, ['tunnel', 'route', 'dns', 'web', 'other.part.test']);
    assert.notEqual(routed.code, 0);
    assert.match(
      routed.stderr,
      /other\.part\.test is in another zone than the one \S+cert\.pem was issued for.*log in for the zone of other\.part\.test \(`warren login --zone <that zone>`/,
    );
    assert.doesNotMatch(routed.stderr, /policies|permission group/);
  });
});
