import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chromiumSkip } from './support/chromium.js';
import { type SignedInDashboard, screenshot, startSignedInDashboard } from './support/dashboard-browser.js';
import { eventually } from './support/eventually.js';
import { freePort } from './support/free-port.js';
import { type Pebble, startPebble } from './support/pebble.js';

interface Pack {
  id: string;
  hosts: string[];
  status: string;
  acme_state: string;
  failures: number;
  next_attempt_at: string | null;
  validation_errors: { message: string }[];
  issuer: string | null;
  expires_on: string | null;
}

describe('dashboard edge certificates (ACME state per name) in Chromium', {
  skip: chromiumSkip,
  timeout: 180_000,
}, () => {
  let pebble: Pebble;
  let d: SignedInDashboard;
  let zoneId: string;

  before(async () => {
    const httpPort = await freePort();
    const dnsPort = await freePort();
    pebble = await startPebble({ httpPort, dnsServer: `127.0.0.1:${dnsPort}` });
    d = await startSignedInDashboard({
      ports: { http: httpPort, tunnel: 0, api: 0 },
      args: [
        '--https-port',
        '0',
        '--dns-port',
        String(dnsPort),
        '--edge-address',
        '127.0.0.1',
        '--acme-email',
        'ops@example.com',
        '--acme-directory',
        pebble.directoryUrl,
      ],
      env: { NODE_EXTRA_CA_CERTS: pebble.listenerCaPath },
    });
    zoneId = (await d.api<{ id: string }>('POST', '/zones', { account: { id: d.accountId }, name: 'example.com' })).json
      .result.id;
  });
  after(async () => {
    await d?.close();
    await pebble?.stop();
  });

  test('a routed name shows Issued with its expiry; a name without DNS shows Failing with the reason and the next retry', async () => {
    const tunnelId = (await d.api<{ id: string }>('POST', `/accounts/${d.accountId}/cfd_tunnel`, { name: 'web' })).json
      .result.id;
    await d.api('PUT', `/zones/${zoneId}/tunnels/${tunnelId}/routes`, {
      type: 'dns',
      user_hostname: 'app.example.com',
    });
    // An Access app for a name no DNS record points at warren: pebble's lookup gets NXDOMAIN.
    await d.api('POST', `/accounts/${d.accountId}/access/apps`, { domain: 'nodns.example.com', type: 'self_hosted' });
    const packs = await eventually(
      async () => {
        const r = (await d.api<Pack[]>('GET', `/zones/${zoneId}/ssl/certificate_packs`)).json.result;
        const app = r.find((p) => p.id === 'app.example.com');
        const bad = r.find((p) => p.id === 'nodns.example.com');
        return app?.acme_state === 'issued' && bad?.acme_state === 'failed' ? { app, bad } : undefined;
      },
      30_000,
      'app.example.com issued and nodns.example.com failed',
      250,
    );
    assert.equal(packs.app.status, 'active');
    assert.match(String(packs.app.issuer), /Pebble/i);
    assert.ok(packs.app.expires_on !== null && Date.parse(packs.app.expires_on) > Date.now());
    assert.deepEqual(packs.app.validation_errors, []);
    assert.equal(packs.bad.status, 'validation_timed_out');
    assert.equal(packs.bad.failures >= 1, true);
    assert.ok(packs.bad.next_attempt_at !== null && Date.parse(packs.bad.next_attempt_at) > Date.now() - 60_000);
    const reason = packs.bad.validation_errors[0]?.message ?? '';
    assert.match(reason, /\S/);

    const { page } = d;
    await page.goto(`${d.serve.apiBase}/ssl`);
    await page.getByRole('heading', { level: 1, name: 'Edge certificates' }).waitFor();
    const ok = page.getByRole('row').filter({ hasText: 'app.example.com' });
    await ok.getByText('Issued').waitFor();
    const bad = page.getByRole('row').filter({ hasText: 'nodns.example.com' });
    await bad.getByText('Failing').waitFor();
    const badText = (await bad.textContent()) ?? '';
    assert.ok(badText.includes(reason.slice(0, 40)), `the reason is shown: ${badText}`);
    assert.ok((await bad.locator('time').count()) >= 1, 'the next retry is shown as a time');
    await page.getByRole('alert').filter({ hasText: 'nodns.example.com' }).waitFor();
    await screenshot(page, 'edge-certificates-failing');
  });
});
