import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type SignedInDashboard,
  screenshot,
  signIn,
  startSignedInDashboard,
  WatchedContext,
} from './support/dashboard-browser.js';
import { eventually } from './support/eventually.js';
import { startSmtpCatcher } from './support/smtp-catcher.js';

const NEW_USER = 'carol@example.com';
const NEW_PASSWORD = 'carol chose this passphrase';
const LEAST_ROLE = 'Audit Logs Viewer';

/** The body of a caught mail as text (nodemailer writes long lines quoted-printable). */
function mailText(raw: string): string {
  const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  return body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** Issue 20 §4: an invitation goes out by mail with a link; the invitee sets a password and signs in. */
describe('invitations by mail, accepted from the link in Chromium', () => {
  let d: SignedInDashboard;
  let smtp: Awaited<ReturnType<typeof startSmtpCatcher>>;

  before(async () => {
    smtp = await startSmtpCatcher();
    d = await startSignedInDashboard({ args: ['--smtp-url', smtp.url, '--smtp-from', 'warren@example.com'] });
  });
  after(async () => {
    await d?.close();
    await smtp?.close();
  });

  test('a new user accepts from the mailed link, chooses a password, then signs in', async () => {
    const { page } = d;
    await page.goto(`${d.serve.apiBase}/members`);
    await page.getByRole('button', { name: 'Invite a member' }).click();
    const dialog = page.getByRole('dialog', { name: 'Invite a member' });
    await dialog.getByLabel('E-mail').fill(NEW_USER);
    // The least role is preselected, not Super Administrator.
    const role = dialog.getByLabel('Role');
    assert.equal(await role.locator('option:checked').textContent(), LEAST_ROLE);
    await screenshot(page, 'invite-dialog');
    await dialog.getByRole('button', { name: 'Invite' }).click();
    await page.getByRole('status').getByText(`Invited ${NEW_USER}: we mailed them a link`).waitFor();
    const row = page.getByRole('row', { name: new RegExp(NEW_USER) });
    await row.getByText(/^Invited, expires \d{4}-\d{2}-\d{2}$/).waitFor();
    assert.match((await row.textContent()) ?? '', new RegExp(LEAST_ROLE));
    await screenshot(page, 'members-invited');

    await eventually(async () => smtp.mails.some((m) => m.to.includes(NEW_USER)), 10_000, 'the invitation mail');
    const mail = mailText(smtp.mails.find((m) => m.to.includes(NEW_USER))?.raw ?? '');
    assert.match(mail, /admin@example\.com invited you to the account/);
    const link = /(http:\/\/\S+\/invite\?token=\S+)/.exec(mail)?.[1];
    assert.ok(link !== undefined, mail);

    // The invitee: another browser context, nobody signed in.
    const invitee = await WatchedContext.open(d.browser, d.serve.apiBase);
    try {
      const p = await invitee.newPage();
      await p.goto(link);
      await p.getByText(`invited ${NEW_USER} to the account`).waitFor();
      await screenshot(p, 'invite-accept');
      await p.getByLabel(/Choose a password/).fill(NEW_PASSWORD);
      await p.getByLabel('Repeat the password').fill('not the same passphrase');
      await p.getByRole('button', { name: 'Set password and join' }).click();
      await p.getByRole('alert').getByText('The two passwords differ.').waitFor();
      await p.getByLabel(/Choose a password/).fill(NEW_PASSWORD);
      await p.getByLabel('Repeat the password').fill(NEW_PASSWORD);
      await p.getByRole('button', { name: 'Set password and join' }).click();
      await p.getByRole('status').getByText(`${NEW_USER} is now a member of`).waitFor();
      await screenshot(p, 'invite-accepted');
      // The link works once.
      const again = await fetch(link);
      assert.equal(again.status, 409);
      await p.getByRole('link', { name: 'Sign in to the dashboard' }).click();
      await signIn(p, d.serve.apiBase, NEW_USER, NEW_PASSWORD);
      await p.getByRole('link', { name: 'Audit log' }).click();
      await p.getByRole('heading', { level: 1, name: /Audit/ }).waitFor();
      await screenshot(p, 'invitee-signed-in');
      invitee.assertClean();
    } finally {
      await invitee.close();
    }
    await page.reload();
    await page
      .getByRole('row', { name: new RegExp(NEW_USER) })
      .getByText('Accepted')
      .waitFor();
    d.watched.assertClean();
  });

  test('an existing user accepts with their own password; a forged or re-sent link is refused', async () => {
    // A second account of the admin's, into which the admin invites the user of the first test.
    const other = await d.api<{ id: string }>('POST', '/accounts', { name: 'second account' });
    assert.equal(other.status, 200, JSON.stringify(other.json));
    const invite = async () => {
      const r = await d.api<{ id: string; invite_link: string; invite_mailed: boolean }>(
        'POST',
        `/accounts/${other.json.result.id}/members`,
        { email: NEW_USER, roles: ['cd1e4bbb4b0fdff1b0fc2c2b3ee4d7a3'] },
      );
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json.result.invite_mailed, true);
      return r.json.result;
    };
    const first = await invite();
    const forged = first.invite_link.replace(
      /token=([^.]+)\.\S+$/,
      'token=$1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    );
    assert.equal((await fetch(forged)).status, 410);
    const page = await fetch(first.invite_link);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Your password/);
    const post = (link: string, password: string) =>
      fetch(`${d.serve.apiBase}/invite`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          token: new URL(link).searchParams.get('token') ?? '',
          password,
        }).toString(),
      });
    assert.equal((await post(first.invite_link, 'a wrong passphrase')).status, 401);
    // Withdrawn and sent again: the first link no longer works, the new one does.
    await d.api('DELETE', `/accounts/${other.json.result.id}/members/${first.id}`);
    const second = await invite();
    assert.equal((await post(first.invite_link, NEW_PASSWORD)).status, 410);
    const ok = await post(second.invite_link, NEW_PASSWORD);
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /is now a member of <strong>second account<\/strong>/);
  });
});
