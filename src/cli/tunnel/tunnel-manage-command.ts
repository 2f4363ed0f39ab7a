import { existsSync } from 'node:fs';
import { chmod, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TunnelCredentials } from '../../connector/index.js';
import { parseTunnelToken, readCredentialsFile } from '../../connector/tunnel-credentials.js';
import { ControlClient } from '../../control/client/control-client.js';
import { ControlApiClient } from '../../control/client/index.js';
import { WarrenError } from '../../errors/index.js';
import type { OriginCertBundle } from '../../pki/origin-cert-bundle.js';
import { loadOriginCert, warrenHome } from '../../pki/origin-cert-file.js';
import { isUuid } from '../../protocol/index.js';

/** The account and API that cert.pem points at, with a client authenticated by its token. */
export interface ManageSession {
  cert: OriginCertBundle & { path: string };
  api: ControlApiClient;
}

export async function openSession(origincert: string | undefined): Promise<ManageSession> {
  const cert = await loadOriginCert(origincert);
  const http = new ControlClient(cert.token.apiURL, cert.token.apiToken);
  return { cert, api: new ControlApiClient(http, { accountId: cert.token.accountID, zoneId: cert.token.zoneID }) };
}

function credentialsPath(id: string): string {
  return join(warrenHome(), `${id}.json`);
}

/** `tunnel create NAME`: the tunnel, and its credentials in ~/.warren/<id>.json (0400, never overwritten). */
export async function createTunnel(
  o: {
    origincert: string | undefined;
    credentialsFile: string | undefined;
    output: string | undefined;
    secret?: string | undefined;
  },
  name: string,
): Promise<void> {
  if (o.secret !== undefined && Buffer.from(o.secret, 'base64').length < 32) {
    // The secret itself is never repeated in the message.
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      '--secret must be base64 of at least 32 bytes; make one with `openssl rand -base64 32`',
    );
  }
  const s = await openSession(o.origincert);
  if (o.credentialsFile !== undefined && existsSync(o.credentialsFile)) {
    throw new WarrenError(
      'WARREN_FILE_EXISTS',
      `${o.credentialsFile} already exists; tunnel credentials are never overwritten: choose another --credentials-file`,
    );
  }
  const t = await s.api.createTunnel(name, o.secret);
  const path = o.credentialsFile ?? credentialsPath(t.id);
  const creds = { ...t.credentials_file, Endpoint: '' };
  try {
    await writeFile(path, `${JSON.stringify(creds)}\n`, { mode: 0o400, flag: 'wx' });
  } catch (err) {
    throw new WarrenError(
      (err as NodeJS.ErrnoException).code === 'EEXIST' ? 'WARREN_FILE_EXISTS' : 'WARREN_CONFIG_INVALID',
      `tunnel ${t.id} was created, but its credentials could not be written to ${path} (${(err as NodeJS.ErrnoException).code}); get a token with \`warren tunnel token ${t.id}\``,
      { cause: err },
    );
  }
  await chmod(path, 0o400);
  if (o.output === 'json' || o.output === 'yaml') {
    const { printStructured } = await import('./tunnel-list-command.js');
    printStructured({ id: t.id, name: t.name, created_at: t.created_at, credentials_file: path }, o.output);
    return;
  }
  process.stdout.write(
    `Tunnel credentials written to ${path}. Keep this file secret.\nCreated tunnel ${t.name} with id ${t.id}\n`,
  );
}

/** `2xedge-a, 2xedge-b`: connections per edge, as cloudflared prints them. */
export function connectionsSummary(conns: readonly { colo_name: string }[]): string {
  const byEdge = new Map<string, number>();
  for (const c of conns) byEdge.set(c.colo_name, (byEdge.get(c.colo_name) ?? 0) + 1);
  return [...byEdge.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([edge, n]) => `${n}x${edge}`)
    .join(', ');
}

export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

/** `tunnel delete [-f] [--cleanup-dns] T…`. */
export async function deleteTunnels(
  o: { origincert: string | undefined; force: boolean; cleanupDns: boolean },
  refs: readonly string[],
): Promise<void> {
  const s = await openSession(o.origincert);
  for (const ref of refs) {
    const t = await s.api.findTunnel(ref);
    if (t.deleted_at !== null) {
      throw new WarrenError('WARREN_TUNNEL_NOT_FOUND', `tunnel ${t.id} was already deleted on ${t.deleted_at}`);
    }
    if (!o.force && t.connections.length > 0) {
      throw new WarrenError(
        'WARREN_TUNNEL_CONNECTED',
        `tunnel ${t.name} (${t.id}) has ${t.connections.length} active connection(s); stop its connectors, or pass -f to delete it anyway`,
      );
    }
    if (o.cleanupDns) {
      const r = await s.api.deleteDnsRoutesOf(t.id);
      for (const name of r.deleted) process.stdout.write(`Deleted DNS route ${name}\n`);
    }
    await s.api.deleteTunnel(t.id, { cascade: o.force });
    const creds = credentialsPath(t.id);
    if (existsSync(creds)) {
      await chmod(creds, 0o600);
      await unlink(creds);
    }
    process.stdout.write(`Deleted tunnel ${t.name} (${t.id})\n`);
    if (!o.cleanupDns) {
      process.stdout.write(
        '  DNS routes to it were kept; delete them with `warren tunnel route delete HOST` (or use --cleanup-dns)\n',
      );
    }
  }
}

