import { createPrivateKey, X509Certificate } from 'node:crypto';
import { WarrenError } from '../errors/index.js';

/** The `ARGO TUNNEL TOKEN` block of cert.pem (cloudflared's field names). */
export interface ArgoTunnelToken {
  zoneID: string;
  accountID: string;
  /** An API token bound to the user's API key: it stops working when that key is rolled. */
  apiToken: string;
  /** Base URL of the control API, e.g. http://127.0.0.1:8081 (no /client/v4). */
  apiURL: string;
  /** The tunnel listener the connector dials, HOST:PORT. */
  edge: string;
}

export interface OriginCertBundle {
  certificate: string;
  privateKey: string;
  token: ArgoTunnelToken;
}

const TOKEN_LABEL = 'ARGO TUNNEL TOKEN';

/** cert.pem: the origin certificate, its private key, and the token block, as three PEM blocks. */
export function formatOriginCertBundle(b: OriginCertBundle): string {
  const json = Buffer.from(JSON.stringify(b.token)).toString('base64');
  const lines = json.match(/.{1,64}/g) ?? [];
  return `${b.certificate.trim()}\n${b.privateKey.trim()}\n-----BEGIN ${TOKEN_LABEL}-----\n${lines.join('\n')}\n-----END ${TOKEN_LABEL}-----\n`;
}

/**
 * Reads cert.pem (blocks in any order, as cloudflared writes key first). Every failure is
 * WARREN_ORIGIN_CERT_INVALID with what is wrong and "run warren login --force"; secret
 * values never appear in the message.
 */
export function parseOriginCertBundle(text: string, source: string): OriginCertBundle {
  const fail = (why: string, cause?: unknown): never => {
    throw new WarrenError(
      'WARREN_ORIGIN_CERT_INVALID',
      `${source} is not a usable cert.pem (${why}); run \`warren login --force\` to get a new one`,
      cause === undefined ? {} : { cause },
    );
  };
  const blocks = new Map<string, string>();
  for (const m of text.matchAll(/-----BEGIN ([A-Z ]+)-----\r?\n([\s\S]*?)-----END \1-----/g)) {
    const label = m[1] as string;
    if (blocks.has(label)) fail(`it holds two ${label} blocks`);
    blocks.set(label, m[0]);
  }
  const certificate = blocks.get('CERTIFICATE');
  const privateKey = blocks.get('PRIVATE KEY') ?? blocks.get('EC PRIVATE KEY') ?? blocks.get('RSA PRIVATE KEY');
  const tokenBlock = blocks.get(TOKEN_LABEL);
  if (certificate === undefined) return fail('no CERTIFICATE block');
  if (privateKey === undefined) return fail('no PRIVATE KEY block');
  if (tokenBlock === undefined) return fail(`no ${TOKEN_LABEL} block`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificate);
  } catch (err) {
    return fail('the CERTIFICATE block does not parse', err);
  }
  try {
    if (!cert.checkPrivateKey(createPrivateKey(privateKey))) fail('the private key does not belong to the certificate');
  } catch (err) {
    if (err instanceof WarrenError) throw err;
    return fail('the PRIVATE KEY block does not parse', err);
  }
  const body = tokenBlock.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(Buffer.from(body, 'base64').toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    return fail(`the ${TOKEN_LABEL} block is not base64 JSON`, err);
  }
  const { zoneID, accountID, apiToken, apiURL, edge } = o;
  for (const [k, v] of Object.entries({ zoneID, accountID, apiToken, apiURL, edge })) {
    if (typeof v !== 'string' || v === '') fail(`the ${TOKEN_LABEL} block has no "${k}"`);
  }
  if (!URL.canParse(apiURL as string)) fail(`the ${TOKEN_LABEL} block's apiURL is not a URL`);
  return {
    certificate,
    privateKey,
    token: {
      zoneID: zoneID as string,
      accountID: accountID as string,
      apiToken: apiToken as string,
      apiURL: apiURL as string,
      edge: edge as string,
    },
  };
}
