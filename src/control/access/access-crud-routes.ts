import type { TSchema } from '@sinclair/typebox';
import type { Repositories } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { type ApiRoute, type BodyOf, ID_PARAM, type ParamsOf, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { type ApiMessage, ok, okPage, pageOf, pageSlice, pagingQuery } from '../api/envelope.js';
import { authorize, type Principal } from '../api/principal.js';
import type { Scope } from '../identity/roles.js';
import { auditAccess } from './access-audit.js';

const MAX_PER_PAGE = 1000;

/** `account_id` and the resource's own id parameter `I` (`id`, `app_id`). */
type ItemParamSchemas<I extends string> = { account_id: typeof ID_PARAM } & Record<I, typeof ID_PARAM>;

function itemParams<I extends string>(idParam: I): ItemParamSchemas<I> {
  // A computed key's type is widened to an index signature; the object has exactly these two keys.
  return { account_id: ID_PARAM, [idParam]: ID_PARAM } as ItemParamSchemas<I>;
}

export type AccessView = Record<string, unknown>;

/**
 * What one Access resource (`/accounts/{a}/access/<collection>`) declares; `accessCrud` turns it
 * into Cloudflare's five routes. Each route authorizes first, then finds the row (404), then
 * validates: so a caller without the scope learns nothing about ids or bodies.
 *
 * Row: the stored row. CS and US: the create and replace body schemas (the bodies' types come
 * from them). C and U: what validation made of a body (computed before the transaction, so a
 * refused body writes nothing and takes no lock).
 */
export interface AccessResource<
  Row extends { id: string },
  CS extends TSchema,
  US extends TSchema,
  C extends { row: Row },
  U,
  I extends string,
> {
  /** Below /accounts/:account_id/access/, e.g. `identity_providers`. */
  collection: string;
  /** Name of the item's path parameter (`id`, or `app_id` for apps). */
  idParam: I;
  /** For "… not found": `identity provider`. */
  noun: string;
  /** Audit resource type, and the prefix of its actions (`<audit>_create`, `_update`, `_delete`). */
  audit:
    | 'access_app'
    | 'access_policy'
    | 'access_group'
    | 'access_identity_provider'
    | 'access_service_token'
    | 'access_certificate';
  scopes: { read: Scope; write: Scope };
  summaries: { create: string; list: string; get: string; update: string; delete: string };
  /** Body schemas of create (POST) and replace (PUT). */
  schema: { create: CS; update: US };
  find(r: Repositories, accountId: string, id: string): Promise<Row | undefined>;
  list(r: Repositories, accountId: string): Promise<readonly Row[]>;
  view(r: Repositories, row: Row): AccessView | Promise<AccessView>;
  /** Validates a create body into a new row (and whatever else insert needs). */
  prepareCreate(accountId: string, body: BodyOf<CS>): C | Promise<C>;
  /** Writes the new row (in the create's transaction); `p` is who creates it, for side effects' audit. */
  insert(tx: Repositories, prepared: C, p: Principal): Promise<void>;
  /** The create answer; default the view. (A service token adds its secret, shown once.) */
  createAnswer?(prepared: C, view: AccessView): unknown;
  /** Notes for the envelope's `messages` (what the create did besides the resource). */
  createMessages?(prepared: C): ApiMessage[];
  /** Validates an update body against the current row. */
  prepareUpdate(accountId: string, old: Row, body: BodyOf<US>): U | Promise<U>;
  /** Writes the update and returns the row as it now is. */
  update(tx: Repositories, accountId: string, old: Row, prepared: U): Promise<Row>;
  remove(tx: Repositories, accountId: string, row: Row): Promise<unknown>;
  /** The delete answer: `{ id }` (default) or the deleted resource's view. */
  deleteAnswer?: 'id' | 'view';
}

/** What the resource's own extra routes (rotate, revoke, …) share with its CRUD routes. */
export interface AccessCrud<Row> {
  routes: ApiRoute[];
  /** Checks the resource's read or write scope in the account. */
  can(p: Principal, accountId: string, mode: 'read' | 'write'): Promise<void>;
  /** The row, or a 404 naming it. */
  rowOf(accountId: string, id: string): Promise<Row>;
  /** Publishes an Access change to the edges' caches. */
  changed(): Promise<void>;
  /**
   * `POST …/:id/<verb>` (revoke, refresh, rotate): authorizes write, finds the row (404), lets
   * `prepare` validate outside any transaction, runs the step it returns in one transaction (its
   * value is the answer's result), then publishes the change.
   */
  itemAction<BS extends TSchema | undefined = undefined>(a: ItemAction<Row, BS>): ApiRoute;
}

export interface ItemAction<Row, BS extends TSchema | undefined> {
  verb: string;
  summary: string;
  body?: BS;
  prepare(c: { p: Principal; accountId: string; row: Row; body: BodyOf<BS> }): (tx: Repositories) => Promise<unknown>;
}

/** Cloudflare's list/get/create/replace/delete routes of one Access resource, from its declaration. */
export function accessCrud<
  Row extends { id: string },
  CS extends TSchema,
  US extends TSchema,
  C extends { row: Row },
  U,
  I extends string,
>(ctx: ControlContext, res: AccessResource<Row, CS, US, C, U, I>): AccessCrud<Row> {
  const { store } = ctx;
  const can = async (p: Principal, accountId: string, mode: 'read' | 'write'): Promise<void> => {
    await authorize(store, p, { accountId, scope: res.scopes[mode], what: `account ${accountId}` });
  };
  const rowOf = async (accountId: string, id: string): Promise<Row> => {
    const row = await res.find(store, accountId, id);
    if (row === undefined) throw ApiError.notFound(`${res.noun} ${id}`);
    return row;
  };
  const changed = async (): Promise<void> => {
    await store.feed.publish('access');
  };
  const list = `/accounts/:account_id/access/${res.collection}`;
  const item = `${list}/:${res.idParam}`;
  const A = { account_id: ID_PARAM };
  const AI = itemParams(res.idParam);
  const idOf = (params: ParamsOf<ItemParamSchemas<I>>): string => params[res.idParam];
  const target = (id: string) => ({ id, type: res.audit });
  const routes = [
    typedRoute({
      method: 'POST',
      url: list,
      summary: res.summaries.create,
      tag: 'Access',
      params: A,
      body: res.schema.create,
      handler: async ({ principal: p, params, body }) => {
        const accountId = params.account_id;
        await can(p, accountId, 'write');
        const prepared = await res.prepareCreate(accountId, body);
        const view = await store.transaction(async (tx) => {
          await res.insert(tx, prepared, p);
          const v = await res.view(tx, prepared.row);
          await auditAccess(tx, p, accountId, `${res.audit}_create`, target(prepared.row.id), { newValue: v });
          return v;
        });
        await changed();
        const answer = ok(res.createAnswer === undefined ? view : res.createAnswer(prepared, view));
        return { ...answer, messages: res.createMessages?.(prepared) ?? [] };
      },
    }),
    typedRoute({
      method: 'GET',
      url: list,
      summary: res.summaries.list,
      tag: 'Access',
      params: A,
      query: pagingQuery(MAX_PER_PAGE),
      handler: async ({ principal: p, params, query }) => {
        await can(p, params.account_id, 'read');
        const page = pageOf(query, MAX_PER_PAGE);
        const rows = pageSlice(await res.list(store, params.account_id), page);
        const views = await Promise.all(rows.rows.map((r) => res.view(store, r)));
        return okPage({ rows: views, total: rows.total }, page, (v) => v);
      },
    }),
    typedRoute({
      method: 'GET',
      url: item,
      summary: res.summaries.get,
      tag: 'Access',
      params: AI,
      handler: async ({ principal: p, params }) => {
        await can(p, params.account_id, 'read');
        return ok(await res.view(store, await rowOf(params.account_id, idOf(params))));
      },
    }),
    typedRoute({
      method: 'PUT',
      url: item,
      summary: res.summaries.update,
      tag: 'Access',
      params: AI,
      body: res.schema.update,
      handler: async ({ principal: p, params, body }) => {
        const accountId = params.account_id;
        await can(p, accountId, 'write');
        const old = await rowOf(accountId, idOf(params));
        const prepared = await res.prepareUpdate(accountId, old, body);
        const view = await store.transaction(async (tx) => {
          const oldValue = await res.view(tx, old);
          const v = await res.view(tx, await res.update(tx, accountId, old, prepared));
          await auditAccess(tx, p, accountId, `${res.audit}_update`, target(old.id), { oldValue, newValue: v });
          return v;
        });
        await changed();
        return ok(view);
      },
    }),
    typedRoute({
      method: 'DELETE',
      url: item,
      summary: res.summaries.delete,
      tag: 'Access',
      params: AI,
      handler: async ({ principal: p, params }) => {
        const accountId = params.account_id;
        await can(p, accountId, 'write');
        const row = await rowOf(accountId, idOf(params));
        const oldValue = await store.transaction(async (tx) => {
          const v = await res.view(tx, row);
          await res.remove(tx, accountId, row);
          await auditAccess(tx, p, accountId, `${res.audit}_delete`, target(row.id), { oldValue: v });
          return v;
        });
        await changed();
        return ok(res.deleteAnswer === 'view' ? oldValue : { id: row.id });
      },
    }),
  ];
  const itemAction = <BS extends TSchema | undefined = undefined>(a: ItemAction<Row, BS>): ApiRoute =>
    typedRoute<ItemParamSchemas<I>, Record<never, never>, BS, true>({
      method: 'POST',
      url: `${item}/${a.verb}`,
      summary: a.summary,
      tag: 'Access',
      params: AI,
      ...(a.body === undefined ? {} : { body: a.body }),
      handler: async ({ principal: p, params, body }) => {
        const accountId = params.account_id;
        await can(p, accountId, 'write');
        const row = await rowOf(accountId, idOf(params));
        const step = a.prepare({ p, accountId, row, body });
        const result = await store.transaction(step);
        await changed();
        return ok(result);
      },
    });
  return { routes, can, rowOf, changed, itemAction };
}
