import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

const PREFIX = '/.well-known/acme-challenge/';
/** RFC 8555 §8.3: a token is base64url, at least 128 bits (22 characters); 128 is plenty. */
const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

/** A request that may be an ACME HTTP-01 challenge (acmeChallengeAnswer looks its token up). */
export function mayBeAcmeChallenge(method: string | undefined, url: string): boolean {
  return method === 'GET' && url.startsWith(PREFIX);
}

/**
 * Wraps the visitor HTTP handler: `GET /.well-known/acme-challenge/<token>` for a token warren
 * has in flight answers its key authorization (RFC 8555 §8.3), on any Host, before routing; any
 * other request, and an unknown token, goes on to the tunnel as before.
 */
export function acmeChallengeAnswer(
  lookup: (token: string) => Promise<string | undefined>,
  next: (req: IncomingMessage, res: ServerResponse) => void,
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = req.url ?? '';
    if (!mayBeAcmeChallenge(req.method, url)) {
      next(req, res);
      return;
    }
    const token = url.slice(PREFIX.length);
    if (!TOKEN.test(token)) {
      next(req, res);
      return;
    }
    lookup(token).then(
      (answer) => {
        if (answer === undefined) {
          next(req, res);
          return;
        }
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': Buffer.byteLength(answer) });
        res.end(answer);
      },
      (err: unknown) => {
        logger.warn({ err: (err as Error).message }, 'edge: ACME challenge lookup failed');
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('Service Unavailable\n');
      },
    );
  };
}
