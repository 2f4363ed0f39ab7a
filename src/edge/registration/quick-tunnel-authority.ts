import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// 256 short, unambiguous words: four of them and 8 hex digits name a quick tunnel (64 bits from
// an HMAC of its id), e.g. `four-east-lawn-bell-3f9a1c2e`. 32 bits were too few: at ~77,000
// quick tunnels two share a name with even odds; at 64 bits that takes ~5 billion.
const WORDS = (
  'able acid aged also area army away baby back ball band bank base bath bear beat bell belt best bird blow blue ' +
  'boat body bone book boot born boss both bowl bulk burn bush busy cake call calm camp card care cart case cash ' +
  'cast cell chat chip city clay club coal coat code cold cook cool copy cord core corn cost crew crop dark data ' +
  'date dawn deal dear deck deep deer desk dial diet dish dock door dose down draw drop drum duck dust duty each ' +
  'earn ease east easy edge else epic even exit face fact fair fall farm fast fate fear feed feel fern film find ' +
  'fine fire firm fish five flag flat flow foam fold folk food foot ford fork form fort four free frog fuel full ' +
  'fund gain game gate gear gift girl glad goal gold golf good gray grid grow gulf hail hair half hall hand hard ' +
  'harp hawk head heat help herb hero high hill hint hive hold hole home hood hook hope horn host hour huge hunt ' +
  'idea inch iron isle jade jazz join joke jump jury keen keep kind king kite knot lace lake lamp land lane last ' +
  'lava lawn lead leaf lean left lens life lift lime line link lion list loaf lock loft long loop lord love luck ' +
  'main mall many mark mast maze meal meet melt menu mild mile milk mill mind mint mist mode mood moon moss most ' +
  'moth move much mule muse nail name navy near neat nest news next nice node noon nose note oak oath open oval ' +
  'pace pack page palm park part pass path peak pear pine pink pipe plan play plot plum poem pole pond pony pool ' +
  'port pose post'
)
  .split(' ')
  .slice(0, 256);

/** Quick-tunnel credentials are ours to verify without storage: the secret is an HMAC of the id under the edge's key. */
export const QUICK_ACCOUNT_TAG = 'quick';

export interface QuickTunnelCredentials {
  tunnelId: string;
  secret: string;
  hostname: string;
}

const WORD_INDEX = new Map(WORDS.map((w, i) => [w, i]));

/**
 * A quick tunnel's id carries its name: the 64 name bits N (four word bytes, four hex bytes) and a
 * 58-bit tag keyed by the edge's key, in a UUIDv8 (RFC 9562: version 8, variant 10):
 * N[63..16] | 8 | N[15..4] | 10 | N[3..0] | tag. So any edge holding the key finds the tunnel of a
 * quick hostname without storage (issue 23: any edge serves any tunnel), and ids it did not mint
 * (no valid tag) are not taken for quick ones.
 */
const VERSION_8 = 0x8n;
const VARIANT_10 = 0x2n;
const MASK_58 = (1n << 58n) - 1n;

export class QuickTunnelAuthority {
  readonly #key: Buffer;
  readonly domain: string;
  readonly #suffix: string;

  constructor(key: Buffer, domain: string) {
    if (key.length < 32) throw new TypeError('quick tunnel key must be at least 32 bytes');
    this.#key = key;
    this.domain = domain;
    this.#suffix = `.quick.${domain}`;
  }

  /** Loads `<data-dir>/quick-tunnel.key` (creating it), so quick tunnels survive an edge restart. */
  static async open(dataDir: string, domain: string): Promise<QuickTunnelAuthority> {
    const path = join(dataDir, 'quick-tunnel.key');
    await mkdir(dataDir, { recursive: true });
    let key: Buffer;
    try {
      key = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      key = randomBytes(32);
      await writeFile(path, `${key.toString('base64')}\n`, { mode: 0o600 });
      await chmod(path, 0o600);
    }
    return new QuickTunnelAuthority(key, domain);
  }

  /**
   * The key every edge of a deployment shares, derived from the deployment's edge CA key (sealed
   * in the database): a quick tunnel minted at one edge re-joins at, and is served by, any other.
   */
  static shared(edgeCaKeyPem: string, domain: string): QuickTunnelAuthority {
    const key = Buffer.from(hkdfSync('sha256', edgeCaKeyPem, 'warren', 'quick-tunnel names and secrets', 32));
    return new QuickTunnelAuthority(key, domain);
  }

  create(): QuickTunnelCredentials {
    const tunnelId = this.#idOf(randomBytes(8));
    return { tunnelId, secret: this.secretFor(tunnelId).toString('base64'), hostname: this.hostnameFor(tunnelId) };
  }

  secretFor(tunnelId: string): Buffer {
    return createHmac('sha256', this.#key).update(`secret:${tunnelId}`).digest();
  }

  /**
   * The hostname follows from the id, so a reconnecting connector (also after an edge restart)
   * gets its name back by proving it holds the id's secret; nothing needs storing. Ids minted
   * before names were carried in them (random UUIDv4) keep their HMAC-derived name.
   */
  hostnameFor(tunnelId: string): string {
    const bits = this.#nameBitsOf(tunnelId) ?? createHmac('sha256', this.#key).update(`name:${tunnelId}`).digest();
    const words = [bits[0], bits[1], bits[2], bits[3]].map((b) => WORDS[b as number]);
    return `${words.join('-')}-${bits.subarray(4, 8).toString('hex')}${this.#suffix}`;
  }

  /** The quick tunnel a hostname of this edge's form names (minted by an edge with this key), or undefined. */
  tunnelIdFor(hostname: string): string | undefined {
    if (!hostname.endsWith(this.#suffix)) return undefined;
    const m = /^([a-z]{4})-([a-z]{4})-([a-z]{4})-([a-z]{4})-([0-9a-f]{8})$/.exec(
      hostname.slice(0, -this.#suffix.length),
    );
    if (m === null) return undefined;
    const bytes = Buffer.alloc(8);
    for (let i = 0; i < 4; i++) {
      const index = WORD_INDEX.get(m[i + 1] ?? '');
      if (index === undefined) return undefined;
      bytes[i] = index;
    }
    bytes.write(m[5] ?? '', 4, 'hex');
    return this.#idOf(bytes);
  }

  #tag(name: Buffer): bigint {
    return createHmac('sha256', this.#key).update('id:').update(name).digest().readBigUInt64BE(0) & MASK_58;
  }

  #idOf(name: Buffer): string {
    const n = name.readBigUInt64BE(0);
    const u =
      ((n >> 16n) << 80n) |
      (VERSION_8 << 76n) |
      (((n >> 4n) & 0xfffn) << 64n) |
      (VARIANT_10 << 62n) |
      ((n & 0xfn) << 58n) |
      this.#tag(name);
    const hex = u.toString(16).padStart(32, '0');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** The 8 name bytes an id of ours carries; undefined for any other id. */
  #nameBitsOf(tunnelId: string): Buffer | undefined {
    const hex = tunnelId.replaceAll('-', '');
    if (!/^[0-9a-f]{32}$/.test(hex)) return undefined;
    const u = BigInt(`0x${hex}`);
    if (((u >> 76n) & 0xfn) !== VERSION_8 || ((u >> 62n) & 0x3n) !== VARIANT_10) return undefined;
    const n = ((u >> 80n) << 16n) | (((u >> 64n) & 0xfffn) << 4n) | ((u >> 58n) & 0xfn);
    const name = Buffer.alloc(8);
    name.writeBigUInt64BE(n);
    return (u & MASK_58) === this.#tag(name) ? name : undefined;
  }
}
