import { type LookupAddress, type LookupOptions, lookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { Dispatcher } from 'undici';
import { WarrenError } from '../errors/index.js';

/**
 * How the server fetches a tenant-given identity provider URL (an OIDC `token_url`,
 * `certs_url`): openid-client's `customFetch` shape.
 */
export type IdpFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: unknown; redirect?: string; signal?: AbortSignal },
) => Promise<Response>;

/**
 * Addresses the server never connects to for a tenant: loopback, private (RFC 1918, ULA),
 * link-local (cloud metadata at 169.254.169.254), CGNAT, unspecified, multicast, reserved and
 * documentation ranges, and IPv6 forms that embed an IPv4 address (NAT64, 6to4). An IPv4-mapped
 * IPv6 address (`::ffff:127.0.0.1`) is checked against the IPv4 rules by BlockList itself (so
 * no `::ffff:0:0/96` rule here: it would match every IPv4 address).
 */
const NOT_PUBLIC = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NOT_PUBLIC.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  NOT_PUBLIC.addSubnet(net, bits, 'ipv6');
}

/** Whether `ip` (an IPv4 or IPv6 literal) is a public unicast address. */
export function isPublicAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  return !NOT_PUBLIC.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

function refused(host: string, address: string): WarrenError {
  return new WarrenError(
    'WARREN_IDP_ADDRESS_REFUSED',
    `the identity provider ${host} is at ${address}, a loopback, private or link-local address: warren does not fetch tenant-given URLs there unless the operator runs serve with --allow-private-idp-addresses`,
  );
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * `lookup` for the sockets to identity providers: every address the name resolves to must be
 * public. It runs at connect time, on the address the socket then uses, so a name that
 * resolves to a public address for a check and to 127.0.0.1 for the connection (DNS
 * rebinding) is refused too.
 */
function publicOnlyLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err !== null) return callback(err, []);
    const bad = addresses.find((a) => !isPublicAddress(a.address));
    if (bad !== undefined) return callback(refused(hostname, bad.address), []);
    if (options.all === true) return callback(null, addresses);
    const first = addresses[0];
    if (first === undefined)
      return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
    callback(null, first.address, first.family);
  });
}

/**
 * The fetch the server uses for identity providers. Without `allowPrivate` it refuses, at
 * connect time, every destination that is not a public address (literal or resolved): a tenant
 * cannot make the server reach its own loopback services, the private network, or a cloud
 * metadata endpoint through an identity provider's URL. Redirects are never followed.
 */
export function idpFetch(options: { allowPrivate: boolean }): IdpFetch {
  // undici (about 5 MiB of heap) loads on the first fetch: most servers never fetch from an identity provider.
  let client: Promise<{ fetch: typeof import('undici').fetch; dispatcher: Dispatcher }> | undefined;
  return async (url, init) => {
    if (!options.allowPrivate) {
      const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
      // A literal address never goes through lookup: check it here.
      if (isIP(host) !== 0 && !isPublicAddress(host)) throw refused(host, host);
    }
    client ??= import('undici').then(({ Agent, fetch }) => ({
      fetch,
      dispatcher: options.allowPrivate ? new Agent() : new Agent({ connect: { lookup: publicOnlyLookup } }),
    }));
    const { fetch: undiciFetch, dispatcher } = await client;
    try {
      const res = await undiciFetch(url, {
        method: init.method,
        headers: init.headers,
        body: init.body as string | undefined,
        redirect: 'manual',
        signal: init.signal ?? null,
        dispatcher,
      });
      // undici's Response is the WHATWG one openid-client checks for (by its toStringTag).
      return res as unknown as Response;
    } catch (err) {
      // fetch wraps connect errors in "fetch failed": say why instead.
      const cause = (err as { cause?: unknown }).cause;
      if (cause instanceof WarrenError) throw cause;
      throw err;
    }
  };
}
