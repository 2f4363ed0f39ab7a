import * as acme from 'acme-client';
import { dnsChallengeKey, type Store } from '../store/index.js';

/** Obtains one certificate for one name. The manager decides when; the issuer only speaks ACME. */
export interface CertificateIssuer {
  /** A PEM chain (leaf first) and its PEM key for `name`; throws with a reason a person can read. */
  issue(name: string): Promise<{ cert: string; key: string }>;
}

export interface AcmeIssuerOptions {
  store: Store;
  directoryUrl: string;
  email: string;
  /**
   * DNS-01: resolves once warren's DNS answers the TXT value just stored (the DNS server of this
   * process reloads). Without it (no DNS server here), wildcards cannot be issued.
   */
  dnsReady?: ((record: string) => Promise<void>) | undefined;
}

/**
 * RFC 8555 through `acme-client`. HTTP-01 for plain names: the key authorization goes into the
 * database, and every edge process answers `/.well-known/acme-challenge/<token>` from there.
 * DNS-01 for wildcards (`*.example.com`, full zones only): the TXT value goes into the database
 * too, and warren's authoritative DNS serves it at `_acme-challenge.example.com`. The account key
 * (ECDSA P-256) is made once per directory and kept sealed in the database, shared by every
 * process. TLS to the directory trusts node's roots plus NODE_EXTRA_CA_CERTS.
 */
export class AcmeIssuer implements CertificateIssuer {
  readonly #o: AcmeIssuerOptions;
  #client: Promise<acme.Client> | undefined;

  constructor(options: AcmeIssuerOptions) {
    this.#o = options;
  }

  #account(): Promise<acme.Client> {
    this.#client ??= (async () => {
      const { store, directoryUrl, email } = this.#o;
      let row = await store.acme.account(directoryUrl);
      if (row === undefined) {
        const key = await acme.crypto.createPrivateEcdsaKey('P-256');
        row = await store.acme.saveAccount({
          directory: directoryUrl,
          email,
          key_sealed: store.secrets.seal(key),
          created_at: store.clock.now().toISOString(),
        });
      }
      return new acme.Client({ directoryUrl, accountKey: store.secrets.open(row.key_sealed) });
    })().catch((err: unknown) => {
      this.#client = undefined;
      throw err;
    });
    return this.#client;
  }

  async issue(name: string): Promise<{ cert: string; key: string }> {
    const client = await this.#account();
    const { store } = this.#o;
    const [key, csr] = await acme.crypto.createCsr(
      { altNames: [name] },
      await acme.crypto.createPrivateEcdsaKey('P-256'),
    );
    const wildcard = name.startsWith('*.');
    const dnsReady = this.#o.dnsReady;
    if (wildcard && dnsReady === undefined) {
      throw new Error("a wildcard needs DNS-01, and warren's DNS server is not running in this process");
    }
    const tokens: string[] = [];
    try {
      const cert = await client.auto({
        csr,
        email: this.#o.email,
        termsOfServiceAgreed: true,
        challengePriority: wildcard ? ['dns-01'] : ['http-01'],
        // The CA checks through the real path (its resolver, our edge); a self-check from here
        // would only repeat it through this host's resolver, which may not see warren's zones.
        skipChallengeVerification: true,
        challengeCreateFn: async (authz, challenge, keyAuthorization) => {
          if (challenge.type === 'http-01') {
            tokens.push(challenge.token);
            await store.acme.putChallenge(challenge.token, keyAuthorization);
            return;
          }
          if (challenge.type !== 'dns-01' || dnsReady === undefined) {
            throw new Error(`challenge ${challenge.type} is not supported`);
          }
          const record = `_acme-challenge.${authz.identifier.value}`;
          const key = dnsChallengeKey(record, challenge.token);
          tokens.push(key);
          await store.acme.putChallenge(key, keyAuthorization);
          await store.feed.publish('acme_challenges');
          await dnsReady(record);
        },
        challengeRemoveFn: async (authz, challenge) => {
          const key =
            challenge.type === 'dns-01'
              ? dnsChallengeKey(`_acme-challenge.${authz.identifier.value}`, challenge.token)
              : challenge.token;
          await store.acme.dropChallenge(key);
        },
      });
      return { cert, key: key.toString('utf8') };
    } finally {
      for (const t of tokens) await store.acme.dropChallenge(t).catch(() => {});
      if (wildcard) await store.feed.publish('acme_challenges').catch(() => {});
    }
  }
}
