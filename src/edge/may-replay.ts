/**
 * RFC 9110 §9.2.2's idempotent methods: sending one twice has the effect of sending it once, so
 * a load balancer may send it again when the first upstream gave no answer (nginx's
 * `proxy_next_upstream` likewise never resends a POST, LOCK or PATCH once it went out).
 */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/**
 * Whether a request may be sent on another link when its own stalls before any response byte:
 * an idempotent method and no body. A request with a body is never sent again: the edge streams
 * bodies to the connector as they arrive and keeps no copy to replay.
 */
export function mayReplay(method: string, hasBody: boolean): boolean {
  return !hasBody && IDEMPOTENT.has(method);
}
