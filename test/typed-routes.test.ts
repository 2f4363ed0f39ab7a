import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { Kind, Type } from '@sinclair/typebox';
import pino from 'pino';
import * as apiRoute from '../src/control/api/api-route.js';
import { ID_PARAM, typedRoute } from '../src/control/api/api-route.js';
import { ControlPlane } from '../src/control/index.js';
import { Store } from '../src/store/index.js';

// Issue 25 §3: every route's handler types come from its schemas (TypeBox, as fastify's type
// provider does), so no route restates a schema as a hand-written generic.

const CONTROL = join(import.meta.dirname, '..', '..', 'src', 'control');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('no route in src/control restates its schemas as generics: the untyped route() entry point is gone', () => {
  assert.equal('route' in apiRoute, false, 'api-route.ts exports route() again');
  // @ts-expect-error the entry point that took <Params, Query, Body> as generics does not exist
  assert.equal(apiRoute.route, undefined);
  const restated = sourceFiles(CONTROL)
    .map((f) => ({ f: relative(CONTROL, f), text: readFileSync(f, 'utf8') }))
    .flatMap(({ f, text }) =>
      [...text.matchAll(/(?<![.\w])route(?:<|\(\{)|\bApiCall</g)]
        .filter(() => f !== join('api', 'api-route.ts'))
        .map((m) => `src/control/${f}: ${m[0]}`),
    );
  assert.deepEqual(restated, [], 'write routes with typedRoute(), whose handler types come from the schemas');
});

test("every route of the control plane has TypeBox schemas (what typedRoute's types are made from)", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'warren-typed-routes-'));
  const logger = pino({ level: 'silent' });
  const store = await Store.open({ dataDir, logger });
  const control = await ControlPlane.start({
    store,
    domain: 'warren.localhost',
    edgeName: 'typed-routes',
    logger,
    dashboardDir: false,
    classicCleanupTimer: false,
    zoneVerificationTimer: false,
    accessKeyRotationTimer: false,
  });
  try {
    const { routes } = control.api();
    assert.ok(routes.length > 90, `only ${routes.length} routes`);
    const untyped: string[] = [];
    for (const r of routes) {
      const where = `${r.method} ${r.url}`;
      for (const [name, s] of Object.entries({ ...r.params, ...r.query }))
        if (!(Kind in s)) untyped.push(`${where}: parameter ${name}`);
      if (r.body !== undefined && !(Kind in r.body)) untyped.push(`${where}: body`);
      // Every path parameter has a schema, so the handler's `params` names exactly the URL's.
      const inUrl = [...r.url.matchAll(/:([a-z_]+)/g)].map((m) => m[1]);
      assert.deepEqual(Object.keys(r.params ?? {}), inUrl, `${where}: params in the URL's order`);
    }
    assert.deepEqual(untyped, [], 'plain JSON schemas: their handler types would be written by hand');
  } finally {
    await control.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('typedRoute gives the handler the types of its schemas (checked by tsc: each line below must not compile)', () => {
  const r = typedRoute({
    method: 'POST',
    url: '/things/:thing_id',
    summary: 'a route that only type-checks',
    tag: 'Test',
    params: { thing_id: ID_PARAM },
    query: { page: Type.Integer() },
    body: Type.Object({ name: Type.String(), size: Type.Optional(Type.Integer()) }),
    handler: async ({ params, query, body, principal }) => {
      // @ts-expect-error not a path parameter of this route
      void params.other;
      // @ts-expect-error query fields are optional
      const page: number = query.page;
      // @ts-expect-error name is a string
      const n: number = body.name;
      // @ts-expect-error size is optional
      const size: number = body.size;
      return [params.thing_id, page, n, size, principal.user.id];
    },
  });
  const open = typedRoute({
    method: 'GET',
    url: '/open',
    summary: 'a public route',
    tag: 'Test',
    auth: false,
    handler: async ({ principal, body }) => {
      // @ts-expect-error no principal on a route without auth
      void principal.user;
      // @ts-expect-error no body without a body schema
      void body.name;
      return null;
    },
  });
  assert.deepEqual([r.url, open.auth], ['/things/:thing_id', false]);
});
