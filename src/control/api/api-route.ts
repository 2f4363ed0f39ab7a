import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from './principal.js';

export type JsonSchema = Record<string, unknown>;

export interface ApiCall<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Undefined only on routes with `auth: false`. */
  principal: Principal;
  req: FastifyRequest;
  reply: FastifyReply;
}

/**
 * One API route: its schemas feed fastify's validation and the OpenAPI document alike,
 * so the two cannot drift apart.
 */
export interface RouteSpec<P, Q, B> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Below /client/v4, fastify syntax (`/zones/:zone_id`). */
  url: string;
  summary: string;
  tag: string;
  params?: Record<string, JsonSchema>;
  query?: Record<string, JsonSchema>;
  /** An object schema; `additionalProperties: false` is added when absent. */
  body?: JsonSchema;
  /** Default true: a Bearer token is required. */
  auth?: boolean;
  handler: (call: ApiCall<P, Q, B>) => Promise<unknown>;
}

export type ApiRoute = RouteSpec<unknown, unknown, unknown>;

/** Erases the route's parameter types so routes of every shape fit one list (the schema validated them). */
export function route<P, Q, B>(spec: RouteSpec<P, Q, B>): ApiRoute {
  return spec as unknown as ApiRoute;
}

/** Path parameter schema for an id. */
export const ID_PARAM: JsonSchema = { type: 'string', minLength: 1, maxLength: 64 };
