import { filePathProblem } from './file-path-problem.js';
import { IngressError } from './ingress-error.js';
import type { AccessConfig, OriginRequestConfig } from './origin-request.js';

/*
 * The checks of an `originRequest` once merged (a rule's over the global one over the defaults),
 * (its health check: rule-health-check.ts). Each throws an IngressError whose problem starts with the key at fault
 * (`originRequest.connectTimeout …`), which Ingress.validate turns into the error's field.
 */

export function checkOriginRequest(n: number | undefined, o: OriginRequestConfig): void {
  const where = 'originRequest';
  const durations: [keyof OriginRequestConfig, number][] = [
    ['connectTimeoutMs', o.connectTimeoutMs],
    ['tlsTimeoutMs', o.tlsTimeoutMs],
    ['keepAliveTimeoutMs', o.keepAliveTimeoutMs],
  ];
  for (const [key, ms] of durations) {
    if (!(ms > 0)) {
      const name = key.replace(/Ms$/, '');
      throw new IngressError(n, `${where}.${name} must be longer than zero`, `write e.g. "${name}: 30s"`);
    }
  }
  if (!(o.tcpKeepAliveMs >= 0)) {
    throw new IngressError(n, `${where}.tcpKeepAlive cannot be negative`, 'write e.g. "tcpKeepAlive: 30s"');
  }
  if (!Number.isInteger(o.keepAliveConnections) || o.keepAliveConnections < 0) {
    throw new IngressError(
      n,
      `${where}.keepAliveConnections must be a whole number of connections, 0 or more`,
      'write e.g. "keepAliveConnections: 100"',
    );
  }
  if (o.httpHostHeader !== undefined && !/^[^\s/]+$/.test(o.httpHostHeader)) {
    throw new IngressError(
      n,
      `${where}.httpHostHeader "${o.httpHostHeader}" is not a host`,
      'write a host name with an optional port, e.g. "httpHostHeader: app.internal:8080"',
    );
  }
  if (o.access !== undefined) checkAccess(n, o.access);
  checkFilePaths(n, o);
}

/**
 * The file paths of an originRequest, by shape only: they name files on the connector's host,
 * read when the connector applies the rules (never here: see the class comment).
 */
function checkFilePaths(n: number | undefined, o: OriginRequestConfig): void {
  const fields = [
    ['caPool', o.caPool],
    ['tlsClientCert', o.tlsClientCert],
    ['tlsClientKey', o.tlsClientKey],
  ] as const;
  for (const [name, path] of fields) {
    if (path === undefined) continue;
    const problem = filePathProblem(path);
    if (problem !== undefined) {
      throw new IngressError(
        n,
        `originRequest.${name} ${problem}`,
        "write the path of a PEM file on the connector's host, e.g. /etc/warren/origin.pem or ~/origin.pem",
      );
    }
  }
  if ((o.tlsClientCert === undefined) !== (o.tlsClientKey === undefined)) {
    const [set, missing] =
      o.tlsClientCert === undefined ? ['tlsClientKey', 'tlsClientCert'] : ['tlsClientCert', 'tlsClientKey'];
    throw new IngressError(
      n,
      `originRequest sets ${set} without ${missing}`,
      'set both: tlsClientCert to the PEM certificate and tlsClientKey to its PEM private key',
    );
  }
}

function checkAccess(n: number | undefined, a: AccessConfig): void {
  if (a.required && a.teamName === '' && a.audTag.length > 0) {
    throw new IngressError(
      n,
      'originRequest.access has audTag but no teamName',
      'add "teamName: <your team>" (the <team> in <team>.access.<domain>)',
    );
  }
}
