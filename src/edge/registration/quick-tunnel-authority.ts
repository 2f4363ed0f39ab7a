import { createHmac, randomBytes, randomUUID } from 'node:crypto';
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

export class QuickTunnelAuthority {
  readonly #key: Buffer;
  readonly domain: string;

  constructor(key: Buffer, domain: string) {
    if (key.length < 32) throw new TypeError('quick tunnel key must be at least 32 bytes');
    this.#key = key;
    this.domain = domain;
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

  create(): QuickTunnelCredentials {
    const tunnelId = randomUUID();
    return { tunnelId, secret: this.secretFor(tunnelId).toString('base64'), hostname: this.hostnameFor(tunnelId) };
  }

  secretFor(tunnelId: string): Buffer {
    return createHmac('sha256', this.#key).update(`secret:${tunnelId}`).digest();
  }

  /**
   * The hostname follows from the id, so a reconnecting connector (also after an edge restart)
   * gets its name back by proving it holds the id's secret; nothing needs storing.
   */
  hostnameFor(tunnelId: string): string {
    const d = createHmac('sha256', this.#key).update(`name:${tunnelId}`).digest();
    const words = [d[0], d[1], d[2], d[3]].map((b) => WORDS[b as number]);
    return `${words.join('-')}-${d.subarray(4, 8).toString('hex')}.quick.${this.domain}`;
  }
}
