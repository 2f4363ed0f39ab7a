import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AcmeManager } from '../../acme/index.js';
import { WarrenError } from '../../errors/index.js';
import type { Store } from '../../store/index.js';
import { SYSTEM_TIMERS } from '../../time/index.js';

export const LETS_ENCRYPT_PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';

export interface AcmeFlags {
  email: string | undefined;
  directory: string | undefined;
}

/** The directory and e-mail in force, or undefined when ACME is off (no --acme-email). */
export function acmeSettings(flags: AcmeFlags): { directoryUrl: string; email: string } | undefined {
  const email = flags.email?.trim() || undefined;
  const directory = flags.directory?.trim() || undefined;
  if (email === undefined) {
    if (directory !== undefined) {
      throw new WarrenError(
        'WARREN_CONFIG_INVALID',
        '--acme-directory needs --acme-email: the ACME account is registered with that address (or drop --acme-directory)',
      );
    }
    return undefined;
  }
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `--acme-email "${email}" is not an e-mail address; give one like ops@example.com`,
    );
  }
  let url: URL;
  try {
    url = new URL(directory ?? LETS_ENCRYPT_PRODUCTION);
  } catch {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `--acme-directory "${directory}" is not a URL; give the directory's https:// URL`,
    );
  }
  if (url.protocol !== 'https:') {
    throw new WarrenError('WARREN_CONFIG_INVALID', '--acme-directory must be an https:// URL (RFC 8555 requires TLS)');
  }
  return { directoryUrl: url.href, email };
}

/**
 * Starts ACME issuance and renewal for the names warren serves. The ACME client (acme-client, with axios
 * and node-forge: about 8 MiB of heap) loads here, only when ACME is on.
 */
export async function startAcme(
  settings: { directoryUrl: string; email: string },
  store: Store,
  registry: Registry,
  logger: Logger,
  /** warren's DNS in this process: DNS-01 (wildcards) waits for it to serve a new TXT value. */
  dns: { refresh(): Promise<void> } | undefined,
  /** Names warren owns and serves on the HTTPS port (`dash.D`). */
  ownNames: readonly string[],
): Promise<AcmeManager> {
  const { AcmeIssuer, AcmeManager } = await import('../../acme/index.js');
  const manager = new AcmeManager({
    store,
    issuer: new AcmeIssuer({
      store,
      ...settings,
      dnsReady: dns === undefined ? undefined : () => dns.refresh(),
    }),
    logger,
    ownNames,
    timers: SYSTEM_TIMERS,
    registry,
  });
  manager.start();
  return manager;
}
