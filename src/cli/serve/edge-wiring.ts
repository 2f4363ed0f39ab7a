import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { AccessGate, idpFetch, OtpMailer, SignInThrottle } from '../../access/index.js';
import type { ControlPlane } from '../../control/index.js';
import {
  AccessEdge,
  type DashboardHost,
  EdgeCertificates,
  EdgeServer,
  QuickTunnelAuthority,
  type SharedEdgeCa,
  sharedEdgeCa,
  sharedEdgeTls,
  type TunnelPortLimits,
  ZoneSettingsTable,
} from '../../edge/index.js';
import { WarrenError } from '../../errors/index.js';
import type { Store } from '../../store/index.js';
import { type AcmeFlags, acmeSettings } from './serve-acme.js';

/** What `warren serve` and `warren edge` both need to run the visitor and tunnel listeners. */
export interface EdgeWiringOptions {
  store: Store;
  control: ControlPlane;
  logger: Logger;
  dataDir: string;
  domain: string;
  edgeName: string;
  bind: string;
  httpPort: number;
  https: { port: number; cert: string | undefined; key: string | undefined };
  acme?: AcmeFlags | undefined;
  tunnelPort: number;
  tunnelLimits: TunnelPortLimits;
  quickTunnelsPerMinute: number;
  originResponseTimeoutMs: number;
  requestBodyIdleTimeoutMs: number;
  smtp?: { url: string | undefined; from: string | undefined } | undefined;
  allowPrivateIdpAddresses: boolean;
  /** The tunnel listener's certificate (PEM) and key. */
  tls: { certPem: string; keyPem: string };
  /**
   * Several edges (`warren edge`): the deployment's edge CA key, from which every edge derives
   * one quick-tunnel key, so a quick tunnel is served and re-joins at any edge. Else the key
   * is `<data-dir>/quick-tunnel.key`.
   */
  quickKeyFrom?: string | undefined;
  /** `dash.D` on the HTTPS port (`warren serve`: the API's own handler); none on a bare edge. */
  dashboard?: DashboardHost | undefined;
}

/**
 * The tunnel listener's TLS material: `--tls-cert/--tls-key`, else a leaf from the deployment's
 * edge CA. With `peers` (`warren edge`) the CA is loaded either way: edges authenticate each
 * other with it. `warren serve` with its own certificate makes no edge CA at all.
 */
export async function tunnelTlsOf<P extends boolean>(
  store: Store,
  dataDir: string,
  hostnames: readonly string[],
  own: { cert: string | undefined; key: string | undefined },
  peers: P,
): Promise<{
  ca: P extends true ? SharedEdgeCa : SharedEdgeCa | undefined;
  tls: { certPem: string; keyPem: string; caPem: string | undefined; caPath: string | undefined };
}>;
export async function tunnelTlsOf(
  store: Store,
  dataDir: string,
  hostnames: readonly string[],
  own: { cert: string | undefined; key: string | undefined },
  peers: boolean,
): Promise<{
  ca: SharedEdgeCa | undefined;
  tls: { certPem: string; keyPem: string; caPem: string | undefined; caPath: string | undefined };
}> {
  const pair = await loadCertificatePair({ cert: '--tls-cert', key: '--tls-key', purpose: 'the tunnel listener' }, own);
  if (pair !== undefined) {
    const ca = peers ? await sharedEdgeCa(store, dataDir) : undefined;
    return { ca, tls: { certPem: pair.cert, keyPem: pair.key, caPem: undefined, caPath: undefined } };
  }
  const ca = await sharedEdgeCa(store, dataDir);
  return { ca, tls: await sharedEdgeTls(ca, hostnames) };
}

