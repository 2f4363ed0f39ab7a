// Writes web/src/api/schema.d.ts (npm run gen:api-types). test/api-types.test.ts fails when it is stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { API_TYPES_FILE, apiTypesSource } from './api-types.js';

const target = new URL(`../../${API_TYPES_FILE}`, import.meta.url);
mkdirSync(dirname(target.pathname), { recursive: true });
writeFileSync(target, await apiTypesSource());
process.stdout.write(`wrote ${target.pathname}\n`);
