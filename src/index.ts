// The root entry (`realtime-mcp-proxy`): browser-safe, named exports only. Any export added here is
// public API. Node-only code lives behind `realtime-mcp-proxy/node`.

/* Errors */
export { ProxyError } from './errors.js';
export type { ProxyErrorCode } from './errors.js';

/* Protocol: codecs, dialects, transports, event types */
export {
  DEFAULT_REALTIME_URL,
  azureRealtimeUrl,
  betaEventNames,
  createWebSocketTransport,
  decodeClientEvent,
  decodeServerEvent,
  encodeClientEvent,
  realtimeUrl,
} from './protocol/index.js';
export type * from './protocol/index.js';
