import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';

// Tests run from dist/test; the sources sit two levels up. These read src/ as text, not dist/.
const SRC = join(import.meta.dirname, '..', '..', 'src');
const MAX_FILES_PER_FOLDER = 30;
const MAX_LINES_PER_FILE = 400;

/**
 * The floors of docs/architecture.md: a part imports its own files and parts on lower floors,
 * never one on its own floor or above (so nothing below control imports control).
 */
const FLOOR: Record<string, number> = {
  cli: 6,
  control: 5,
  edge: 4,
  connector: 3,
  dns: 3,
  access: 3,
  acme: 3,
  protocol: 2,
  store: 2,
  pki: 2,
  verify: 2,
  errors: 1,
  time: 1,
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

function folders(dir: string): string[] {
  const subs = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory());
  return [dir, ...subs.flatMap((e) => folders(join(dir, e.name)))];
}

const partOf = (file: string): string => relative(SRC, file).split(sep)[0] ?? '';

test('no-folder-under-src-holds-more-than-30-source-files', () => {
  const crowded = folders(SRC)
    .map((d) => ({ d: relative(SRC, d), n: readdirSync(d).filter((f) => f.endsWith('.ts')).length }))
    .filter(({ n }) => n > MAX_FILES_PER_FOLDER)
    .map(({ d, n }) => `src/${d}: ${n}`);
  assert.deepEqual(crowded, [], `folders over ${MAX_FILES_PER_FOLDER} files: group them (docs/architecture.md)`);
});

test('no-source-file-is-longer-than-400-lines', () => {
  const long = sourceFiles(SRC)
    .map((f) => ({ f: relative(SRC, f), n: readFileSync(f, 'utf8').split('\n').length - 1 }))
    .filter(({ n }) => n > MAX_LINES_PER_FILE)
    .map(({ f, n }) => `src/${f}: ${n}`);
  assert.deepEqual(long, [], `files over ${MAX_LINES_PER_FILE} lines: split them`);
});

test('no-dashboard-source-file-is-longer-than-400-lines', () => {
  // The dashboard too, generated API types included (scripts/api-types.ts cuts them to fit).
  const WEB = join(import.meta.dirname, '..', '..', 'web', 'src');
  const long = folders(WEB)
    .flatMap((d) =>
      readdirSync(d)
        .filter((f) => /\.tsx?$/.test(f))
        .map((f) => join(d, f)),
    )
    .map((f) => ({ f: relative(WEB, f), n: readFileSync(f, 'utf8').split('\n').length - 1 }))
    .filter(({ n }) => n > MAX_LINES_PER_FILE)
    .map(({ f, n }) => `web/src/${f}: ${n}`);
  assert.deepEqual(long, [], `files over ${MAX_LINES_PER_FILE} lines: split them`);
});

test('every-part-imports-only-parts-on-lower-floors', () => {
  const files = sourceFiles(SRC);
  assert.deepEqual(
    [...new Set(files.map(partOf))].filter((p) => FLOOR[p] === undefined),
    [],
    'a part of src/ without a floor: add it here and to docs/architecture.md',
  );
  const upward: string[] = [];
  for (const file of files) {
    const from = partOf(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const to = partOf(resolve(dirname(file), m[1] as string));
      if (to === from) continue;
      if ((FLOOR[to] ?? Number.POSITIVE_INFINITY) >= (FLOOR[from] ?? 0))
        upward.push(`src/${relative(SRC, file)} → src/${to}`);
    }
  }
  assert.deepEqual(upward, [], 'imports that run up or sideways between parts');
});
