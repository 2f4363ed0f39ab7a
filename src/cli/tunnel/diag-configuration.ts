import { CONNECTOR_VERSION } from '../../connector/index.js';
import type { Ingress, OriginRequestConfig } from '../../connector/ingress/index.js';
import { describeService } from '../../connector/ingress/index.js';
import type { TunnelRunOptions } from './tunnel-command.js';

/** Flags from a config file that hold a secret themselves (not a path to one): never shown. */
const SECRET_FLAGS = /token|secret|credentials-contents|password|api-key/i;

/**
 * The connector's effective configuration for `warren tunnel diag`. A whitelist: each field is
 * named here, so a secret added to the options later does not show up by itself. Files holding
 * secrets (credentials, client key) appear by path only; the token and the tunnel secret never.
 */
export function diagConfiguration(
  o: TunnelRunOptions,
  connectorId: string,
  ingress: () => Ingress,
): Record<string, unknown> {
  const i = ingress();
  return {
    version: CONNECTOR_VERSION,
    connectorId,
    kind: o.credentials === undefined ? 'quick tunnel' : 'named tunnel',
    tunnelId: o.credentials?.tunnelId,
    accountTag: o.credentials?.accountTag,
    credentials: o.credentials === undefined ? undefined : '[REDACTED: tunnel secret]',
    edge: o.edge,
    edgeCa: o.edgeCa,
    haConnections: o.haConnections,
    metrics: o.metrics,
    gracePeriodMs: o.gracePeriodMs,
    heartbeatMs: o.heartbeatMs,
    retries: o.retries,
    edgeIpVersion: o.edgeIpVersion,
    edgeBindAddress: o.edgeBindAddress,
    url: o.url,
    tags: o.tags,
    label: o.label,
    log: { level: o.log.level, output: o.log.output, file: o.log.file, transportLevel: o.transportLoglevel },
    pidfile: o.pidfile,
    configFile:
      o.config === undefined
        ? undefined
        : {
            path: o.config.source,
            tunnel: o.config.tunnel,
            credentialsFile: o.config.credentialsFile,
            originCert: o.config.originCert,
            flags: Object.fromEntries(
              Object.entries(o.config.flags).map(([k, v]) => [k, SECRET_FLAGS.test(k) ? '[REDACTED]' : v]),
            ),
            warnings: o.config.warnings,
          },
    ingress: {
      defaults: originRequestView(i.defaults),
      rules: i.rules.map((r) => ({
        rule: r.index + 1,
        hostname: r.hostname,
        path: r.pathSource === '' ? undefined : r.pathSource,
        service: describeService(r.service),
        originRequest: originRequestView(r.originRequest),
      })),
    },
  };
}

function originRequestView(o: OriginRequestConfig): Record<string, unknown> {
  return {
    connectTimeoutMs: o.connectTimeoutMs,
    tlsTimeoutMs: o.tlsTimeoutMs,
    tcpKeepAliveMs: o.tcpKeepAliveMs,
    keepAliveConnections: o.keepAliveConnections,
    keepAliveTimeoutMs: o.keepAliveTimeoutMs,
    httpHostHeader: o.httpHostHeader,
    originServerName: o.originServerName,
    matchSNItoHost: o.matchSNItoHost,
    caPool: o.caPool,
    noTLSVerify: o.noTLSVerify,
    // Paths only: the PEM contents (the key above all) are never read into this view.
    tlsClientCert: o.tlsClientCert,
    tlsClientKey: o.tlsClientKey,
    disableChunkedEncoding: o.disableChunkedEncoding,
    udpIdleTimeoutMs: o.udpIdleTimeoutMs,
    proxyProtocol: o.proxyProtocol,
    bastionMode: o.bastionMode,
    bastionDestinations: o.bastionDestinations,
    access:
      o.access === undefined
        ? undefined
        : {
            required: o.access.required,
            teamName: o.access.teamName,
            audTag: o.access.audTag,
            jwksUrl: o.access.jwksUrl,
          },
    healthCheck: o.healthCheck,
  };
}
