import type { ErrorSpec } from './error-spec.js';

/** Codes of Access token checks (`warren/verify` and the connector). Part of the one error table (error-table.ts). */
export const ACCESS_ERRORS = {
  WARREN_IDP_ADDRESS_REFUSED: {
    where: 'Access login (the access request log, the server log)',
    retryable: false,
    meaning:
      "An OIDC identity provider's `token_url` or `certs_url` is, or resolves to, a loopback, private, link-local or otherwise non-public address; the server does not fetch tenant-given URLs there (checked when it connects, so DNS rebinding is refused too).",
    action:
      'Use a publicly reachable identity provider; an operator whose provider is on the internal network runs `warren serve --allow-private-idp-addresses`.',
  },
  WARREN_ACCESS_UNVERIFIABLE: {
    where: 'connector log',
    retryable: false,
    meaning:
      'A rule has `originRequest.access.required: true` but the connector cannot verify tokens for it (no team domain: a short `teamName` while neither the edge, at registration, nor `WARREN_DOMAIN` gave the domain; no `audTag`; or no verifier). Every request to the rule gets 403; none reaches the origin.',
    action:
      'Set `teamName` to the full team domain (`<team>.access.<domain>`) or `WARREN_DOMAIN`; for a private JWKS address set `access.jwksUrl`.',
  },
  WARREN_ACCESS_TOKEN_MISSING: {
    where: '`warren/verify`, connector',
    status: 403,
    retryable: false,
    meaning: 'The request has no `Cf-Access-Jwt-Assertion` header and no `CF_Authorization` cookie.',
    action: 'Reach the app through its protected hostname, so the edge adds the token.',
  },
  WARREN_ACCESS_TOKEN_MALFORMED: {
    where: '`warren/verify`, connector',
    status: 403,
    retryable: false,
    meaning: 'The token is not a compact JWS, or a claim has the wrong type.',
    action: "Do not pass anything but the header's value.",
  },
  WARREN_ACCESS_TOKEN_ALG: {
    where: '`warren/verify`, connector',
    status: 403,
    retryable: false,
    meaning: "The token's `alg` is not RS256 (`none`, HS256 … are refused).",
    action: 'A forged token; nothing to fix on the origin.',
  },
  WARREN_ACCESS_TOKEN_SIGNATURE: {
    where: '`warren/verify`, connector',
    status: 403,
    retryable: false,
    meaning: "The signature does not verify with the team's key of that `kid`.",
    action: "A forged or altered token, or one from another account's keys.",
  },
  WARREN_ACCESS_TOKEN_KEY_UNKNOWN: {
    where: '`warren/verify`, connector',
    status: 403,
    retryable: false,
    meaning: "The `kid` is not in the team's JWKS, even after a refetch.",
    action: 'Check `teamDomain`; keys older than the 7-day rotation overlap are gone.',
  },
  WARREN_ACCESS_TOKEN_AUDIENCE: {
    where: '`warren/verify`, connector',
    status: 403,
    retryable: false,
    meaning: "The token's `aud` does not hold this app's AUD tag.",
    action: "Set `audience` / `audTag` to the app's `aud` from `GET /accounts/{a}/access/apps/{id}`.",
  },
  WARREN_ACCESS_TOKEN_ISSUER: {
    where: '`warren/verify`, connector',
    status: 403,
    retryable: false,
    meaning: '`iss` is not `https://<teamDomain>`.',
    action: "Set `teamDomain` / `teamName` to the account's team domain.",
  },
  WARREN_ACCESS_TOKEN_EXPIRED: {
    where: '`warren/verify`, connector',
    status: 403,
    retryable: false,
    meaning: '`exp` is past.',
    action: 'The visitor signs in again; the edge sends a fresh token.',
  },
  WARREN_ACCESS_TOKEN_NOT_YET_VALID: {
    where: '`warren/verify`, connector',
    status: 403,
    retryable: false,
    meaning: '`nbf` (or `iat`) is in the future beyond the clock tolerance.',
    action: 'Check the clocks of the edge and the origin (NTP).',
  },
  WARREN_ACCESS_JWKS_UNAVAILABLE: {
    where: '`warren/verify`, connector',
    status: 403,
    retryable: true,
    meaning:
      "The JWKS could not be read: over the tunnel link the edge refused it (not this tunnel's account's team) or did not answer; else `https://<teamDomain>/cdn-cgi/access/certs` (or `jwksUrl`) could not be fetched or parsed.",
    action:
      "Set `teamName` to your account's team; check that the origin can reach the team domain when its edge predates the link keys; requests are refused until the keys are read.",
  },
  WARREN_ACCESS_NOT_PROTECTED: {
    where: '`warren access`',
    retryable: false,
    meaning:
      'The URL given to `warren access login|curl|token` is not behind an Access application (it answered without a login redirect).',
    action: 'Check the URL (host and path), or create an Access application for it.',
  },
  WARREN_ACCESS_UNREACHABLE: {
    where: '`warren access`',
    retryable: true,
    meaning: 'The application URL could not be reached (DNS, connection, TLS) or answered something unexpected.',
    action:
      'Check the URL and that the edge serves it; `--resolve host:port:address` points a name at an address, as with curl.',
  },
  WARREN_ACCESS_LOGIN_TIMEOUT: {
    where: '`warren access login`',
    retryable: false,
    meaning: 'Nobody confirmed the command-line login in the browser within 5 minutes.',
    action:
      'Run `warren access login URL` again, log in and press "Authorize" when the page shows the code the command printed.',
  },
  WARREN_ACCESS_NO_TOKEN: {
    where: '`warren access token`',
    retryable: false,
    meaning: 'There is no cached token for this application, or it has expired.',
    action: 'Run `warren access login URL` (or `warren access curl URL`, which logs in first).',
  },
  WARREN_CURL_MISSING: {
    where: '`warren access curl`',
    retryable: false,
    meaning: 'The `curl` program is not installed or not on PATH.',
    action:
      'Install curl (e.g. `apt-get install curl`), or send `cf-access-token: $(warren access token --app URL)` with another client.',
  },
  WARREN_ACCESS_TCP_REFUSED: {
    where: '`warren access tcp|ssh|rdp|smb`',
    retryable: false,
    meaning:
      'The edge did not open the TCP session: Access refused the user or service token, the hostname has no tunnel, or the tunnel could not reach the TCP origin.',
    action:
      'Read the reason on the line; log in with `warren access login https://HOST` or pass `--service-token-id/--service-token-secret`, and check that the hostname routes to a `tcp://`, `ssh://`, `rdp://` or `smb://` ingress rule.',
  },
} as const satisfies Record<string, ErrorSpec>;
