import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Cloudflare from 'cloudflare';
import { parseAppDomain } from '../src/access/index.js';
import { createUserWithToken, SUPER_ADMIN_ROLE_ID } from '../src/control/index.js';
import { auditLogin } from '../src/edge/access/access-login-audit.js';
import {
  ADMIN_EMAIL,
  ADMIN_TOKEN,
  type ControlHarness,
  DIALECTS,
  quietLogger,
  startControl,
} from './support/control-harness.js';

for (const dialect of DIALECTS) {
  describe(`Cloudflare's official TypeScript client against warren on ${dialect.name}`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    let cf: Cloudflare;
    before(async () => {
      h = await startControl(dialect);
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      const addr = h.app.server.address();
      assert.ok(typeof addr === 'object' && addr !== null);
      // Only the base URL changes.
      cf = new Cloudflare({ apiToken: ADMIN_TOKEN, baseURL: `http://127.0.0.1:${addr.port}/client/v4`, maxRetries: 0 });
      base = `http://127.0.0.1:${addr.port}/client/v4`;
    });
    let base = '';
    after(async () => {
      await h?.close();
    });

    test('zones and DNS records', async () => {
      const zone = await cf.zones.create({ account: { id: h.accountId }, name: 'sdk.example', type: 'full' });
      assert.equal(zone.name, 'sdk.example');
      const listed = [];
      for await (const z of cf.zones.list({ name: 'sdk.example' })) listed.push(z.id);
      assert.deepEqual(listed, [zone.id]);
      assert.equal((await cf.zones.get({ zone_id: zone.id })).id, zone.id);

      const rec = await cf.dns.records.create({
        zone_id: zone.id,
        type: 'A',
        name: 'www',
        content: '192.0.2.10',
        proxied: true,
        ttl: 1,
      });
      assert.equal(rec.name, 'www.sdk.example');
      await cf.dns.records.create({ zone_id: zone.id, type: 'TXT', name: 'sdk.example', content: 'hello', ttl: 300 });
      const names = [];
      for await (const r of cf.dns.records.list({ zone_id: zone.id })) names.push(`${r.type} ${r.name}`);
      assert.deepEqual(names.sort(), ['A www.sdk.example', 'TXT sdk.example']);
      const edited = await cf.dns.records.edit(rec.id, {
        zone_id: zone.id,
        type: 'A',
        name: 'www.sdk.example',
        content: '192.0.2.11',
        ttl: 1,
      });
      assert.equal(edited.content, '192.0.2.11');
      await cf.dns.records.delete(rec.id, { zone_id: zone.id });
      await assert.rejects(
        cf.dns.records.get(rec.id, { zone_id: zone.id }),
        (err: Error & { status?: number }) => err.status === 404,
      );
    });

    test('tunnels (zeroTrust.tunnels.cloudflared): create, list, get, token, connections, delete', async () => {
      const secret = Buffer.alloc(32, 1).toString('base64');
      const t = await cf.zeroTrust.tunnels.cloudflared.create({
        account_id: h.accountId,
        name: 'sdk-tunnel',
        tunnel_secret: secret,
        config_src: 'local',
      });
      assert.equal(t.name, 'sdk-tunnel');
      assert.equal(t.status, 'inactive');
      const ids = [];
      for await (const x of cf.zeroTrust.tunnels.cloudflared.list({ account_id: h.accountId, is_deleted: false }))
        ids.push(x.id);
      assert.ok(ids.includes(t.id as string));
      const got = await cf.zeroTrust.tunnels.cloudflared.get(t.id as string, { account_id: h.accountId });
      assert.equal(got.id, t.id);
      const token = await cf.zeroTrust.tunnels.cloudflared.token.get(t.id as string, { account_id: h.accountId });
      assert.equal(JSON.parse(Buffer.from(token, 'base64').toString()).s, secret);
      const conns = [];
      for await (const c of cf.zeroTrust.tunnels.cloudflared.connections.get(t.id as string, {
        account_id: h.accountId,
      }))
        conns.push(c);
      assert.equal(conns.length, 0);
      const deleted = await cf.zeroTrust.tunnels.cloudflared.delete(t.id as string, { account_id: h.accountId });
      assert.ok(deleted.deleted_at);
    });

    test('invitations: accounts.members.create, user.invites.list/edit and memberships.list/get', async () => {
      const owner = await createUserWithToken(
        h.store,
        { email: 'owner@sdk.example', accountName: 'sdk-other', tokenName: 'sdk' },
        { interface: 'warren admin', ip: '127.0.0.1' },
      );
      const cfOther = new Cloudflare({ apiToken: owner.token, baseURL: base, maxRetries: 0 });
      const member = await cfOther.accounts.members.create({
        account_id: owner.account.id,
        email: ADMIN_EMAIL,
        roles: [SUPER_ADMIN_ROLE_ID],
      });
      assert.equal(member.status, 'pending');
      const invites = [];
      for await (const i of cf.user.invites.list()) invites.push(i);
      assert.deepEqual(
        invites.map((i) => [i.id, i.organization_id, i.status]),
        [[member.id, owner.account.id, 'pending']],
      );
      const answered = await cf.user.invites.edit(member.id as string, { status: 'accepted' });
      assert.equal(answered.status, 'accepted');
      const memberships = [];
      for await (const m of cf.memberships.list()) memberships.push(m);
      assert.ok(
        memberships.some((m) => m.id === member.id && m.status === 'accepted' && m.account?.id === owner.account.id),
      );
      assert.equal((await cf.memberships.get(member.id as string)).status, 'accepted');
    });

    test('audit logs, with filters and errors as APIError', async () => {
      const entries = [];
      for await (const e of cf.auditLogs.list({ account_id: h.accountId, action: { type: 'tunnel_create' } }))
        entries.push(e);
      assert.equal(entries.length, 1);
      assert.equal(entries[0]?.action?.type, 'tunnel_create');
      assert.equal(entries[0]?.resource?.type, 'cfd_tunnel');
      await assert.rejects(
        cf.zones.create({ account: { id: h.accountId }, name: 'sdk.example' }),
        (err: Error & { status?: number; errors?: { code: number }[] }) =>
          err.status === 409 && err.errors?.[0]?.code === 1061,
      );
    });
    test('remotely-managed configuration (zeroTrust.tunnels.cloudflared.configurations): get, update, validation', async () => {
      const t = await cf.zeroTrust.tunnels.cloudflared.create({
        account_id: h.accountId,
        name: 'sdk-remote',
        config_src: 'local',
      });
      const tunnelId = t.id as string;
      const empty = await cf.zeroTrust.tunnels.cloudflared.configurations.get(tunnelId, { account_id: h.accountId });
      assert.equal(empty.tunnel_id, tunnelId);
      assert.equal(empty.version, 0);
      assert.equal(empty.config, null);
      const config = {
        ingress: [
          { hostname: 'app.sdk.example', service: 'http://127.0.0.1:3000', originRequest: { connectTimeout: 10 } },
          // The SDK's type wants a hostname on every rule; the catch-all has an empty one.
          { hostname: '', service: 'http_status:404' },
        ],
        originRequest: { noTLSVerify: false },
      };
      const v1 = await cf.zeroTrust.tunnels.cloudflared.configurations.update(tunnelId, {
        account_id: h.accountId,
        config,
      });
      assert.equal(v1.version, 1);
      assert.equal(v1.source, 'cloudflare');
      assert.deepEqual(v1.config, config);
      const v2 = await cf.zeroTrust.tunnels.cloudflared.configurations.update(tunnelId, {
        account_id: h.accountId,
        config,
      });
      assert.equal(v2.version, 2);
      const got = await cf.zeroTrust.tunnels.cloudflared.configurations.get(tunnelId, { account_id: h.accountId });
      assert.equal(got.version, 2);
      assert.deepEqual(got.config?.ingress?.[0]?.hostname, 'app.sdk.example');
      // The tunnel is remotely managed from now on.
      const tunnel = await cf.zeroTrust.tunnels.cloudflared.get(tunnelId, { account_id: h.accountId });
      assert.equal(tunnel.remote_config, true);
      await assert.rejects(
        cf.zeroTrust.tunnels.cloudflared.configurations.update(tunnelId, {
          account_id: h.accountId,
          config: { ingress: [{ hostname: 'only.sdk.example', service: 'http://127.0.0.1:3000' }] },
        }),
        (err: Error & { status?: number }) =>
          err.status === 400 && /ingress rule #1: .*last rule must match every request/.test(err.message),
      );
      assert.equal(
        (await cf.zeroTrust.tunnels.cloudflared.configurations.get(tunnelId, { account_id: h.accountId })).version,
        2,
      );
    });

    test('Access (zeroTrust.access): application, policies, service token, OTP and OIDC identity providers, access request log, keys, groups, organization', async () => {
      const account_id = h.accountId;
      await cf.zones.create({ account: { id: account_id }, name: 'access-sdk.example', type: 'full' });
      const app = await cf.zeroTrust.access.applications.create({
        account_id,
        name: 'sdk app',
        domain: 'app.access-sdk.example',
        type: 'self_hosted',
        session_duration: '24h',
      });
      const appId = (app as { id?: string }).id as string;
      assert.match((app as { aud?: string }).aud ?? '', /^[0-9a-f]{64}$/);
      const apps = [];
      for await (const a of cf.zeroTrust.access.applications.list({ account_id })) apps.push((a as { id?: string }).id);
      assert.deepEqual(apps, [appId]);
      assert.equal(
        ((await cf.zeroTrust.access.applications.get(appId, { account_id })) as { name?: string }).name,
        'sdk app',
      );
      const policy = await cf.zeroTrust.access.applications.policies.create(appId, {
        account_id,
        name: 'staff',
        decision: 'allow',
        include: [{ email_domain: { domain: 'access-sdk.example' } }],
      });
      assert.equal(policy.decision, 'allow');
      const policies = [];
      for await (const p of cf.zeroTrust.access.applications.policies.list(appId, { account_id })) policies.push(p.id);
      assert.deepEqual(policies, [policy.id]);
      const reusable = await cf.zeroTrust.access.policies.create({
        account_id,
        name: 'robots',
        decision: 'non_identity',
        include: [{ any_valid_service_token: {} }],
      });
      assert.equal(reusable.decision, 'non_identity');
      const group = await cf.zeroTrust.access.groups.create({
        account_id,
        name: 'office',
        include: [{ ip: { ip: '10.0.0.0/8' } }],
      });
      assert.equal(group.name, 'office');
      const token = await cf.zeroTrust.access.serviceTokens.create({ account_id, name: 'ci' });
      assert.match(token.client_id ?? '', /\.access$/);
      assert.match(token.client_secret ?? '', /^[0-9a-f]{64}$/);
      const rotated = await cf.zeroTrust.access.serviceTokens.rotate(token.id as string, { account_id });
      assert.notEqual(rotated.client_secret, token.client_secret);
      const idp = await cf.zeroTrust.identityProviders.create({
        account_id,
        name: 'PIN',
        type: 'onetimepin',
        config: {},
      });
      assert.equal(idp.type, 'onetimepin');
      const org = await cf.zeroTrust.organizations.create({
        account_id,
        name: 'SDK',
        auth_domain: 'sdk.access.warren.localhost',
      });
      assert.equal(org.auth_domain, 'sdk.access.warren.localhost');
      const keys = await cf.zeroTrust.access.keys.update({ account_id, key_rotation_interval_days: 30 });
      assert.equal(keys?.key_rotation_interval_days, 30);
      const rotatedKeys = await cf.zeroTrust.access.keys.rotate({ account_id });
      assert.equal(typeof rotatedKeys?.last_key_rotation_at, 'string');
      const sso = await cf.zeroTrust.identityProviders.create({
        account_id,
        name: 'SSO',
        type: 'oidc',
        config: {
          client_id: 'cid',
          client_secret: 'sdk-client-secret',
          auth_url: 'https://idp.access-sdk.example/auth',
          token_url: 'https://idp.access-sdk.example/token',
          certs_url: 'https://idp.access-sdk.example/jwks',
          claims: ['groups'],
          scopes: ['openid', 'email'],
          email_claim_name: 'email',
          pkce_enabled: true,
        },
      });
      assert.equal(sso.type, 'oidc');
      assert.equal((sso.config as { client_secret?: string }).client_secret, '**********');
      await auditLogin(
        { store: h.store, logger: quietLogger },
        {
          id: appId,
          accountId: account_id,
          name: 'sdk app',
          aud: 'a',
          domain: parseAppDomain('app.access-sdk.example'),
        },
        {
          email: 'ann@access-sdk.example',
          actorId: 'u',
          ip: '192.0.2.1',
          idp: { id: sso.id ?? '', type: 'oidc' },
          allowed: true,
        },
      );
      const requests = await cf.zeroTrust.access.logs.accessRequests.list({ account_id, limit: 10, direction: 'desc' });
      assert.deepEqual(
        requests.map((r) => [r.action, r.allowed, r.connection, r.user_email, r.app_domain]),
        [['login', true, 'oidc', 'ann@access-sdk.example', 'app.access-sdk.example']],
      );
      await cf.zeroTrust.access.applications.delete(appId, { account_id });
      await assert.rejects(
        cf.zeroTrust.access.applications.get(appId, { account_id }),
        (err: Error & { status?: number }) => err.status === 404,
      );
    });
  });
}
