import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import pino from 'pino';
import { bootstrapAdmin, ControlPlane, createApiServer } from '../../src/control/index.js';
import { type Clock, Store } from '../../src/store/index.js';

export const ADMIN_EMAIL = 'admin@example.test';
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface DialectCase {
  name: 'sqlite' | 'postgres';
  /** Set when the dialect cannot run here (the test is skipped with this message). */
  skip: string | false;
  /** A fresh, empty database: `{dataDir, databaseUrl}` and a cleanup. */
  fresh(): Promise<{ dataDir: string; databaseUrl: string | undefined; drop(): Promise<void> }>;
}

const PG_URL = process.env.WARREN_TEST_DATABASE_URL;

/** Every dialect the store supports; PostgreSQL runs when WARREN_TEST_DATABASE_URL points at a server (.ci/postgres.sh). */
export const DIALECTS: DialectCase[] = [
  {
    name: 'sqlite',
    skip: false,
    async fresh() {
      const dataDir = mkdtempSync(join(tmpdir(), 'warren-store-'));
      return { dataDir, databaseUrl: undefined, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    skip:
      PG_URL === undefined || PG_URL === ''
        ? 'WARREN_TEST_DATABASE_URL is not set: start one with `. .ci/postgres.sh && start_throwaway_postgres` (as .ci/run does)'
        : false,
    async fresh() {
      const dataDir = mkdtempSync(join(tmpdir(), 'warren-store-'));
      const name = `warren_test_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(PG_URL as string);
      url.pathname = `/${name}`;
      return {
        dataDir,
        databaseUrl: url.toString(),
        async drop() {
          const c = new pg.Client({ connectionString: PG_URL });
          await c.connect();
          await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await c.end();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  },
];

export const quietLogger = pino({ level: 'silent' });

export interface ControlHarness {
  app: FastifyInstance;
  store: Store;
  control: ControlPlane;
  accountId: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** JSON request through fastify's inject(); `token` defaults to the admin's. */
  call<R = unknown>(
    method: string,
    url: string,
    body?: unknown,
    token?: string | null,
  ): Promise<{ status: number; json: Envelope<R> }>;
  close(): Promise<void>;
}

export interface Envelope<R = unknown> {
  success: boolean;
  errors: { code: number; message: string; warren_code: string }[];
  messages: unknown[];
  result: R;
  result_info?: { page: number; per_page: number; count: number; total_count: number; total_pages: number };
}

/** The control plane in-process over a fresh database of `dialect`, with the bootstrap admin. */
export async function startControl(
  dialect: DialectCase,
  options: { domain?: string; maxTunnelsPerAccount?: number; clock?: Clock } = {},
): Promise<ControlHarness> {
  const db = await dialect.fresh();
  const store = await Store.open({
    dataDir: db.dataDir,
    databaseUrl: db.databaseUrl,
    logger: quietLogger,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const boot = await bootstrapAdmin(store, {
    email: ADMIN_EMAIL,
    token: ADMIN_TOKEN,
    password: 'correct horse battery',
  });
  const control = await ControlPlane.start({
    store,
    domain: options.domain ?? 'warren.localhost',
    edgeName: 'test-edge',
    maxTunnelsPerAccount: options.maxTunnelsPerAccount,
    logger: quietLogger,
  });
  const app = createApiServer({ logger: quietLogger, ready: () => true, control: control.api() });
  await app.ready();
  return {
    app,
    store,
    control,
    accountId: boot.accountId,
    dataDir: db.dataDir,
    databaseUrl: db.databaseUrl,
    async call<R>(method: string, url: string, body?: unknown, token: string | null = ADMIN_TOKEN) {
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await app.inject({
        method: method as 'GET',
        url: `/client/v4${url}`,
        headers,
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
      return { status: res.statusCode, json: res.json() as Envelope<R> };
    },
    async close() {
      await app.close();
      await control.close();
      await store.close();
      await db.drop();
    },
  };
}