/** `tunnel cleanup T…`: closes the tunnels' connections (stale ones go away; running connectors re-register). */
export async function cleanupTunnels(
  o: { origincert: string | undefined; connectorId?: string | undefined },
  refs: readonly string[],
): Promise<void> {
  if (o.connectorId !== undefined && refs.length !== 1) {
    throw new WarrenError('WARREN_CONFIG_INVALID', '--connector-id cleans up one tunnel: name exactly one tunnel');
  }
  const s = await openSession(o.origincert);
  for (const ref of refs) {
    const t = await s.api.findTunnel(ref);
    const r = await s.api.cleanupConnections(t.id, o.connectorId);
    const whose = o.connectorId === undefined ? '' : ` of connector ${o.connectorId}`;
    process.stdout.write(`Cleaned up ${r.connections} connection(s)${whose} of tunnel ${t.name} (${t.id})\n`);
  }
}

/** `tunnel token T`. */
export async function printToken(
  o: { origincert: string | undefined; credentialsFile?: string | undefined },
  ref: string,
): Promise<void> {
  const s = await openSession(o.origincert);
  const t = await s.api.findTunnel(ref);
  const token = await s.api.tunnelToken(t.id);
  if (o.credentialsFile === undefined) {
    process.stdout.write(`${token}\n`);
    return;
  }
  // cloudflared's `tunnel token --cred-file F`: the credentials JSON goes to F (0400, never overwritten).
  const c = parseTunnelToken(token);
  const json = {
    AccountTag: c.accountTag,
    TunnelSecret: c.secret.toString('base64'),
    TunnelID: c.tunnelId,
    Endpoint: '',
  };
  try {
    await writeFile(o.credentialsFile, `${JSON.stringify(json)}\n`, { mode: 0o400, flag: 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new WarrenError(
      code === 'EEXIST' ? 'WARREN_FILE_EXISTS' : 'WARREN_CONFIG_INVALID',
      code === 'EEXIST'
        ? `${o.credentialsFile} already exists; tunnel credentials are never overwritten: choose another --cred-file`
        : `cannot write ${o.credentialsFile} (${code ?? 'error'})`,
      { cause: err },
    );
  }
  process.stdout.write(`Tunnel credentials written to ${o.credentialsFile}. Keep this file secret.\n`);
}

/** `tunnel route dns [--overwrite-dns] T HOST`: in cert.pem's zone (the hostname may be in another zone of the account). */
export async function routeDns(
  o: { origincert: string | undefined; overwriteDns: boolean },
  ref: string,
  host: string,
): Promise<void> {
  const s = await openSession(o.origincert);
  const t = await s.api.findTunnel(ref);
  let r: Awaited<ReturnType<typeof s.api.routeDns>>;
  try {
    r = await s.api.routeDns(t.id, host, { overwrite: o.overwriteDns });
  } catch (err) {
    // cert.pem's token may write DNS in its own zone only: a hostname in another zone of the
    // account is refused by the token's policy. Say what to do, not which policy refused it.
    if (err instanceof WarrenError && err.code === 'WARREN_API_FORBIDDEN') {
      throw new WarrenError(
        'WARREN_API_FORBIDDEN',
        `${host} is in another zone than the one ${s.cert.path} was issued for, and that cert.pem may change DNS records only in its own zone: log in for the zone of ${host} (\`warren login --zone <that zone>\`, or --origincert with a cert.pem for it), then run route dns again`,
        { cause: err },
      );
    }
    throw err;
  }
  const what = { new: 'Added CNAME', updated: 'Overwrote the records of', unchanged: 'CNAME already in place:' }[
    r.cname
  ];
  process.stdout.write(`${what} ${r.name} which will route to this tunnel tunnelID=${t.id}\n`);
  // Pending zone or partial setup: the steps outside warren, so the hostname resolves.
  for (const step of r.dns_setup?.instructions ?? []) process.stdout.write(`Next: ${step}\n`);
}

/** `tunnel route delete HOST`. */
export async function routeDelete(o: { origincert: string | undefined }, host: string): Promise<void> {
  const s = await openSession(o.origincert);
  const r = await s.api.deleteTunnelRoute(host);
  process.stdout.write(`Deleted the tunnel route ${r.hostname}\n`);
}

/**
 * `tunnel run NAME|ID` without --token or --credentials-file: ~/.warren/<id>.json when it is
 * there, else the tunnel's token fetched with cert.pem (a name always needs cert.pem).
 */
export async function credentialsByRef(ref: string, origincert: string | undefined): Promise<TunnelCredentials> {
  if (isUuid(ref) && existsSync(credentialsPath(ref.toLowerCase()))) {
    return readCredentialsFile(credentialsPath(ref.toLowerCase()));
  }
  const s = await openSession(origincert);
  const t = await s.api.findTunnel(ref);
  if (existsSync(credentialsPath(t.id))) return readCredentialsFile(credentialsPath(t.id));
  return parseTunnelToken(await s.api.tunnelToken(t.id));
}

/** `warren tunnel --hostname H`: registers the classic tunnel and its CNAME; returns what the connector needs. */
export async function registerClassicTunnel(
  origincert: string | undefined,
  hostname: string,
): Promise<{ credentials: TunnelCredentials; edge: string; hostname: string; cname: string }> {
  const s = await openSession(origincert);
  const r = await s.api.registerClassicTunnel(hostname);
  return { credentials: parseTunnelToken(r.token), edge: s.cert.token.edge, hostname: r.hostname, cname: r.cname };
}

/** The edge cert.pem names, when there is a readable cert.pem (for `--edge` left at its default). */
export async function edgeFromOriginCert(origincert: string | undefined): Promise<string | undefined> {
  try {
    return (await loadOriginCert(origincert)).token.edge;
  } catch (err) {
    if (err instanceof WarrenError && err.code === 'WARREN_ORIGIN_CERT_MISSING') return undefined;
    throw err;
  }
}
