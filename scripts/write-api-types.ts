// Writes web/src/api/schema/*.d.ts (npm run gen:api-types), removing files of groups that are gone.
// test/api-types.test.ts fails when they are stale.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_TYPES_DIR, apiTypesFiles } from './api-types.js';

const dir = fileURLToPath(new URL(`../../${API_TYPES_DIR}`, import.meta.url));
const files = await apiTypesFiles();
mkdirSync(dir, { recursive: true });
for (const old of readdirSync(dir)) if (!files.has(old)) rmSync(join(dir, old));
for (const [name, text] of files) writeFileSync(join(dir, name), text);
process.stdout.write(`wrote ${files.size} files in ${dir}\n`);
