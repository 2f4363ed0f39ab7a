import type { Logger } from 'pino';
import type { MuxStream, RequestHead } from '../protocol/index.js';
import type { ConnectorMetrics } from './connector-metrics.js';
import { type AccessConfig, headerValue, requestHost } from './ingress/index.js';
import { answerLocally } from './local-answer.js';
import type { OriginHandler } from './origin-handler.js';

/**
 * Checks a request to a rule with `originRequest.access.required`. `token` is the
 * `Cf-Access-Jwt-Assertion` header, if any. Returning false (or throwing, or rejecting) answers
 * 403 without contacting the origin.
 */
export type AccessVerifier = (
  token: string | undefined,
  access: AccessConfig,
  head: RequestHead,
) => boolean | Promise<boolean>;

/** Where a checked request goes and who hears about a refusal. */
export interface AccessCheckTarget {
  readonly handler: OriginHandler;
  readonly access: AccessConfig;
  /** 0-based index of the rule, for the log. */
  readonly ruleIndex: number;
}

const FORBIDDEN = 'Forbidden: this hostname requires a valid Cloudflare Access token\n';

/**
 * Fail closed: the request reaches `target.handler` only when the verifier says yes; anything
 * else (no, a throw, a rejection, the verifier's own misconfiguration) answers 403.
 */
export function checkAccess(
  stream: MuxStream,
  head: RequestHead,
  target: AccessCheckTarget,
  verifier: AccessVerifier,
  metrics: ConnectorMetrics | undefined,
  logger: Logger | undefined,
): void {
  const token = headerValue(head.headers, 'cf-access-jwt-assertion');
  const deny = (why: unknown): void => {
    // The reason names a code and a cause, never the token (it is a bearer credential).
    const reason =
      why instanceof Error
        ? `${(why as Error & { code?: unknown }).code ?? why.name}: ${why.message}`
        : 'the verifier refused the token';
    // Configuration and JWKS problems are the operator's to fix (warn); a missing token is what
    // every visitor who bypassed the gate sends (debug, so visitors cannot flood the log).
    const code = (why as { code?: unknown } | undefined)?.code;
    const level =
      code === 'WARREN_ACCESS_TOKEN_MISSING'
        ? 'debug'
        : code === 'WARREN_ACCESS_UNVERIFIABLE' || code === 'WARREN_ACCESS_JWKS_UNAVAILABLE'
          ? 'warn'
          : 'info';
    logger?.[level](
      { rule: target.ruleIndex, host: requestHost(head.headers), reason },
      'access: request refused with 403 before it reached the origin',
    );
    if (!stream.closed) answerLocally(stream, head, 403, FORBIDDEN, metrics);
  };
  let verdict: boolean | Promise<boolean>;
  try {
    verdict = verifier(token, target.access, head);
  } catch (err) {
    deny(err);
    return;
  }
  if (verdict === true) target.handler.serve(stream, head);
  else if (verdict === false) deny(undefined);
  else {
    verdict.then((ok) => {
      if (ok !== true) deny(undefined);
      else if (!stream.closed) target.handler.serve(stream, head);
    }, deny);
  }
}
