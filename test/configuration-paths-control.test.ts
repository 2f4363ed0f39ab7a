import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const DIST_SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** The relative modules `file` imports (static and dynamic), resolved to files. */
function importsOf(file: string): { local: string[]; packages: string[] } {
  const text = readFileSync(file, 'utf8');
  const local: string[] = [];
  const packages: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) {
    const spec = m[1] as string;
    if (spec.startsWith('.')) local.push(resolve(dirname(file), spec));
    else packages.push(spec);
  }
  return { local, packages };
}

test('the-configuration-API-reaches-no-connector-module-that-touches-a-filesystem', () => {
  const start = join(DIST_SRC, 'control', 'tunnel-configuration-routes.js');
  const connectorDir = join(DIST_SRC, 'connector');
  const seen = new Set<string>();
  const queue = [start];
  const touching: string[] = [];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const { local, packages } = importsOf(file);
    const inConnector = file.startsWith(connectorDir);
    if (inConnector && packages.some((p) => /^(node:)?fs(\/promises)?$/.test(p))) touching.push(relative(DIST_SRC, file));
    // The route's own imports, then everything below src/connector that they pull in.
    for (const next of local) if (file === start || next.startsWith(connectorDir)) queue.push(next);
  }
  const reached = [...seen].filter((f) => f.startsWith(connectorDir)).map((f) => relative(DIST_SRC, f));
  assert.ok(reached.includes(join('connector', 'config', 'remote-config.js')), reached.join(', '));
  assert.ok(reached.includes(join('connector', 'ingress', 'ingress.js')), reached.join(', '));
  assert.deepEqual(touching, [], 'connector modules reachable from the configuration API that import fs');
  assert.deepEqual(
    reached.filter((f) => f.includes('origin-files')),
    [],
    'the loader of origin files is reachable from the configuration API',
  );
});
