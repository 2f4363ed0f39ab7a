import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'warren-ingress-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function warren(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], {
      env: { ...process.env, HOME: dir },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const good = join(dir, 'good.yml');
writeFileSync(
  good,
  `ingress:
  - hostname: app.example.com
    service: http://localhost:8000
  - hostname: "*.example.com"
    path: ^/api/
    service: unix:/run/api.sock
  - service: http_status:404
bogus: 1
`,
);

test('ingress-cli-validate-prints-ok', async () => {
  const r = await warren(['tunnel', 'ingress', 'validate', '--config', good]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `Validating rules from ${good}\nOK\n`);
  assert.match(r.stderr, /good\.yml:8: unknown key "bogus" is ignored/);
});

test('ingress-cli-validate-names-the-rule-and-the-fix', async () => {
  const bad = join(dir, 'bad.yml');
  writeFileSync(bad, 'ingress:\n  - hostname: app.example.com\n    service: http://localhost:8000\n');
  const r = await warren(['tunnel', 'ingress', 'validate', '--config', bad]);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `warren: ${bad}:2: ingress rule #1: is the last rule but matches only hostname "app.example.com"; the last rule must match every request; add a final rule without hostname and path, e.g. "- service: http_status:404" [WARREN_INGRESS_INVALID]\n`,
  );
});

test('ingress-cli-validate-finds-the-default-config', async () => {
  const r = await warren(['tunnel', 'ingress', 'validate']);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /no config file found in ~\/\.warren\/config\.yml or \/etc\/warren\/config\.yml; pass --config FILE/,
  );
  // Nothing in a file is invalid: there is no file, and the code says so.
  assert.match(r.stderr, /\[WARREN_CONFIG_NOT_FOUND\]/);
  assert.doesNotMatch(r.stderr, /WARREN_CONFIG_INVALID/);
});

test('ingress-cli-rule-prints-the-matched-rule', async () => {
  const api = await warren(['tunnel', 'ingress', 'rule', 'https://x.example.com/api/v1', '--config', good]);
  assert.equal(api.code, 0);
  assert.equal(
    api.stdout,
    `Using rules from ${good}\nMatched rule #2\n\thostname: *.example.com\n\tpath: ^/api/\n\tservice: unix:/run/api.sock\n`,
  );
  const other = await warren(['tunnel', 'ingress', 'rule', 'https://example.com/', '--config', good]);
  assert.match(other.stdout, /Matched rule #3\n\tservice: http_status:404\n$/);
});

test('ingress-cli-validate-prints-every-problem-at-once', async () => {
  const bad = join(dir, 'several.yml');
  writeFileSync(
    bad,
    `ingress:
  - hostname: a.example.com:8443
    service: gopher://x
  - hostname: b.example.com
    path: "("
    service: http://localhost:8000
    originRequest:
      connectTimeout: soon
  - hostname: c.example.com
    service: http_status:404
`,
  );
  const r = await warren(['tunnel', 'ingress', 'validate', '--config', bad]);
  assert.equal(r.code, 1);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines[0], `warren: 5 problems in ${bad}:`, r.stderr);
  // One line each, in the file's order, each with its line, rule, problem and fix.
  const expected = [
    new RegExp(`^  ${bad}:2: ingress rule #1: service "gopher://x" has the unknown scheme`),
    new RegExp(`^  ${bad}:2: ingress rule #1: hostname "a\\.example\\.com:8443" has a port; remove the port`),
    new RegExp(
      `^  ${bad}:8: ingress rule #2: originRequest\\.connectTimeout: is "soon", not a duration; write e\\.g\\. "30s"`,
    ),
    new RegExp(`^  ${bad}:4: ingress rule #2: path "\\(" `),
    new RegExp(
      `^  ${bad}:9: ingress rule #3: is the last rule but matches only hostname "c\\.example\\.com".* \\[WARREN_INGRESS_INVALID\\]$`,
    ),
  ];
  assert.equal(lines.length, 1 + expected.length, r.stderr);
  for (const [i, re] of expected.entries()) assert.match(lines[i + 1] ?? '', re);
});
