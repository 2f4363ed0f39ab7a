// Writes docs/errors.md from the error table (npm run docs:errors). test/errors-doc.test.ts fails when it is stale.
import { writeFileSync } from 'node:fs';
import { renderErrorsDoc } from '../src/errors/index.js';

const target = new URL('../../docs/errors.md', import.meta.url);
writeFileSync(target, renderErrorsDoc());
process.stdout.write(`wrote ${target.pathname}\n`);
