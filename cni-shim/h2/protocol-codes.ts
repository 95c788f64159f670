/** The numbers of HTTP/2 (RFC 9113 §6, §7, §11) this client reads or writes. */

export const FRAME = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export const FLAG = {
  /** DATA, HEADERS. */
  END_STREAM: 0x1,
  /** SETTINGS, PING (the same bit as END_STREAM). */
  ACK: 0x1,
  /** HEADERS, CONTINUATION. */
  END_HEADERS: 0x4,
  /** DATA, HEADERS. */
  PADDED: 0x8,
  /** HEADERS: a stream dependency and weight precede the block. */
  PRIORITY: 0x20,
} as const;

export const SETTING = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;

export const ERROR_CODE = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

const ERROR_NAMES = Object.keys(ERROR_CODE);

/** The error code's name, or its number for one this client does not know. */
export function errorCodeName(code: number): string {
  return ERROR_NAMES[code] ?? `error code 0x${code.toString(16)}`;
}

/** The size of every frame's header: length (24 bits), type, flags, stream id (31 bits). */
export const FRAME_HEADER_OCTETS = 9;
/** SETTINGS_MAX_FRAME_SIZE's initial value, which we never raise, and its largest value. */
export const DEFAULT_MAX_FRAME_SIZE = 16_384;
export const LARGEST_MAX_FRAME_SIZE = 16_777_215;
/** A flow-control window's initial size and its largest (2^31 - 1). */
export const DEFAULT_WINDOW = 65_535;
export const LARGEST_WINDOW = 0x7fffffff;
/** SETTINGS_HEADER_TABLE_SIZE's initial value, which we keep. */
export const DEFAULT_HEADER_TABLE_SIZE = 4_096;
