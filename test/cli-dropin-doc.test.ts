import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { Command } from 'commander';
import { normalizeCloudflaredArgs } from '../src/cli/cloudflared/cloudflared-argv.js';
import { CLOUDFLARED_FLAGS } from '../src/cli/cloudflared/cloudflared-flags.js';
import { buildProgram } from '../src/cli/program.js';

const DOC = new URL('../../docs/migrating-from-cloudflared.md', import.meta.url);
const text = readFileSync(DOC, 'utf8');

interface FlagRow {
  command: string;
  flag: string;
  use: string;
}

/** The rows of the flag table: | `command` | `--flag` | use | … */
const flagRows: FlagRow[] = [...text.matchAll(/^\| `([a-z ]+)` \| `--([a-z0-9-]+)` \| (\w+) \|/gm)].map((m) => ({
  command: m[1] as string,
  flag: m[2] as string,
  use: m[3] as string,
}));

/** The rows of the command table: | `tunnel run [TUNNEL]` … | implemented | */
const commandRows = [...text.matchAll(/^\| `([^`]+)`[^|]*\| (implemented|no)\b/gm)].map((m) => ({
  words: (m[1] as string).split(' ').filter((w) => /^[a-z-]+$/.test(w)),
  use: m[2] as string,
}));

function commandAt(program: Command, words: readonly string[]): Command | undefined {
  let c: Command | undefined = program;
  for (const w of words) c = c?.commands.find((x) => x.name() === w || x.aliases().includes(w));
  return c;
}

/** Flags of the quick or ad hoc tunnel (`warren tunnel --name N --hostname H`), not of `run`. */
const TUNNEL_ONLY = new Set(['hostname', 'name', 'overwrite-dns']);

const declares = (c: Command, flag: string): boolean => c.options.some((o) => o.long === `--${flag}`);

describe('docs/migrating-from-cloudflared.md stays true', () => {
  const program = buildProgram();

  test('the doc has a flag table and a command table to check', () => {
    assert.ok(flagRows.length > 80, `only ${flagRows.length} flag rows parsed`);
    assert.ok(commandRows.length > 15, `only ${commandRows.length} command rows parsed`);
  });

  test('every flag documented as implemented or accepted is known to that command', () => {
    const missing: string[] = [];
    for (const r of flagRows) {
      if (r.use !== 'implemented' && r.use !== 'accepted') continue;
      const c = commandAt(program, r.command.split(' '));
      if (c === undefined || !declares(c, r.flag)) missing.push(`${r.command} --${r.flag}`);
    }
    assert.deepEqual(missing, []);
  });

  test('every flag of `tunnel` is also known to `tunnel run` (cloudflared takes them before or after run)', () => {
    const run = commandAt(program, ['tunnel', 'run']) as Command;
    const missing = flagRows
      .filter((r) => r.command === 'tunnel' && r.use !== 'no' && !TUNNEL_ONLY.has(r.flag))
      .filter((r) => !declares(run, r.flag))
      .map((r) => r.flag);
    assert.deepEqual(missing, []);
  });

  test('every command documented as implemented exists', () => {
    const missing = commandRows
      .filter((r) => r.use === 'implemented' && commandAt(program, r.words) === undefined)
      .map((r) => r.words.join(' '));
    assert.deepEqual(missing, []);
  });

  test("every cloudflared flag in warren's table is documented, with its environment names", () => {
    for (const f of CLOUDFLARED_FLAGS) {
      const command = f.only === 'run' ? 'tunnel run' : 'tunnel';
      const row = new RegExp(`^\\| \`${command}\` \\| \`--${f.name}\` \\|.*$`, 'm').exec(text)?.[0];
      assert.ok(row !== undefined, `--${f.name} is not in the doc`);
      for (const env of f.env) assert.ok(row.includes(`\`${env}\``), `--${f.name}: ${env} is not in the doc`);
    }
  });

  test("cloudflared's aliases named in the doc reach declared flags", () => {
    const known = new Set(['credentials-file', 'transport-loglevel', 'post-quantum', 'protocol', 'name-prefix']);
    const out = normalizeCloudflaredArgs(
      ['--cred-file', 'x', '--proto-loglevel', 'info', '--pq', '-p', 'quic', '-np', 'a', '-url', 'http://x'],
      new Set([...known, 'url']),
    );
    assert.deepEqual(out, [
      '--credentials-file',
      'x',
      '--transport-loglevel',
      'info',
      '--post-quantum',
      '--protocol',
      'quic',
      '--name-prefix',
      'a',
      '--url',
      'http://x',
    ]);
    assert.deepEqual(normalizeCloudflaredArgs(['--no-tls-verify=true', '--hello-world=false'], known), [
      '--no-tls-verify',
    ]);
  });
});
