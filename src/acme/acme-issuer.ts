import * as acme from 'acme-client';
import type { Store } from '../store/index.js';

/** Obtains one certificate for one name. The manager decides when; the issuer only speaks ACME. */
export interface CertificateIssuer {
  /** A PEM chain (leaf first) and its PEM key for `name`; throws with a reason a person can read. */
  issue(name: string): Promise<{ cert: string; key: string }>;
}

export interface AcmeIssuerOptions {
  store: Store;
  directoryUrl: string;
  email: string;
}

/**
 * RFC 8555 through `acme-client`, HTTP-01 only: the key authorization goes into the database,
 * and every edge process answers `/.well-known/acme-challenge/<token>` from there. The account key
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
    const tokens: string[] = [];
    try {
      const cert = await client.auto({
        csr,
        email: this.#o.email,
        termsOfServiceAgreed: true,
        challengePriority: ['http-01'],
        // The CA checks through the real path (its resolver, our edge); a self-check from here
        // would only repeat it through this host's resolver, which may not see warren's zones.
        skipChallengeVerification: true,
        challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
          if (challenge.type !== 'http-01') throw new Error(`challenge ${challenge.type} is not supported`);
          tokens.push(challenge.token);
          await store.acme.putChallenge(challenge.token, keyAuthorization);
        },
        challengeRemoveFn: async (_authz, challenge) => {
          await store.acme.dropChallenge(challenge.token);
        },
      });
      return { cert, key: key.toString('utf8') };
    } finally {
      for (const t of tokens) await store.acme.dropChallenge(t).catch(() => {});
    }
  }
}
