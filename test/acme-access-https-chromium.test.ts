import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { connect, type DetailedPeerCertificate } from 'node:tls';
import type { Browser } from 'playwright-core';
import { apiClient } from './support/api-client.js';
import { chromiumSkip, launchChromium } from './support/chromium.js';
import { ADMIN_EMAIL, ADMIN_TOKEN } from './support/control-harness.js';
import { eventually } from './support/eventually.js';
import { freePort } from './support/free-port.js';
import { type Pebble, startPebble } from './support/pebble.js';
import { startSmtpCatcher } from './support/smtp-catcher.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { type Proc, type ServeHandle, startCli, startServe } from './support/warren-processes.js';

const APP = 'app.example.com';
const TEAM = 'pin.access.warren.localhost';
const EMAIL = 'dana@example.test';

/** The base64 SHA-256 of a certificate's SubjectPublicKeyInfo: Chromium's `--ignore-certificate-errors-spki-list` form. */
function spkiHash(der: Buffer): string {
  const spki = new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

describe('Access PIN login over HTTPS in Chromium, with certificates from pebble', {
  skip: chromiumSkip,
  timeout: 180_000,
}, () => {
  let pebble: Pebble;
  let serve: ServeHandle;
  let origin: TestOrigin;
  let connector: Proc;
  let smtp: Awaited<ReturnType<typeof startSmtpCatcher>>;
  let browser: Browser;
  let httpsPort: number;
  let root: string;
  const api = apiClient(() => serve.apiBase);

  /** The chain served for `name` on the HTTPS port, verified against pebble's root; undefined until pebble's. */
  function servedChain(name: string): Promise<DetailedPeerCertificate | undefined> {
    return new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port: httpsPort, servername: name, ca: root }, () => {
        const cert = s.getPeerCertificate(true);
        s.end();
        resolve(/Pebble/i.test(String(cert.issuer.CN)) ? cert : undefined);
      });
      s.on('error', () => resolve(undefined));
    });
  }

  before(async () => {
    smtp = await startSmtpCatcher();
    origin = await startTestOrigin();
    const httpPort = await freePort();
    const dnsPort = await freePort();
    pebble = await startPebble({ httpPort, dnsServer: `127.0.0.1:${dnsPort}` });
    serve = await startServe({
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
        '--smtp-url',
        smtp.url,
      ],
      env: {
        WARREN_ADMIN_EMAIL: ADMIN_EMAIL,
        WARREN_ADMIN_TOKEN: ADMIN_TOKEN,
        NODE_EXTRA_CA_CERTS: pebble.listenerCaPath,
      },
    });
    httpsPort = Number((await serve.waitFor(/visitor https\s+https:\/\/[^:]+:(\d+)/))[1]);
    root = await pebble.root();
    const accountId = (await api<{ id: string }[]>('GET', '/accounts')).result[0]?.id as string;
    const acc = (p: string) => `/accounts/${accountId}/access${p}`;
    const zoneId = (await api<{ id: string }>('POST', '/zones', { account: { id: accountId }, name: 'example.com' }))
      .result.id;
    const tunnelId = (await api<{ id: string }>('POST', `/accounts/${accountId}/cfd_tunnel`, { name: 'web' })).result
      .id;
    await api('PUT', `/zones/${zoneId}/tunnels/${tunnelId}/routes`, { type: 'dns', user_hostname: APP });
    const token = (await api<string>('GET', `/accounts/${accountId}/cfd_tunnel/${tunnelId}/token`)).result;
    await api('POST', acc('/organizations'), { name: 'PIN over HTTPS', auth_domain: TEAM });
    await api('POST', acc('/identity_providers'), { name: 'PIN', type: 'onetimepin', config: {} });
    const app = (await api<{ id: string }>('POST', acc('/apps'), { name: 'App', domain: APP })).result;
    await api('POST', acc(`/apps/${app.id}/policies`), {
      name: 'dana',
      decision: 'allow',
      include: [{ email: { email: EMAIL } }],
    });
    connector = startCli([
      'tunnel',
      'run',
      '--edge',
      `127.0.0.1:${serve.tunnelPort}`,
      '--edge-ca',
      serve.caPath,
      '--token',
      token,
      '--url',
      origin.url,
    ]);
    // Both names get pebble certificates: the app's by HTTP-01, the team domain's (*.access.D) by DNS-01.
    const chains = [];
    for (const name of [APP, TEAM]) {
      chains.push(await eventually(() => servedChain(name), 30_000, `a pebble certificate for ${name}`, 200));
    }
    // Chromium trusts only these keys (the leaves and pebble's intermediate), not every certificate.
    const pins = new Set<string>();
    for (const c of chains) {
      pins.add(spkiHash(c.raw));
      if (c.issuerCertificate !== undefined && c.issuerCertificate !== c) pins.add(spkiHash(c.issuerCertificate.raw));
    }
    browser = await launchChromium([`--ignore-certificate-errors-spki-list=${[...pins].join(',')}`]);
  });
  after(async () => {
    await browser?.close();
    await connector?.stop();
    await serve?.stop();
    await pebble?.stop();
    await origin?.close();
    await smtp?.close();
  });

  test('https app → https team domain PIN form → mailed code → back on the app over https with a Secure cookie', async () => {
    const base = `https://${APP}:${httpsPort}`;
    const page = await browser.newPage();
    // The connector may still be connecting: the gate answers first either way, so go on once it redirects.
    await eventually(
      async () => {
        await page.goto(`${base}/echo?from=https`);
        return page.url().startsWith(`https://${TEAM}:${httpsPort}/cdn-cgi/access/login/`) ? true : undefined;
      },
      20_000,
      'the gate sends the browser to the team domain over https',
      200,
    );
    await page.getByLabel('E-mail address').fill(EMAIL);
    await page.click('button[type=submit]');
    const mail = await eventually(() => smtp.mails.find((m) => m.to.includes(EMAIL)), 10_000, 'mail');
    const code = /\b(\d{6})\b/.exec(mail.raw)?.[1] as string;
    await page.getByLabel('Code from the e-mail').fill(code);
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/echo?from=https`);
    const body = await eventually(
      async () => {
        const text = (await page.textContent('body')) ?? '';
        if (text.startsWith('{')) return text;
        await page.reload();
        return undefined;
      },
      20_000,
      "the origin's answer through the tunnel",
      200,
    );
    const seen = JSON.parse(body) as { headers: Record<string, string> };
    assert.equal(seen.headers['cf-access-authenticated-user-email'], EMAIL);
    const cookie = (await page.context().cookies(base)).find((c) => c.name === 'CF_Authorization');
    assert.ok(cookie !== undefined, 'the app session cookie');
    assert.equal(cookie.secure, true, 'the app session cookie is Secure');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.domain, APP, 'host-only');
    const teamCookies = await page.context().cookies(`https://${TEAM}:${httpsPort}`);
    assert.ok(teamCookies.length > 0, 'the team domain keeps its own session');
    for (const c of teamCookies) assert.equal(c.secure, true, `${c.name} on the team domain is Secure`);
    await page.close();
  });
});