/** The Access gate, the visitor certificates and the EdgeServer of one edge process (not listening yet). */
export async function wireEdge(o: EdgeWiringOptions): Promise<{
  edge: EdgeServer;
  acmeOn: { directoryUrl: string; email: string } | undefined;
  close: () => Promise<void>;
}> {
  const { store, logger, control } = o;
  const httpsPair = await loadCertificatePair(
    { cert: '--https-cert', key: '--https-key', purpose: 'visitor HTTPS' },
    o.https,
  );
  const acmeOn = acmeSettings(o.acme ?? { email: undefined, directory: undefined });
  // The HTTPS listener runs with --https-cert (the fallback) or ACME; SNI serves stored certificates.
  const https = httpsPair === undefined && acmeOn === undefined ? undefined : { port: o.https.port, ...httpsPair };
  const quick =
    o.quickKeyFrom === undefined
      ? await QuickTunnelAuthority.open(o.dataDir, o.domain)
      : QuickTunnelAuthority.shared(o.quickKeyFrom, o.domain);
  // The Access gate: apps, policies and service tokens in memory, reloaded by the change feed.
  const accessGate = new AccessGate(store, logger);
  await accessGate.start();
  const smtpUrl = o.smtp?.url;
  const access = new AccessEdge({
    gate: accessGate,
    ring: control.access.ring,
    store,
    mailer: smtpUrl === undefined ? undefined : new OtpMailer(smtpUrl, o.smtp?.from ?? `access@${o.domain}`),
    throttle: new SignInThrottle(store, 'access'),
    idpFetch: idpFetch({ allowPrivate: o.allowPrivateIdpAddresses }),
    logger,
  });
  const certificates = new EdgeCertificates(store, httpsPair, logger);
  if (https !== undefined) await certificates.start();
  const zoneSettings = new ZoneSettingsTable(store, logger);
  await zoneSettings.start();
  const edge = new EdgeServer({
    zoneSettings,
    dashboard: o.dashboard,
    certificates: https === undefined ? undefined : certificates,
    clientCertificates: accessGate,
    acmeChallenge: acmeOn === undefined ? undefined : (token) => store.acme.challenge(token),
    ...control.edgeHooks(),
    access,
    accessDomain: o.domain,
    edgeName: o.edgeName,
    bind: o.bind,
    httpPort: o.httpPort,
    tunnelPort: o.tunnelPort,
    tunnelLimits: o.tunnelLimits,
    tls: { cert: o.tls.certPem, key: o.tls.keyPem },
    https,
    quick,
    quickAcrossEdges: o.quickKeyFrom !== undefined,
    quickTunnelsPerMinute: o.quickTunnelsPerMinute,
    originResponseTimeoutMs: o.originResponseTimeoutMs,
    requestBodyIdleTimeoutMs: o.requestBodyIdleTimeoutMs,
    logger,
  });
  return {
    edge,
    acmeOn,
    close: async () => {
      certificates.stop();
      zoneSettings.stop();
      await edge.close();
      accessGate.close();
      access.close();
    },
  };
}

/**
 * A certificate chain and its key from two PEM files (`--https-cert/--https-key`,
 * `--tls-cert/--tls-key`), read and checked to belong together before anything listens;
 * undefined when neither file is given.
 */
export async function loadCertificatePair(
  flags: { cert: string; key: string; purpose: string },
  files: { cert: string | undefined; key: string | undefined },
): Promise<{ cert: string; key: string } | undefined> {
  if (files.cert === undefined && files.key === undefined) return undefined;
  if (files.cert === undefined || files.key === undefined) {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `${flags.purpose} needs both ${flags.cert} and ${flags.key} (PEM files); pass both, or neither`,
    );
  }
  const read = async (flag: string, file: string): Promise<string> => {
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      throw new WarrenError(
        'WARREN_CONFIG_INVALID',
        `${flag} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
  };
  const cert = await read(flags.cert, files.cert);
  const key = await read(flags.key, files.key);
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `${flags.cert} ${files.cert} / ${flags.key} ${files.key}: ${(err as Error).message}; pass a PEM certificate chain and the private key it was issued for`,
    );
  }
  return { cert, key };
}
