import { MessageError } from './messages.js';

/**
 * Live logs (`warren tail`) on stream 0 of a link, in FrameType.Management frames, one JSON
 * message each. The edge asks (`start`, `stop`); the connector answers `started` and then sends
 * `event`s (and `dropped` counts) for the sessions it was asked for, never unasked.
 */
export type ManagementMessage =
  /** edge → connector: stream events matching `filters` for this session until `stop`. */
  | { type: 'start'; session: string; filters: TailFilters }
  /** edge → connector. */
  | { type: 'stop'; session: string }
  /** connector → edge: the session is live on this connector. */
  | { type: 'started'; session: string }
  /** connector → edge: one event, for each session listed (those whose filters it matched). */
  | { type: 'event'; sessions: string[]; event: LogEvent }
  /** connector → edge: this many events of the session were dropped (rate or a backed-up link). */
  | { type: 'dropped'; session: string; count: number };

export const TAIL_EVENT_KINDS = ['http', 'tcp', 'ws'] as const;
export type TailEventKind = (typeof TAIL_EVENT_KINDS)[number];
export const TAIL_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type TailLevel = (typeof TAIL_LEVELS)[number];

export interface TailFilters {
  /** Only these kinds; empty: all. */
  events: TailEventKind[];
  /** Only events at this level or above. */
  level: TailLevel;
  /** Fraction of matching events sent, in [0, 1]. */
  sample: number;
}

/** One request log, as the connector saw it. */
export interface LogEvent {
  time: string;
  level: TailLevel;
  event: TailEventKind;
  connector_id: string;
  message: string;
  method: string;
  host: string;
  path: string;
  /** 0 when the request failed before any response head. */
  status: number;
  duration_ms: number;
  ray_id: string;
  error?: string;
}

/** Largest Management frame either side sends or reads; the edge drops bigger ones unread. */
export const MAX_MANAGEMENT_MESSAGE = 8 * 1024; // 8 KiB
/** Sessions one event may name (an edge holds at most a few per tunnel; a connector serves several edges). */
export const MAX_EVENT_SESSIONS = 16;
/** Bounds of the free-text fields of an event, so an event always fits MAX_MANAGEMENT_MESSAGE. */
export const EVENT_FIELD_LIMITS = { method: 32, host: 255, path: 2048, ray_id: 64, message: 2560, error: 512 } as const;

const SESSION_ID = /^[A-Za-z0-9_-]{8,64}$/;

export function encodeManagement(message: ManagementMessage): Buffer {
  return Buffer.from(JSON.stringify(message), 'utf8');
}

/** Parses and validates one Management frame; throws MessageError on anything else. */
export function parseManagement(payload: Buffer): ManagementMessage {
  if (payload.length > MAX_MANAGEMENT_MESSAGE) throw new MessageError('management message too large');
  let v: unknown;
  try {
    v = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new MessageError('management message is not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new MessageError('management: expected an object');
  const o = v as Record<string, unknown>;
  switch (o.type) {
    case 'start':
      return { type: 'start', session: sessionOf(o.session), filters: parseTailFilters(o.filters) };
    case 'stop':
    case 'started':
      return { type: o.type, session: sessionOf(o.session) };
    case 'dropped': {
      const count = o.count;
      if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) {
        throw new MessageError('management: dropped count must be a positive integer');
      }
      return { type: 'dropped', session: sessionOf(o.session), count };
    }
    case 'event': {
      const s = o.sessions;
      if (!Array.isArray(s) || s.length < 1 || s.length > MAX_EVENT_SESSIONS) {
        throw new MessageError('management: event sessions must be a non-empty list');
      }
      return { type: 'event', sessions: s.map(sessionOf), event: parseLogEvent(o.event) };
    }
    default:
      throw new MessageError('management: unknown message type');
  }
}

function sessionOf(v: unknown): string {
  if (typeof v !== 'string' || !SESSION_ID.test(v)) throw new MessageError('management: bad session id');
  return v;
}

export function parseTailFilters(v: unknown): TailFilters {
  if (typeof v !== 'object' || v === null) throw new MessageError('management: filters missing');
  const o = v as Record<string, unknown>;
  const events = o.events;
  if (!Array.isArray(events) || events.length > TAIL_EVENT_KINDS.length) {
    throw new MessageError('management: filters.events must be a list');
  }
  const kinds = events.map((e) => {
    if (!(TAIL_EVENT_KINDS as readonly unknown[]).includes(e)) throw new MessageError('management: unknown event kind');
    return e as TailEventKind;
  });
  if (!(TAIL_LEVELS as readonly unknown[]).includes(o.level)) throw new MessageError('management: unknown level');
  const sample = o.sample;
  if (typeof sample !== 'number' || !(sample >= 0 && sample <= 1)) {
    throw new MessageError('management: filters.sample must be in [0, 1]');
  }
  return { events: kinds, level: o.level as TailLevel, sample };
}

function text(o: Record<string, unknown>, key: keyof typeof EVENT_FIELD_LIMITS): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length > EVENT_FIELD_LIMITS[key]) throw new MessageError(`management: bad ${key}`);
  return v;
}

/** An event as the edge relays it: only the known fields, each checked (nothing else passes through). */
export function parseLogEvent(v: unknown): LogEvent {
  if (typeof v !== 'object' || v === null) throw new MessageError('management: event missing');
  const o = v as Record<string, unknown>;
  const time = o.time;
  if (typeof time !== 'string' || time.length > 40 || Number.isNaN(Date.parse(time))) {
    throw new MessageError('management: bad time');
  }
  if (!(TAIL_LEVELS as readonly unknown[]).includes(o.level)) throw new MessageError('management: bad level');
  if (!(TAIL_EVENT_KINDS as readonly unknown[]).includes(o.event)) throw new MessageError('management: bad event');
  const status = o.status;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 0 || status > 999) {
    throw new MessageError('management: bad status');
  }
  const duration = o.duration_ms;
  if (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0) {
    throw new MessageError('management: bad duration_ms');
  }
  const event: LogEvent = {
    time,
    level: o.level as TailLevel,
    event: o.event as TailEventKind,
    connector_id: '',
    message: text(o, 'message'),
    method: text(o, 'method'),
    host: text(o, 'host'),
    path: text(o, 'path'),
    status,
    duration_ms: duration,
    ray_id: text(o, 'ray_id'),
  };
  if (o.error !== undefined) event.error = text(o, 'error');
  return event;
}

/** Whether a level passes a minimum level. */
export function levelAtLeast(level: TailLevel, min: TailLevel): boolean {
  return TAIL_LEVELS.indexOf(level) >= TAIL_LEVELS.indexOf(min);
}
