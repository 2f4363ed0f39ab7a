import { MessageError } from './messages.js';

/**
 * edge → connector, stream 0 (FrameType.ConfigPush): a tunnel's remotely-managed configuration
 * (`/cfd_tunnel/{t}/configurations`), sent right after registration and again for each new
 * version. `config` is Cloudflare's `config` object as the API validated and stored it; the
 * connector validates it again with the same rules (it trusts no edge blindly either).
 */
export interface ConfigPush {
  /** Grows by one with each PUT; the connector applies only a version newer than its own. */
  version: number;
  config: Record<string, unknown>;
}

/**
 * Upper bound of one encoded push. Half the control-frame cap, so a push over it still arrives
 * as a well-formed frame and the connector refuses the configuration, not the whole link. The
 * API refuses a larger configuration on PUT and the edge refuses to send one.
 */
export const MAX_CONFIG_PUSH_BYTES = 512 * 1024; // 512 KiB

/** Highest version a push may carry (a PostgreSQL integer). */
const MAX_VERSION = 2 ** 31 - 1;

/** Throws MessageError when the encoded push would exceed MAX_CONFIG_PUSH_BYTES. */
export function encodeConfigPush(push: ConfigPush): Buffer {
  const buf = Buffer.from(JSON.stringify({ version: push.version, config: push.config }), 'utf8');
  if (buf.length > MAX_CONFIG_PUSH_BYTES) {
    throw new MessageError(`config push: ${buf.length} bytes, over the ${MAX_CONFIG_PUSH_BYTES}-byte cap`);
  }
  return buf;
}

/** Throws MessageError on a push over the cap or of the wrong shape; the receiver keeps its configuration. */
export function parseConfigPush(payload: Buffer): ConfigPush {
  if (payload.length > MAX_CONFIG_PUSH_BYTES) {
    throw new MessageError(`config push: ${payload.length} bytes, over the ${MAX_CONFIG_PUSH_BYTES}-byte cap`);
  }
  let v: unknown;
  try {
    v = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new MessageError('config push: payload is not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new MessageError('config push: expected an object');
  const o = v as Record<string, unknown>;
  const version = o.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1 || version > MAX_VERSION) {
    throw new MessageError(`config push: version must be an integer in [1, ${MAX_VERSION}]`);
  }
  const config = o.config;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new MessageError('config push: config must be an object');
  }
  return { version, config: config as Record<string, unknown> };
}

/**
 * connector → edge, stream 0 (FrameType.ConfigStatus): what the connector did with a pushed
 * version, so the API can show it (GET …/configurations). One per ConfigPush received on a link.
 */
export interface ConfigStatus {
  version: number;
  /** applied: it serves this version; refused: it keeps `running`; ignored: a local config wins. */
  state: 'applied' | 'refused' | 'ignored';
  /** The remote version the connector serves (0: none). */
  running: number;
  /** Why it refused or ignored the version: one line, bounded, naming files but never their contents. */
  reason?: string;
}

/** Longest reason carried; the connector cuts a longer one. */
export const MAX_CONFIG_STATUS_REASON_CHARS = 1000;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters would forge lines wherever a reason is shown
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

const STATES: ReadonlySet<string> = new Set(['applied', 'refused', 'ignored']);

export function encodeConfigStatus(status: ConfigStatus): Buffer {
  const reason = status.reason === undefined ? undefined : status.reason.slice(0, MAX_CONFIG_STATUS_REASON_CHARS);
  return Buffer.from(
    JSON.stringify({ version: status.version, state: status.state, running: status.running, reason }),
    'utf8',
  );
}

/** Throws MessageError on anything but a well-formed, bounded status (the connector is not trusted). */
export function parseConfigStatus(payload: Buffer): ConfigStatus {
  if (payload.length > 4 * MAX_CONFIG_STATUS_REASON_CHARS + 256) {
    throw new MessageError(`config status: ${payload.length} bytes, too large`);
  }
  let v: unknown;
  try {
    v = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new MessageError('config status: payload is not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new MessageError('config status: expected an object');
  const o = v as Record<string, unknown>;
  const version = versionOf(o.version, 1, 'version');
  const running = versionOf(o.running, 0, 'running');
  const state = o.state;
  if (typeof state !== 'string' || !STATES.has(state)) {
    throw new MessageError('config status: state must be applied, refused or ignored');
  }
  const reason = o.reason;
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_CONFIG_STATUS_REASON_CHARS)) {
    throw new MessageError(
      `config status: reason must be a string of at most ${MAX_CONFIG_STATUS_REASON_CHARS} characters`,
    );
  }
  return {
    version,
    state: state as ConfigStatus['state'],
    running,
    ...(reason === undefined ? {} : { reason: reason.replace(CONTROL_CHARACTERS, ' ') }),
  };
}

function versionOf(v: unknown, min: number, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > MAX_VERSION) {
    throw new MessageError(`config status: ${name} must be an integer in [${min}, ${MAX_VERSION}]`);
  }
  return v;
}
