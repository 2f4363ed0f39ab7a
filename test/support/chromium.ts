import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** For `describe(…, { skip })`: false, or why Chromium tests cannot run here. */
export const chromiumSkip: false | string = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed`;

/**
 * Debian's Chromium, headless, every host name resolved to 127.0.0.1: app hosts, the Access team
 * domain and a loopback identity provider all lead to servers of the test. `extraArgs` adds
 * flags, e.g. `--ignore-certificate-errors-spki-list` to trust only the named keys (a test CA's).
 */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--host-resolver-rules=MAP * 127.0.0.1',
      ...extraArgs,
    ],
  });
}
