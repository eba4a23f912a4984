// The protocol entry (`realtime-mcp-proxy/protocol`): browser-safe. Every export here is public API.

/* Codecs */
export { decodeServerEvent, decodeClientEvent, encodeClientEvent } from './codec.js';
export type {
  CodecError,
  CodecErrorCode,
  CodecInput,
  DecodeClientEventOptions,
  DecodeResult,
  DecodedServerEvent,
  EncodeResult,
  UnknownServerEvent,
} from './codec.js';

/* Dialects */
export { betaEventNames } from './dialects.js';
export type { Dialect } from './dialects.js';

/* Generated event and shape types */
export type * from './generated/types.js';
