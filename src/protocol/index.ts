export {
  type AccessKeysAnswer,
  type AccessKeysRequest,
  encodeAccessKeys,
  parseAccessKeysAnswer,
  parseAccessKeysRequest,
} from './access-keys.js';
export type { BodySink } from './body-sink.js';
export {
  type ConfigPush,
  type ConfigStatus,
  encodeConfigPush,
  encodeConfigStatus,
  MAX_CONFIG_PUSH_BYTES,
  MAX_CONFIG_STATUS_REASON_CHARS,
  parseConfigPush,
  parseConfigStatus,
} from './config-push.js';
export {
  connectorTagsProblem,
  MAX_CONNECTOR_TAGS,
  MAX_TAG_KEY_LENGTH,
  MAX_TAG_VALUE_LENGTH,
} from './connector-tags.js';
export {
  encodeFrame,
  FRAME_HEADER_SIZE,
  type Frame,
  FrameParser,
  FrameType,
  type FrameTypeValue,
  MAX_CONTROL_FRAME_PAYLOAD,
  MAX_FRAME_PAYLOAD,
  PRE_REGISTRATION_MAX_FRAME_PAYLOAD,
} from './frame.js';
export { HOP_BY_HOP, stripHopByHop } from './hop-by-hop.js';
export { ACCESS_KEYS_TIMEOUT_MS, LinkAccessKeys } from './link-access-keys.js';
export { LinkReader } from './link-reader.js';
export {
  type OnRequestHead,
  type OnResponseHead,
  parserUnavailable,
  RequestParser,
  ResponseParser,
} from './llhttp.js';
export {
  EVENT_FIELD_LIMITS,
  encodeManagement,
  type LogEvent,
  levelAtLeast,
  MAX_EVENT_SESSIONS,
  MAX_MANAGEMENT_MESSAGE,
  type ManagementMessage,
  parseLogEvent,
  parseManagement,
  parseTailFilters,
  TAIL_EVENT_KINDS,
  TAIL_LEVELS,
  type TailEventKind,
  type TailFilters,
  type TailLevel,
} from './management.js';
export {
  type ConnectorInfo,
  encodeJson,
  HeadError,
  MAX_HEAD_BYTES,
  MAX_HEAD_FIELDS,
  MessageError,
  PROTOCOL_VERSION,
  type RegisterAuth,
  type RegisterFailure,
  type RegisterRequest,
  type Registration,
  type RequestHead,
  type ResponseHead,
  type ServerHello,
  type StreamReset,
} from './messages.js';
export {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
  DEFAULT_INITIAL_WINDOW,
  HEARTBEAT_MISSES_ALLOWED,
  MuxConnection,
  type MuxConnectionOptions,
} from './mux-connection.js';
export { MuxStream } from './mux-stream.js';
export {
  type AcceptOutcome,
  acceptRegistration,
  FEATURE_ACCESS_KEYS,
  FEATURE_CONFIG_PUSH,
  FEATURE_CONFIG_STATUS,
  FEATURE_MANAGEMENT_LOGS,
  parseRegisterFailure,
  parseRegisterRequest,
  parseRegistration,
  parseServerHello,
  type RegistrationDecision,
  type RegistrationJudge,
  registerAsConnector,
} from './registration.js';
export { proveSecret, verifyProof } from './secret-proof.js';
export { isUnderTunnelDomain, isUuid, tunnelIdOfTarget, tunnelTarget } from './tunnel-id.js';
