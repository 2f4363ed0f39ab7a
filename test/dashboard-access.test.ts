import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type SignedInDashboard, screenshot, startSignedInDashboard } from './support/dashboard-browser.js';

interface Policy {
  name: string;
  decision: string;
  include: unknown[];
  require?: unknown[];
  exclude?: unknown[];
}

describe('dashboard Access in Chromium', () => {
  let d: SignedInDashboard;

  before(async () => {
    d = await startSignedInDashboard();
    await d.api('POST', '/zones', { account: { id: d.accountId }, name: 'example.com' });
  });
  after(async () => d?.close());

  test('creates an application and gives it a policy with the rule builder', async () => {
    const { page } = d;
    await page.goto(`${d.serve.apiBase}/access/apps`);
    await page.getByText('No application yet').waitFor();
    await page.getByRole('button', { name: 'Add an application' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('Internal wiki');
    await dialog.getByLabel('Domain').fill('wiki.example.com');
    await dialog.getByRole('button', { name: 'Add' }).click();
    await page.getByRole('heading', { level: 1, name: 'Internal wiki' }).waitFor();
    await page.getByText('nobody can reach wiki.example.com').waitFor();

    await page.getByRole('button', { name: 'Add a policy' }).click();
    await dialog.getByLabel('Policy name').fill('Staff');
    // The first rule starts as "include e-mail domain"; a bad e-mail in a second rule is refused under the rules.
    await dialog.getByLabel('Rule 1: Domain').fill('example.com');
    await dialog.getByRole('button', { name: 'Add a rule' }).click();
    await dialog.getByLabel('Rule 2: E-mail address').fill('not-an-address');
    await dialog.getByRole('button', { name: 'Save policy' }).click();
    await dialog.locator('.field-error').getByText('must be an e-mail address').waitFor();
    await screenshot(page, 'access-policy-builder-error');
    await dialog.getByLabel('Rule 2: list').selectOption('require');
    await dialog.getByLabel('Rule 2: selector').selectOption('ip');
    await dialog.getByLabel('Rule 2: IP or CIDR').fill('192.0.2.0/24');
    await dialog.getByRole('button', { name: 'Add a rule' }).click();
    await dialog.getByLabel('Rule 3: list').selectOption('exclude');
    await dialog.getByLabel('Rule 3: selector').selectOption('email');
    await dialog.getByLabel('Rule 3: E-mail address').fill('intern@example.com');
    await dialog.getByRole('button', { name: 'Save policy' }).click();
    await page.getByRole('status').getByText('Saved the policy Staff.').waitFor();
    await page
      .getByRole('cell', {
        name: 'include e-mail ending in @example.com; require IP in 192.0.2.0/24; exclude e-mail intern@example.com',
      })
      .waitFor();
    await screenshot(page, 'access-app');

    const apps = (await d.api<{ id: string; policies: Policy[] }[]>('GET', `/accounts/${d.accountId}/access/apps`)).json
      .result;
    assert.equal(apps.length, 1);
    const p = apps[0]?.policies[0];
    assert.deepEqual(
      { name: p?.name, decision: p?.decision, include: p?.include, require: p?.require, exclude: p?.exclude },
      {
        name: 'Staff',
        decision: 'allow',
        include: [{ email_domain: { domain: 'example.com' } }],
        require: [{ ip: { ip: '192.0.2.0/24' } }],
        exclude: [{ email: { email: 'intern@example.com' } }],
      },
    );
    // Editing the application keeps its policy.
    await page.getByRole('button', { name: 'Edit application' }).click();
    await dialog.getByLabel('Name').fill('Wiki');
    await dialog.getByLabel('Session duration').selectOption('6h');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { level: 1, name: 'Wiki' }).waitFor();
    const edited = (
      await d.api<{ name: string; session_duration: string; policies: Policy[] }[]>(
        'GET',
        `/accounts/${d.accountId}/access/apps`,
      )
    ).json.result[0];
    assert.deepEqual([edited?.name, edited?.session_duration, edited?.policies.length], ['Wiki', '6h', 1]);

    await page.goto(`${d.serve.apiBase}/access/apps`);
    await page.getByRole('link', { name: 'Wiki' }).waitFor();
    await screenshot(page, 'access-apps');
    d.watched.assertClean();
  });

  test('creates a service token whose secret is shown once', async () => {
    const { page } = d;
    await page.goto(`${d.serve.apiBase}/access/service-tokens`);
    await page.getByRole('button', { name: 'Create a service token' }).click();
    await page.getByRole('dialog').getByLabel('Name').fill('backup job');
    await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    const shown = (await page.locator('[data-secret="shown-once"]').textContent()) ?? '';
    const secret = /CF-Access-Client-Secret: ([0-9a-f]{64})/.exec(shown)?.[1];
    assert.ok(secret, shown);
    await screenshot(page, 'access-service-token-issued');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('cell', { name: 'backup job', exact: true }).waitFor();
    await page.reload();
    await page.getByRole('cell', { name: 'backup job', exact: true }).waitFor();
    assert.ok(!(await page.content()).includes(secret), 'the secret is not shown again');
    await screenshot(page, 'access-service-tokens');
    d.watched.assertClean();
  });

  test('groups, login methods with signing keys, and the request log pages render', async () => {
    const { page } = d;
    await page.goto(`${d.serve.apiBase}/access/groups`);
    await page.getByRole('button', { name: 'Add a group' }).click();
    await page.getByRole('dialog').getByLabel('Group name').fill('Engineers');
    await page.getByRole('dialog').getByLabel('Rule 1: Domain').fill('eng.example.com');
    await page.getByRole('dialog').getByRole('button', { name: 'Save group' }).click();
    await page.getByRole('cell', { name: 'e-mail ending in @eng.example.com', exact: true }).waitFor();
    await screenshot(page, 'access-groups');

    await page.goto(`${d.serve.apiBase}/access/identity`);
    await page.getByRole('heading', { name: 'Signing keys' }).waitFor();
    await page.getByRole('button', { name: 'Rotate now' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate' }).click();
    await page.getByRole('status').getByText('A new signing key is in use').waitFor();
    await screenshot(page, 'access-identity');

    await page.goto(`${d.serve.apiBase}/access/logs`);
    await page.getByRole('heading', { level: 1, name: 'Access requests' }).waitFor();
    await page.getByText(/No Access request yet|does not record Access requests/).waitFor();
    await screenshot(page, 'access-logs');
    d.watched.assertClean();
  });

  test('reusable policies: lists, creates one with the rule builder, and deletes it', async () => {
    const { page } = d;
    const path = `/accounts/${d.accountId}/access/policies`;
    await page.goto(`${d.serve.apiBase}/access/policies`);
    await page.getByText('No reusable policy yet').waitFor();
    await page.getByRole('button', { name: 'Add a policy' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Policy name').fill('Contractors');
    await dialog.getByLabel('Action').selectOption('deny');
    await dialog.getByLabel('Rule 1: Domain').fill('contractor.example.com');
    await dialog.getByRole('button', { name: 'Save policy' }).click();
    await page.getByRole('status').getByText('Saved the policy Contractors.').waitFor();
    await page.getByRole('cell', { name: 'include e-mail ending in @contractor.example.com', exact: true }).waitFor();
    await screenshot(page, 'access-policies');
    const made = (await d.api<Policy[]>('GET', path)).json.result;
    assert.deepEqual(
      made.map((p) => ({ name: p.name, decision: p.decision, include: p.include })),
      [{ name: 'Contractors', decision: 'deny', include: [{ email_domain: { domain: 'contractor.example.com' } }] }],
    );

    await page.getByRole('button', { name: 'Delete Contractors' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('No reusable policy yet').waitFor();
    assert.deepEqual((await d.api<Policy[]>('GET', path)).json.result, []);
    d.watched.assertClean();
  });

  test('the rule builder writes client certificate rules (mTLS) into a service-auth policy', async () => {
    const { page } = d;
    const path = `/accounts/${d.accountId}/access/policies`;
    await page.goto(`${d.serve.apiBase}/access/policies`);
    await page.getByRole('button', { name: 'Add a policy' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Policy name').fill('Devices');
    await dialog.getByLabel('Action').selectOption('non_identity');
    await dialog.getByLabel('Rule 1: selector').selectOption('certificate');
    await dialog.getByRole('button', { name: 'Add a rule' }).click();
    await dialog.getByLabel('Rule 2: list').selectOption('require');
    await dialog.getByLabel('Rule 2: selector').selectOption('common_name');
    await dialog.getByLabel('Rule 2: Common name').fill('device-1');
    await dialog.getByRole('button', { name: 'Save policy' }).click();
    await page.getByRole('status').getByText('Saved the policy Devices.').waitFor();
    await page
      .getByRole('cell', {
        name: 'include a valid client certificate; require client certificate common name device-1',
      })
      .waitFor();
    const made = (await d.api<Policy[]>('GET', path)).json.result.find((p) => p.name === 'Devices');
    assert.deepEqual(
      { decision: made?.decision, include: made?.include, require: made?.require },
      {
        decision: 'non_identity',
        include: [{ certificate: {} }],
        require: [{ common_name: { common_name: 'device-1' } }],
      },
    );
    d.watched.assertClean();
  });
});
