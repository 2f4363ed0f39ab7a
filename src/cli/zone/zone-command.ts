import { ControlClient } from '../../control/client/control-client.js';
import { WarrenError } from '../../errors/index.js';
import { loadOriginCert } from '../../pki/origin-cert-file.js';
import { printStructured } from '../tunnel/tunnel-list-command.js';
import { table } from '../tunnel/tunnel-manage-command.js';

/** How `warren zone …` reaches the API: an API token, else the token in cert.pem. */
export interface ZoneCommandOptions {
  api: string | undefined;
  apiToken: string | undefined;
  account: string | undefined;
  origincert: string | undefined;
}

/** The fields of `GET/POST /zones` the command prints. */
export interface ZoneResult {
  id: string;
  name: string;
  status: string;
  type: 'full' | 'partial';
  name_servers: string[];
  cname_suffix?: string;
  verification_record?: { type: 'TXT'; name: string; content: string };
  account: { id: string; name: string };
}

const DEFAULT_API = 'http://127.0.0.1:8081';

interface ZoneSession {
  http: ControlClient;
  /** The account named by --account or cert.pem; undefined: ask the API. */
  accountId: string | undefined;
}

/**
 * An API token wins (creating the first zone needs one: cert.pem exists only for a zone, and its
 * token manages that zone's DNS, not the account's zones); without one, cert.pem's token and API.
 */
async function openZoneSession(o: ZoneCommandOptions): Promise<ZoneSession> {
  if (o.apiToken !== undefined)
    return { http: new ControlClient(o.api ?? DEFAULT_API, o.apiToken), accountId: o.account };
  let cert: Awaited<ReturnType<typeof loadOriginCert>>;
  try {
    cert = await loadOriginCert(o.origincert);
  } catch (err) {
    if (err instanceof WarrenError && err.code === 'WARREN_ORIGIN_CERT_MISSING') {
      throw new WarrenError(
        'WARREN_ORIGIN_CERT_MISSING',
        'no API token and no cert.pem: set WARREN_API_TOKEN (an API token with "Zone: Edit", from the dashboard\'s API tokens page) and --api URL, or run `warren login` first',
        { cause: err },
      );
    }
    throw err;
  }
  return {
    http: new ControlClient(o.api ?? cert.token.apiURL, cert.token.apiToken),
    accountId: o.account ?? cert.token.accountID,
  };
}

/** The account to add the zone to: the one named, else the token's only account. */
async function accountOf(s: ZoneSession): Promise<string> {
  if (s.accountId !== undefined) return s.accountId;
  const accounts = await s.http.call<{ id: string; name: string }[]>('GET', '/accounts?per_page=50');
  const [only] = accounts;
  if (only !== undefined && accounts.length === 1) return only.id;
  if (accounts.length === 0) {
    throw new WarrenError('WARREN_CONFIG_INVALID', 'this API token sees no account; use a token of an account member');
  }
  throw new WarrenError(
    'WARREN_CONFIG_INVALID',
    `this API token sees ${accounts.length} accounts (${accounts.map((a) => `${a.name} ${a.id}`).join(', ')}); pick one with --account ID`,
  );
}

/** What is left to do for `z` to work, one line each (empty when it is active). */
export function zoneNextSteps(z: ZoneResult): string[] {
  if (z.type === 'partial') {
    const steps =
      z.status === 'pending' && z.verification_record !== undefined
        ? [
            `At the DNS provider of ${z.name}, create this TXT record so warren can verify the zone is yours:`,
            `  ${z.verification_record.name}. TXT "${z.verification_record.content}"`,
          ]
        : [];
    return [
      ...steps,
      `For each hostname you route through warren, create a CNAME there: <host>.${z.name}. CNAME <host>.${z.name}.${z.cname_suffix ?? ''}.`,
      ...(z.status === 'pending' ? [`Then run \`warren zone check ${z.name}\` (warren also checks by itself).`] : []),
    ];
  }
  if (z.status !== 'pending') return [];
  return [
    `At the registrar of ${z.name}, set its name servers to these (and remove any others):`,
    ...z.name_servers.map((ns) => `  ${ns}`),
    `Then run \`warren zone check ${z.name}\` (warren also checks by itself).`,
  ];
}

