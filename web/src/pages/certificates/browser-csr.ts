/** Loaded on demand (the certificate dialog): x509 and ASN.1 code stay out of the main bundle. */
// tsyringe (under @peculiar/x509) needs the Reflect metadata API before it loads.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

/** A key pair made in this browser (WebCrypto) and its CSR; the private key never leaves the page. */
export interface BrowserKey {
  csr: string;
  privateKeyPem: string;
  requestType: 'origin-rsa' | 'origin-ecc';
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = btoa(String.fromCharCode(...new Uint8Array(der)));
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export async function generateKeyAndCsr(kind: 'ecdsa' | 'rsa', hostnames: readonly string[]): Promise<BrowserKey> {
  const alg =
    kind === 'rsa'
      ? {
          name: 'RSASSA-PKCS1-v1_5',
          hash: 'SHA-256',
          publicExponent: new Uint8Array([1, 0, 1]),
          modulusLength: 2048,
        }
      : { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  x509.cryptoProvider.set(crypto);
  const keys = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const first = hostnames[0] ?? 'origin';
  const req = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${first.replace(/[,+="\\<>;]/g, '')}`,
    keys,
    signingAlgorithm: alg,
    extensions: [new x509.SubjectAlternativeNameExtension(hostnames.map((h) => ({ type: 'dns' as const, value: h })))],
  });
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    csr: req.toString('pem'),
    privateKeyPem: pem('PRIVATE KEY', pkcs8),
    requestType: kind === 'rsa' ? 'origin-rsa' : 'origin-ecc',
  };
}

/** The request_type a pasted CSR needs (its public key's kind); an unreadable CSR is left to the server to refuse. */
export function csrRequestType(csrPem: string): 'origin-rsa' | 'origin-ecc' {
  try {
    return new x509.Pkcs10CertificateRequest(csrPem.trim()).publicKey.algorithm.name === 'ECDSA'
      ? 'origin-ecc'
      : 'origin-rsa';
  } catch {
    return 'origin-rsa';
  }
}
