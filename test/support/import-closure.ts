import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compiled src/ folder the closures are read from. */
export const DIST_SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/**
 * Every module that loading `entry` (a path under dist/src, such as `cli/program.js`) loads at
 * once, read from the compiled JS (`import type` is gone there; dynamic `import()` is not followed,
 * since it loads only when that code runs), and the npm packages they import.
 */
export function importClosure(entry: string): { files: string[]; packages: Set<string> } {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const todo = [join(DIST_SRC, entry)];
  for (let file = todo.pop(); file !== undefined && seen.size < 2000; file = todo.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'|^import\s+'([^']+)'/gms)) {
      const spec = m[1] ?? m[2] ?? '';
      if (spec.startsWith('.')) todo.push(join(dirname(file), spec));
      else if (spec.startsWith('node:')) packages.add('node:');
      else
        packages.add(
          spec
            .split('/')
            .slice(0, spec.startsWith('@') ? 2 : 1)
            .join('/'),
        );
    }
  }
  return { files: [...seen].map((f) => relative(DIST_SRC, f)).sort(), packages };
}