async function zoneByName(s: ZoneSession, name: string): Promise<ZoneResult> {
  const q = new URLSearchParams({ name: name.trim().toLowerCase().replace(/\.$/, '') });
  if (s.accountId !== undefined) q.set('account.id', s.accountId);
  const [z] = await s.http.call<ZoneResult[]>('GET', `/zones?${q.toString()}`);
  if (z === undefined) {
    throw new WarrenError(
      'WARREN_API_NOT_FOUND',
      `no zone named ${name} in your accounts; list them with \`warren zone list\``,
    );
  }
  return z;
}

/** `warren zone add NAME [--type full|partial]`: the zone, then the steps to finish. */
export async function addZone(
  o: ZoneCommandOptions & { type: 'full' | 'partial'; output: string | undefined },
  name: string,
): Promise<void> {
  const s = await openZoneSession(o);
  const accountId = await accountOf(s);
  const z = await s.http.call<ZoneResult>('POST', '/zones', { account: { id: accountId }, name, type: o.type });
  if (o.output === 'json' || o.output === 'yaml') {
    printStructured(z, o.output);
    return;
  }
  process.stdout.write(`Added zone ${z.name} (${z.id}), ${z.type} setup, ${z.status}.\n`);
  for (const line of zoneNextSteps(z)) process.stdout.write(`${line}\n`);
}

/** `warren zone list [-o json|yaml]`. */
export async function listZones(o: ZoneCommandOptions & { output: string | undefined }): Promise<void> {
  const s = await openZoneSession(o);
  const q = new URLSearchParams({ per_page: '50' });
  if (o.account !== undefined) q.set('account.id', o.account);
  const all: ZoneResult[] = [];
  // Bounded: at most 200 pages of 50.
  for (let page = 1; page <= 200; page++) {
    q.set('page', String(page));
    const rows = await s.http.call<ZoneResult[]>('GET', `/zones?${q.toString()}`);
    all.push(...rows);
    if (rows.length < 50) break;
  }
  if (o.output === 'json' || o.output === 'yaml') {
    printStructured(all, o.output);
    return;
  }
  if (all.length === 0) {
    process.stdout.write('No zones yet. Add one with `warren zone add example.com`.\n');
    return;
  }
  const rows = [['NAME', 'ID', 'STATUS', 'TYPE'], ...all.map((z) => [z.name, z.id, z.status, z.type])];
  process.stdout.write(`${table(rows)}\n`);
}

/** `warren zone check NAME`: PUT …/activation_check, then the status and what is left. */
export async function checkZone(o: ZoneCommandOptions, name: string): Promise<void> {
  const s = await openZoneSession(o);
  const z = await zoneByName(s, name);
  if (z.status !== 'pending') {
    process.stdout.write(`Zone ${z.name} is ${z.status}.\n`);
    return;
  }
  const r = await s.http.call<{ zone_status: string; instructions: string[] }>(
    'PUT',
    `/zones/${z.id}/activation_check`,
  );
  process.stdout.write(`Zone ${z.name} is ${r.zone_status}.\n`);
  for (const line of r.instructions) process.stdout.write(`${line}\n`);
}

/** `warren zone delete NAME`: the zone and all its DNS records. */
export async function deleteZone(o: ZoneCommandOptions, name: string): Promise<void> {
  const s = await openZoneSession(o);
  const z = await zoneByName(s, name);
  await s.http.call('DELETE', `/zones/${z.id}`);
  process.stdout.write(`Deleted zone ${z.name} (${z.id}) and its DNS records.\n`);
}
