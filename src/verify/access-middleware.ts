import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessJwtClaims } from './access-claims.js';
import type { AccessVerifier } from './access-verifier.js';
import { AccessVerifyError } from './access-verify-error.js';

/**
 * A request the middleware has let through carries its verified claims here.
 *
 * @example
 * ```ts
 * import type { AccessVerifiedRequest } from 'warren/verify';
 *
 * app.get('/', (req: Request & AccessVerifiedRequest, res) => res.send(req.accessClaims?.email));
 * ```
 */
export interface AccessVerifiedRequest {
  accessClaims?: AccessJwtClaims;
}

/** The JSON body of a refusal: the code, never the token. */
function refusalBody(err: unknown): string {
  const code = err instanceof AccessVerifyError ? err.code : 'WARREN_ACCESS_TOKEN_MALFORMED';
  return JSON.stringify({ error: 'forbidden', code });
}

function refuse(res: ServerResponse, err: unknown): void {
  const body = refusalBody(err);
  res.writeHead(403, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Wraps a node `http` handler: the handler runs only for requests whose Access token verifies,
 * with the claims as its third argument; others get 403 with `{"error":"forbidden","code":…}`.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createAccessVerifier, withAccess } from 'warren/verify';
 *
 * const access = createAccessVerifier({ teamDomain: 'myteam.access.example.com', audience: AUD });
 * createServer(withAccess(access, (req, res, claims) => res.end(`hello ${claims.email}`))).listen(3000);
 * ```
 */
export function withAccess<Req extends IncomingMessage, Res extends ServerResponse>(
  verifier: AccessVerifier,
  handler: (req: Req, res: Res, claims: AccessJwtClaims) => void,
): (req: Req, res: Res) => void {
  return (req, res) => {
    verifier.verify(req).then(
      (claims) => handler(req, res, claims),
      (err: unknown) => refuse(res, err),
    );
  };
}

/**
 * Express (or Connect) middleware: sets `req.accessClaims` and calls `next()`, or answers 403.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { accessExpress, createAccessVerifier } from 'warren/verify';
 *
 * const app = express();
 * app.use(accessExpress(createAccessVerifier({ teamDomain: 'myteam.access.example.com', audience: AUD })));
 * app.get('/', (req, res) => res.send(`hello ${req.accessClaims.email}`));
 * ```
 */
export function accessExpress(
  verifier: AccessVerifier,
): (req: IncomingMessage & AccessVerifiedRequest, res: ServerResponse, next: (err?: unknown) => void) => void {
  return (req, res, next) => {
    verifier.verify(req).then(
      (claims) => {
        req.accessClaims = claims;
        next();
      },
      (err: unknown) => refuse(res, err),
    );
  };
}

/**
 * What the Fastify hook uses of a reply (typed structurally: no dependency on fastify). A
 * FastifyReply is one; so is a stub in a test.
 *
 * @example
 * ```ts
 * import type { FastifyReplyLike } from 'warren/verify';
 *
 * const reply: FastifyReplyLike = { code: () => reply, header: () => reply, send: (body) => console.log(body) };
 * ```
 */
export interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  send(payload: string): unknown;
}

/**
 * A Fastify `onRequest` hook: sets `request.accessClaims`, or answers 403.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { accessFastify, createAccessVerifier } from 'warren/verify';
 *
 * const app = Fastify();
 * app.addHook('onRequest', accessFastify(createAccessVerifier({ teamDomain: 'myteam.access.example.com', audience: AUD })));
 * ```
 */
export function accessFastify(
  verifier: AccessVerifier,
): (request: { raw: IncomingMessage } & AccessVerifiedRequest, reply: FastifyReplyLike) => Promise<void> {
  return async (request, reply) => {
    try {
      request.accessClaims = await verifier.verify(request.raw);
    } catch (err) {
      await reply.code(403).header('content-type', 'application/json').send(refusalBody(err));
    }
  };
}
