import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { ensureDataDir, Store } from '../../store/index.js';

/**
 * The store of a server process (`serve`, `edge`, `control`): the data directory is made 0700
 * before anything (edge CA key, quick-tunnel key, database) is written into it; SQLite there, or
 * PostgreSQL at `databaseUrl`; secrets sealed with WARREN_SECRET_KEY.
 */
export async function openServerStore(
  dataDirFlag: string,
  databaseUrl: string | undefined,
  logger: Logger,
): Promise<{ dataDir: string; store: Store }> {
  const dataDir = resolve(dataDirFlag);
  ensureDataDir(dataDir);
  const store = await Store.open({ dataDir, databaseUrl, secretKey: process.env.WARREN_SECRET_KEY, logger });
  return { dataDir, store };
}
