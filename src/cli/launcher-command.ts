import { existsSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This checkout's `bin/warren` (package.json's bin), from dist/src/cli/. */
const BIN = fileURLToPath(new URL('../../../bin/warren', import.meta.url));

/**
 * How a printed command starts so that it runs as is, from any directory: `warren` when that name
 * on PATH is this checkout's launcher (`npm link`), else the launcher's absolute path. (`npx warren`
 * works only inside the checkout: elsewhere npx looks the name up in the npm registry.)
 */
export function launcherCommand(env: NodeJS.ProcessEnv = process.env): string {
  if (!existsSync(BIN)) return 'warren';
  const real = realpathSync(BIN);
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'warren');
    try {
      if (existsSync(candidate) && realpathSync(candidate) === real) return 'warren';
    } catch {
      // An unreadable PATH entry: try the next one.
    }
  }
  return shellWord(real);
}

/** A word the shell reads back unchanged: quoted only when it needs to be. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
