import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

// Tests run from dist/test; the sources sit two levels up.
const ROOT = join(import.meta.dirname, '..', '..');

test('the-readme-layout-names-every-src-folder-and-only-folders-that-exist', { timeout: 10_000 }, () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf('## Layout\n');
  assert.ok(at >= 0, 'README.md has a "## Layout" section');
  const next = readme.indexOf('\n## ', at + 1);
  const layout = readme.slice(at, next < 0 ? undefined : next);
  assert.ok(layout.includes('(docs/architecture.md)'), 'the layout section links docs/architecture.md');
  assert.ok(existsSync(join(ROOT, 'docs', 'architecture.md')), 'docs/architecture.md exists');
  const folders = readdirSync(join(ROOT, 'src'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  for (const f of folders) assert.ok(layout.includes(`\`src/${f}\``), `the layout section does not name src/${f}`);
  for (const [, named] of layout.matchAll(/`(src\/[a-z0-9/_-]+)`/g)) {
    assert.ok(existsSync(join(ROOT, named as string)), `the layout section names ${named}, which does not exist`);
  }
});
