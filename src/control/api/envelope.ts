import { Type } from '@sinclair/typebox';
import type { Page, Paged } from '../../store/index.js';

export interface ResultInfo {
  page: number;
  per_page: number;
  count: number;
  total_count: number;
  total_pages: number;
}

/** One entry of the envelope's `messages`: something the call did that the caller should know. */
export interface ApiMessage {
  code: number;
  message: string;
}

export interface Envelope<T> {
  success: true;
  errors: [];
  messages: ApiMessage[];
  result: T;
  result_info?: ResultInfo;
}

export function ok<T>(result: T): Envelope<T> {
  return { success: true, errors: [], messages: [], result };
}

export function okPage<R, T>(paged: Paged<R>, page: Page, map: (row: R) => T): Envelope<T[]> {
  return {
    success: true,
    errors: [],
    messages: [],
    result: paged.rows.map(map),
    result_info: {
      page: page.page,
      per_page: page.perPage,
      count: paged.rows.length,
      total_count: paged.total,
      total_pages: Math.max(1, Math.ceil(paged.total / page.perPage)),
    },
  };
}

/** One page of a list already in memory. */
export function pageSlice<R>(all: readonly R[], page: Page): Paged<R> {
  return { rows: all.slice((page.page - 1) * page.perPage, page.page * page.perPage), total: all.length };
}

/** `page` / `per_page` query parameters (already validated as integers by the route schema). */
export function pageOf(query: { page?: number; per_page?: number }, defaultPerPage: number): Page {
  return { page: query.page ?? 1, perPage: query.per_page ?? defaultPerPage };
}

/** JSON schema of the paging query parameters, shared by every list route. */
export function pagingQuery(maxPerPage: number) {
  return {
    page: Type.Integer({ minimum: 1, description: 'Page number, from 1' }),
    per_page: Type.Integer({ minimum: 1, maximum: maxPerPage, description: `Results per page (max ${maxPerPage})` }),
  };
}
