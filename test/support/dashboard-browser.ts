import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from './chromium.js';

export { CHROMIUM, launchChromium };

import type { Envelope } from './control-harness.js';
import { type ServeHandle, startServe } from './warren-processes.js';

/** Screenshots of every checked page, at both sizes (git-ignored). */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../../test-output/screenshots/', import.meta.url));
export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;
const AXE_SOURCE = readFileSync(
  fileURLToPath(new URL('../../../node_modules/axe-core/axe.min.js', import.meta.url)),
  'utf8',
);

/**
 * A browser context whose pages record every `pageerror` (an uncaught exception or unhandled
 * rejection) and console error; `assertClean()` fails the test on any. Clipboard access is
 * granted for `origin` so copy buttons work.
 */
export class WatchedContext {
  readonly context: BrowserContext;
  readonly problems: string[] = [];

  private constructor(context: BrowserContext) {
    this.context = context;
  }

  static async open(browser: Browser, origin?: string): Promise<WatchedContext> {
    const context = await browser.newContext({ viewport: DESKTOP });
    if (origin !== undefined) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    return new WatchedContext(context);
  }

  async newPage(): Promise<Page> {
    const page = await this.context.newPage();
    page.on('pageerror', (err) => this.problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      // A failed request the page expected (a 401 before sign-in, a 4xx a form shows next to
      // its field) is logged by Chromium as a console error too; those are not page bugs.
      if (
        msg.type() === 'error' &&
        !/Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())
      )
        this.problems.push(`console.error: ${msg.text()}`);
    });
    return page;
  }

  /** Fails when any page had an uncaught error or logged a console error. */
  assertClean(): void {
    assert.deepEqual(this.problems, [], 'the dashboard raised errors in the browser');
  }

  close(): Promise<void> {
    return this.context.close();
  }
}

/**
 * Runs axe-core in the page and fails on serious or critical violations (each listed with the
 * offending elements). Injected through the DevTools protocol, so the page's CSP stays on.
 */
export async function checkAccessibility(page: Page, what = page.url()): Promise<void> {
  await page.evaluate(`${AXE_SOURCE}\n;undefined`);
  // A string: this file is compiled without the DOM library.
  const violations = (await page.evaluate(`(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.map((n) => JSON.stringify(n.target)).join(', '));
  })()`)) as string[];
  assert.deepEqual(violations, [], `axe found serious accessibility violations on ${what}`);
}

/**
 * Saves `<name>-1280.png` (1280×800) and `<name>-390.png` (390×844) of the page, full length,
 * then restores the desktop size. Also checks accessibility at both sizes.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const safe = name.replace(/[^a-z0-9-]+/gi, '-');
  for (const size of [DESKTOP, PHONE]) {
    await page.setViewportSize(size);
    await checkAccessibility(page, `${name} at ${size.width} px`);
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${safe}-${size.width}.png`), fullPage: true });
  }
  await page.setViewportSize(DESKTOP);
}

export interface SignedInDashboard {
  serve: ServeHandle;
  browser: Browser;
  watched: WatchedContext;
  page: Page;
  /** The admin's API token (for setting up data through the API). */
  adminToken: string;
  email: string;
  password: string;
  /** The admin's first account. */
  accountId: string;
  /** `fetch` on the API with the admin token; returns the parsed envelope. */
  api<R = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; json: Envelope<R> }>;
  /** Closes the browser and stops serve. Call in `after()`. */
  close(): Promise<void>;
}

/** Fills the dashboard's sign-in form and waits for the signed-in shell. */
export async function signIn(page: Page, base: string, email: string, password: string): Promise<void> {
  await page.goto(base);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Dashboard' }).waitFor({ timeout: 15_000 });
}

/**
 * Starts a real `warren serve` with a super administrator (e-mail, password, API token), opens
 * Chromium on its dashboard and signs in through the form. `args`, `ports` and `env` go to serve.
 */
export async function startSignedInDashboard(
  options: { args?: string[]; ports?: { http: number; tunnel: number; api: number }; env?: NodeJS.ProcessEnv } = {},
): Promise<SignedInDashboard> {
  const email = 'admin@example.com';
  const password = 'a long enough passphrase';
  const adminToken = randomBytes(24).toString('hex');
  const serve = await startServe({
    env: { ...options.env, WARREN_ADMIN_EMAIL: email, WARREN_ADMIN_TOKEN: adminToken, WARREN_ADMIN_PASSWORD: password },
    ...(options.args === undefined ? {} : { args: options.args }),
    ...(options.ports === undefined ? {} : { ports: options.ports }),
  });
  const api = async <R = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Envelope<R> }> => {
    const res = await fetch(`${serve.apiBase}/client/v4${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Envelope<R> };
  };
  let browser: Browser | undefined;
  try {
    const accountId = String((await api<{ id: string }[]>('GET', '/accounts')).json.result[0]?.id);
    browser = await launchChromium();
    const watched = await WatchedContext.open(browser, serve.apiBase);
    const page = await watched.newPage();
    await signIn(page, serve.apiBase, email, password);
    const b = browser;
    return {
      serve,
      browser,
      watched,
      page,
      adminToken,
      email,
      password,
      accountId,
      api,
      close: async () => {
        await b.close();
        await serve.stop('SIGKILL');
      },
    };
  } catch (err) {
    await browser?.close();
    await serve.stop('SIGKILL');
    throw err;
  }
}
