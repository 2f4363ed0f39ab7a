import type { ErrorSpec } from './error-spec.js';

/** Codes of the control plane and the CLI: API, login, certificates, users, storage. Part of the one error table (error-table.ts). */
export const CONTROL_ERRORS = {
  WARREN_CONFIG_INVALID: {
    where: 'CLI, connector',
    status: 400,
    cf: 1001,
    retryable: false,
    meaning: 'A flag, environment variable or config file value is invalid.',
    action: 'The message names the value and what to write instead.',
  },
  WARREN_CONFIG_NOT_FOUND: {
    where: 'CLI',
    retryable: false,
    meaning:
      'No config file was found: `--config F` names no file, or a command that needs one (`tunnel ingress validate`, `tunnel ingress rule`) found none in `~/.warren/config.yml`, `~/.warren/config.yaml` or `/etc/warren/config.yml`.',
    action: 'Check the path, or pass `--config FILE`.',
  },
  WARREN_SERVICE_NEEDS_ROOT: {
    where: 'CLI',
    retryable: false,
    meaning: '`warren service install` or `uninstall` ran without root: it writes the unit and a root-only token file.',
    action: 'Run it with sudo, or add `--dry-run` to print the files without writing them.',
  },
  WARREN_SERVICE_FOREIGN_FILE: {
    where: 'CLI',
    retryable: false,
    meaning:
      '`warren service` found a unit or EnvironmentFile at its path that it did not write; it never overwrites or removes one.',
    action: 'Move the file away (or remove it yourself) and run the command again.',
  },
  WARREN_SERVICE_FAILED: {
    where: 'CLI',
    retryable: false,
    meaning: '`warren service` ran `useradd` or `systemctl` and it failed.',
    action: 'Its output is above the error; fix that and run the command again (install is safe to repeat).',
  },
  WARREN_DIAG_NO_CONNECTOR: {
    where: 'CLI',
    retryable: false,
    meaning:
      "`warren tunnel diag` found no connector at the `--metrics` address (default 127.0.0.1:20241, the service unit's).",
    action: 'Run the connector with `--metrics HOST:PORT` and pass the same address to `warren tunnel diag --metrics`.',
  },
  WARREN_TUNNEL_NOT_FOUND: {
    where: 'API, CLI',
    status: 404,
    cf: 1003,
    retryable: false,
    meaning:
      'No tunnel with that id exists (or it was deleted). The edge answers a registration for one with `WARREN_AUTH_FAILED`.',
    action: 'Check the id; create the tunnel. Not retried.',
  },
  WARREN_DATABASE: {
    where: 'serve, control',
    retryable: false,
    meaning:
      'The database could not be opened or migrated at start-up, or a request failed in a way that retrying will not fix (the log has the cause). Transient faults have their own codes: `WARREN_DATABASE_UNAVAILABLE`, `WARREN_DATABASE_FULL`, `WARREN_DATABASE_CONFLICT`.',
    action: 'Check `--data-dir` / `--database-url` (and that PostgreSQL runs); the message or the log names the cause.',
  },
  WARREN_SECRET_KEY_MISMATCH: {
    where: 'edge, API',
    retryable: false,
    meaning: 'A tunnel secret in the database was sealed with another secret key.',
    action: 'Give every process the same `WARREN_SECRET_KEY` (or the same `<data-dir>/secret.key`).',
  },
  WARREN_API_UNAUTHORIZED: {
    where: 'API',
    status: 401,
    cf: 10000,
    retryable: false,
    meaning: 'No `Authorization: Bearer` token, or an unknown, disabled or expired one.',
    action: 'Create a token (`POST /user/tokens`) or use the bootstrap `WARREN_ADMIN_TOKEN`.',
  },
  WARREN_API_KEY_ROLLED: {
    where: 'API',
    status: 401,
    cf: 10001,
    retryable: false,
    meaning: "The token was bound to its user's API key, rolled by a role or membership change.",
    action: "Run `warren login` again, or use a service user's token for automation.",
  },
  WARREN_API_FORBIDDEN: {
    where: 'API',
    status: 403,
    cf: 9109,
    retryable: false,
    meaning: 'Valid credentials without the permission the request needs.',
    action: 'Ask an account administrator for a role, or a token with the permission group named in the message.',
  },
  WARREN_API_NOT_FOUND: {
    where: 'API',
    status: 404,
    cf: 7003,
    retryable: false,
    meaning: 'No such path, or no such resource in an account you can see.',
    action: 'Check the ids (list them first); resources of other accounts are never visible.',
  },
  WARREN_ACCESS_NO_ORGANIZATION: {
    where: 'API',
    status: 404,
    cf: 12130,
    retryable: false,
    meaning:
      'The account has no Access organization (team domain) yet, so `GET …/access/organizations` has nothing to answer and protected hostnames have no login page.',
    action:
      'Set the team name in the dashboard (Access → Settings) or `POST /accounts/{a}/access/organizations`; the first Access application of an account creates a default one.',
  },
  WARREN_API_INVALID: {
    where: 'API',
    status: 400,
    cf: 1001,
    retryable: false,
    meaning: 'A body, path parameter or query value is invalid (unknown fields are refused).',
    action: 'The message names the field and what it must be.',
  },
  WARREN_API_CONFLICT: {
    where: 'API',
    status: 409,
    cf: 1061,
    retryable: false,
    meaning: 'The request conflicts with an existing resource (zone name taken, tunnel name in use).',
    action: 'Pick another name or delete the existing resource.',
  },
  WARREN_DNS_RECORD_EXISTS: {
    where: 'API',
    status: 400,
    cf: 81053,
    retryable: false,
    meaning: 'A record with that name already exists (CNAME cannot share a name).',
    action: 'Delete or edit that record, or route with `overwrite_existing` / `--overwrite-dns`.',
  },
  WARREN_ZONE_PUBLIC_SUFFIX: {
    where: 'API, `warren zone add`',
    status: 400,
    cf: 1049,
    retryable: false,
    meaning:
      'The zone is a public suffix on the Public Suffix List (`co.uk`, `github.io`, `com.au`, `blogspot.com`): names below it belong to many owners.',
    action: 'Add your own domain below it (`example.co.uk`).',
  },
  WARREN_INVITE_EXPIRED: {
    where: 'API (`/user/invites`, `/memberships`)',
    status: 410,
    cf: 1102,
    retryable: false,
    meaning: 'The invitation is more than 7 days old (as on Cloudflare) and can no longer be accepted.',
    action: "Ask the account's administrator to invite you again.",
  },
  WARREN_ZONE_OVERLAP: {
    where: 'API, `warren admin`',
    status: 409,
    cf: 1061,
    retryable: false,
    meaning:
      'The zone equals, contains or lies inside a zone of another account (`app.example.com` while another account owns `example.com`, or the reverse).',
    action: 'Use a domain of your own; if it is yours, the operator moves the zone with `warren admin move-zone`.',
  },
  WARREN_ROUTE_APEX: {
    where: 'API',
    status: 400,
    cf: 1003,
    retryable: false,
    meaning: 'A tunnel route for a zone apex (`example.com`).',
    action: 'Route a subdomain such as `app.example.com`.',
  },
  WARREN_ROUTE_FOREIGN_ZONE: {
    where: 'API',
    status: 400,
    cf: 1003,
    retryable: false,
    meaning: "The route hostname is not inside any zone of the tunnel's account.",
    action: 'Add the zone to this account first; hostnames are never appended to another zone.',
  },
  WARREN_TUNNEL_CONNECTED: {
    where: 'API',
    status: 400,
    cf: 1022,
    retryable: false,
    meaning: 'Deleting a tunnel that still has live connections.',
    action: 'Stop its connectors, or delete with `?cascade=true` (drops them).',
  },
  WARREN_CSR_INVALID: {
    where: 'API',
    status: 400,
    cf: 1010,
    retryable: false,
    meaning: 'The CSR does not parse, its signature does not verify, or its key type does not match `request_type`.',
    action: 'Generate the CSR again (RSA → `origin-rsa`, ECDSA → `origin-ecc`).',
  },
  WARREN_CERT_HOSTNAME: {
    where: 'API',
    status: 400,
    cf: 1011,
    retryable: false,
    meaning:
      'An origin certificate hostname is not in a zone of your account, or is a wildcard other than one leading `*.` label.',
    action: 'Use names in one of your zones; `*.example.com` covers one level only.',
  },
  WARREN_CUSTOM_CERT_INVALID: {
    where: 'API',
    status: 400,
    cf: 1212,
    retryable: false,
    meaning:
      'An uploaded custom certificate does not parse, has expired, does not match its private key, or names a host outside the zone.',
    action: 'Upload the PEM chain (leaf first) and its unencrypted PEM key, for names of this zone only.',
  },
  WARREN_CERT_REVOKED: {
    where: 'API, CLI',
    status: 401,
    cf: 10001,
    retryable: false,
    meaning: 'The origin certificate of this cert.pem was revoked, so its API token no longer works.',
    action: 'Run `warren login` again for a new cert.pem.',
  },
  WARREN_LOGIN_EXPIRED: {
    where: 'API, CLI',
    status: 410,
    cf: 1100,
    retryable: false,
    meaning: 'The login link (or its ready bundle) is older than its few minutes.',
    action: 'Run `warren login` again and authorize within the time shown.',
  },
  WARREN_LOGIN_USED: {
    where: 'API, CLI',
    status: 410,
    cf: 1101,
    retryable: false,
    meaning: "The login key's bundle was already fetched once.",
    action: 'Run `warren login` again; each run uses a new key.',
  },
  WARREN_LOGIN_TRANSFER_LIMITED: {
    where: 'API',
    status: 429,
    cf: 10429,
    retryable: true,
    meaning:
      'Too many `warren login` transfers are open from your address (10) or on the server (1000); each expires minutes after it was opened.',
    action:
      'Wait for the `Retry-After` seconds, finish an open `warren login`, or use `warren login --api-token T --zone Z`.',
  },
  WARREN_LOGIN_TIMEOUT: {
    where: 'CLI',
    retryable: false,
    meaning: 'Nobody authorized the login in the browser in time.',
    action: 'Run `warren login` again, or use the headless form with `--api-token` and `--zone`.',
  },
  WARREN_ORIGIN_CERT_MISSING: {
    where: 'CLI',
    retryable: false,
    meaning: 'No cert.pem in `--origincert`, `WARREN_ORIGIN_CERT` or `~/.warren/cert.pem`.',
    action: 'Run `warren login` (or point `--origincert` at the file).',
  },
  WARREN_ORIGIN_CERT_INVALID: {
    where: 'CLI',
    retryable: false,
    meaning:
      'cert.pem is damaged or was edited: a PEM block is missing, does not parse, or the key does not match the certificate.',
    action: 'Run `warren login --force` for a fresh one.',
  },
  WARREN_API_UNREACHABLE: {
    where: 'CLI',
    retryable: false,
    meaning: "The control API (cert.pem's apiURL or `--api`) did not answer.",
    action: 'Check that `warren serve` runs there and the URL is right.',
  },
  WARREN_FILE_EXISTS: {
    where: 'CLI',
    retryable: false,
    meaning: 'A file warren would write (cert.pem, `~/.warren/<id>.json`) already exists.',
    action: 'Move it away, or pass `--force` where the command offers it.',
  },
  WARREN_USER_EXISTS: {
    where: '`warren admin`, API',
    status: 409,
    cf: 1061,
    retryable: false,
    meaning: 'A user with that e-mail address already exists.',
    action: 'Use `warren admin reset-password` for them, or add them to an account with `POST /accounts/{a}/members`.',
  },
  WARREN_USER_NOT_FOUND: {
    where: '`warren admin`, API',
    status: 404,
    cf: 7003,
    retryable: false,
    meaning: 'No user with that e-mail address exists in this data directory / database.',
    action: 'Check the address with `warren admin list-users` (and `--data-dir` / `--database-url`).',
  },
  WARREN_SETUP_LINK_INVALID: {
    where: 'setup page',
    status: 410,
    cf: 1100,
    retryable: false,
    meaning: 'The first-run setup link was used, replaced by a newer one, expired, or an administrator exists already.',
    action:
      'Restart `warren serve` on the empty data directory for a new link, or create a user with `warren admin create-user`.',
  },
  WARREN_SIGN_IN_THROTTLED: {
    where: 'sign-in and setup pages',
    status: 429,
    retryable: true,
    meaning:
      'Too many failed sign-ins for the e-mail address, or from the source address (5 per address, 30 per source are free; then a lock-out that doubles per failure, up to 15 minutes).',
    action:
      'Wait the time the page and its `Retry-After` header give; `warren admin reset-password` if the password is lost.',
  },
  WARREN_SESSION_EXPIRED: {
    where: 'API (dashboard session cookie)',
    status: 401,
    cf: 10000,
    retryable: false,
    meaning:
      'The `warren_session` cookie names no live session: it was signed out or revoked, sat idle for 2 hours, or reached its absolute limit of 7 days.',
    action: 'Sign in to the dashboard again (`POST /user/sessions`).',
  },
  WARREN_CSRF_REFUSED: {
    where: 'API (dashboard session cookie)',
    status: 403,
    cf: 9109,
    retryable: false,
    meaning:
      'A state-changing request (POST, PUT, PATCH, DELETE) authenticated by the session cookie came from another site, or without the `X-Warren-CSRF` header that matches the session.',
    action:
      "Send the session's `csrf_token` (from `GET /user/sessions/current`) in `X-Warren-CSRF` from the dashboard's own origin; scripts use an API token instead of the cookie.",
  },
  WARREN_DNS_LISTEN: {
    where: '`warren serve`, `warren dns`',
    retryable: false,
    meaning:
      'The DNS server could not bind UDP or TCP on `--bind`:`--dns-port` (in use, a privileged port, or no such address).',
    action: 'Pick another `--dns-port` (default 5353) or `--bind`; stop the other program on that port.',
  },
} as const satisfies Record<string, ErrorSpec>;
