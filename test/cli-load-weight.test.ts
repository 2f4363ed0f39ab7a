import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importClosure } from './support/import-closure.js';

// Every warren command builds the whole command tree first, and the connector is a long-lived
// process on the user's machine: what the tree loads at once, every `warren tunnel run` holds in
// memory. The flag definitions must load only the small modules that hold their defaults; each
// command loads its work with import() when it runs.

/** Packages only the server side needs (database, API, mail, OIDC, ACME, metrics). */
const SERVER_PACKAGES = [
  'acme-client',
  'better-sqlite3',
  'fastify',
  'kysely',
  'nodemailer',
  'openid-client',
  'pg',
  'prom-client',
  '@peculiar/x509',
  'undici',
  'ws',
];

function serverParts(files: string[]): string[] {
  return files.filter(
    (f) =>
      /^(store|access|dns\/(?!response-rate-limiter))/.test(f) ||
      /^edge\/(?!registration\/tunnel-port-defaults)/.test(f),
  );
}

test('the command tree loads no server code: no store, no edge, no database or API package', () => {
  const { files, packages } = importClosure('cli/program.js');
  assert.deepEqual(serverParts(files), [], 'edge/store/access/dns modules loaded by the flag definitions');
  const control = files.filter((f) => f.startsWith('control/'));
  assert.ok(
    control.every((f) =>
      /^control\/(identity\/(bootstrap|roles)|jobs\/job-defaults|zones\/resolver-address)\.js$/.test(f),
    ),
    `only constant modules of control/: ${control.join(', ')}`,
  );
  assert.deepEqual(
    SERVER_PACKAGES.filter((p) => packages.has(p)),
    [],
    'server packages loaded by every command',
  );
  assert.ok(files.length < 100, `the command tree loads ${files.length} modules`);
});

test('every command (serve too) loads no config.yml parser: yaml and re2js come with the commands that read one', () => {
  // main.js expands `~` in path flags and program.js builds `warren tunnel`'s flags: both need one small
  // module of connector/config each, not its index (which loads the YAML reader and the ingress rules).
  for (const entry of ['cli/main.js', 'cli/program.js']) {
    const { packages } = importClosure(entry);
    for (const p of ['yaml', 're2js']) assert.ok(!packages.has(p), `${p} loaded by ${entry}`);
  }
});

test('`warren tunnel run` loads the connector and nothing of the edge, control plane or store', () => {
  const { files, packages } = importClosure('cli/tunnel/tunnel-run-command.js');
  assert.ok(
    files.some((f) => f.startsWith('connector/')),
    'the connector is loaded',
  );
  assert.deepEqual(
    files.filter((f) => /^(edge|control|store|dns|access)\//.test(f)),
    [],
    'server modules in the connector process',
  );
  for (const p of ['better-sqlite3', 'fastify', 'kysely', 'nodemailer', 'openid-client', 'pg', 'acme-client']) {
    assert.ok(!packages.has(p), `${p} loaded by the connector`);
  }
  // The connector checks a pinned edge certificate with node:crypto; the X.509 toolkit (with asn1js,
  // tsyringe and reflect-metadata) is the edge's, for issuing certificates.
  assert.ok(!packages.has('@peculiar/x509'), '@peculiar/x509 loaded by the connector');
});

test('an idle `warren serve` loads no ACME client, undici, mailer, PostgreSQL driver or parser it does not use yet', () => {
  // Each of these holds heap for as long as serve runs (acme-client with axios and node-forge about 8 MiB,
  // undici 5, nodemailer 3, pg 3, tldts, yaml, re2js, openid-client about 1 each), and a larger live heap
  // also lets V8 grow it further under load. They load with import() when ACME is on, an identity provider
  // is fetched or logged in with, a mail is sent, the store is PostgreSQL, a zone is created, or a tunnel
  // configuration is PUT.
  const { files, packages } = importClosure('cli/serve/serve-command.js');
  assert.ok(
    files.some((f) => f.startsWith('edge/')) && files.some((f) => f.startsWith('control/')),
    'serve loads the edge and the control plane',
  );
  assert.ok(packages.has('fastify') && packages.has('kysely'), 'serve loads its API and store packages');
  for (const p of ['acme-client', 'undici', 'nodemailer', 'pg', 'tldts', 'yaml', 're2js', 'openid-client']) {
    assert.ok(!packages.has(p), `${p} loaded by an idle serve`);
  }
  assert.deepEqual(
    files.filter((f) => f.startsWith('acme/')),
    [],
    'the ACME modules load only with --acme-email',
  );
});
