import type { Static, TObject, TProperties, TSchema } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from './principal.js';

export type JsonSchema = Record<string, unknown>;

export interface ApiCall<P, Q, B, Who = Principal> {
  params: P;
  query: Q;
  body: B;
  /** The caller; `undefined` on routes with `auth: false` (typed routes say so in the type). */
  principal: Who;
  req: FastifyRequest;
  reply: FastifyReply;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One API route as the server registers it and the OpenAPI document lists it: its TypeBox
 * schemas feed fastify's validation and the document alike, so the two cannot drift apart.
 * Routes are written with {@link typedRoute}, the only way to make one: their handlers' types
 * come from the same schemas.
 */
export interface ApiRoute {
  method: Method;
  /** Below /client/v4, fastify syntax (`/zones/:zone_id`). */
  url: string;
  summary: string;
  tag: string;
  params?: TProperties;
  query?: TProperties;
  /** An object schema; `additionalProperties: false` is added when absent. */
  body?: TSchema;
  /** Default true: a Bearer token is required. */
  auth?: boolean;
  /**
   * Declared as a method on purpose: its parameter is then compared bivariantly, so a typed
   * route's handler (which takes the types its schemas give) fits this one list of every shape
   * without a cast. The server calls it only with what those schemas validated.
   */
  handler(call: ApiCall<unknown, unknown, unknown, Principal | undefined>): Promise<unknown>;
}

/** What a handler gets as `params`: every path parameter, as its schema types it. */
export type ParamsOf<PS extends TProperties> = { [K in keyof PS]: Static<PS[K]> };

/** What a handler gets as `body` for a body schema `BS`: its static type, or `undefined` without one. */
export type BodyOf<BS extends TSchema | undefined> = BS extends TSchema ? Static<BS> : undefined;

/**
 * A route whose handler types come from its TypeBox schemas (the schema is the type, as with
 * fastify's TypeBox type provider): params are all required, query fields all optional, the body
 * is `Static<body>`, and `principal` is `undefined` exactly when `auth: false`.
 */
export interface TypedRouteSpec<
  PS extends TProperties,
  QS extends TProperties,
  BS extends TSchema | undefined,
  Auth extends boolean,
> {
  method: Method;
  url: string;
  summary: string;
  tag: string;
  params?: PS;
  query?: QS;
  /** An object schema; `additionalProperties: false` is added when absent. */
  body?: BS;
  /** `false`: no Bearer token needed, and the handler gets no principal. */
  auth?: Auth;
  handler: (
    call: ApiCall<
      ParamsOf<PS>,
      Partial<Static<TObject<QS>>>,
      BodyOf<BS>,
      [Auth] extends [false] ? undefined : Principal
    >,
  ) => Promise<unknown>;
}

/** See {@link TypedRouteSpec}; the result fits the one list of every route's shape ({@link ApiRoute}). */
export function typedRoute<
  PS extends TProperties = Record<never, never>,
  QS extends TProperties = Record<never, never>,
  BS extends TSchema | undefined = undefined,
  Auth extends boolean = true,
>(spec: TypedRouteSpec<PS, QS, BS, Auth>): ApiRoute {
  return spec;
}

/** One of `values`, as JSON Schema's `enum` (what Cloudflare's own schemas use; TypeBox would write anyOf). */
export function Enum<const T extends readonly (string | number)[]>(values: T, options: { description?: string } = {}) {
  return Type.Unsafe<T[number]>({ enum: [...values], ...options });
}

/** Any JSON object (`{type: 'object'}`): its keys are checked by the handler, with messages that name them. */
export function AnyObject(options: { description?: string } = {}) {
  return Type.Unsafe<Record<string, unknown>>({ type: 'object', ...options });
}

/** Only `{}`: a field clients send that warren does not support (`description` says so). */
export function EmptyObject(description: string) {
  return Type.Unsafe<Record<string, never>>({ type: 'object', maxProperties: 0, description });
}

/** A string or null, as one JSON Schema type list (`{type: ['string', 'null']}`, not anyOf). */
export function NullableString(options: { format?: string; maxLength?: number } = {}) {
  return Type.Unsafe<string | null>({ type: ['string', 'null'], ...options });
}

/** Path parameter schema for an id. */
export const ID_PARAM = Type.String({ minLength: 1, maxLength: 64 });
