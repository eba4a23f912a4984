// The root entry (`realtime-mcp-proxy`): browser-safe, named exports only. Any export added here is
// public API. Node-only code lives behind `realtime-mcp-proxy/node`.

/* Errors, logging and redaction */
export { ProxyError } from './errors.js';
export type { ProxyErrorCode } from './errors.js';
export type { Logger } from './logger.js';
export { REDACTED, Redactor, findSecrets, redactUrl } from './redaction/index.js';

/* Protocol: codecs, dialects, transports, event types */
export {
  DEFAULT_REALTIME_URL,
  azureRealtimeUrl,
  betaEventNames,
  createMemoryTransport,
  createWebSocketTransport,
  decodeClientEvent,
  decodeServerEvent,
  encodeClientEvent,
  realtimeUrl,
} from './protocol/index.js';
export type * from './protocol/index.js';

/* MCP: connections, catalog, calls (the whole layer: realtime-mcp-proxy/mcp) */
export { FUNCTION_NAME_PATTERN, McpConnection, ToolCaller, ToolCatalog, ToolListingCache, createToolRouter, mapToolNames } from './mcp/index.js';
export type {
  CatalogTool,
  McpConnectionState,
  McpServerConfig,
  RealtimeFunctionTool,
  ToolCallCode,
  ToolCallResult,
  ToolCatalogDiff,
  ToolLimits,
  ToolRoute,
} from './mcp/index.js';

/* The proxy and its machines */
export { createRealtimeMcpProxy, nativeMcpTools } from './proxy/index.js';
export type { ApprovalHandlerAnswer, AudioInput, InspectionRecord, PerToolSetting, ProxyEvents, ProxyWarning, RealtimeMcpProxy, RealtimeMcpProxyEmbedding, RealtimeMcpProxyOptions, ToolAllowlist, ToolApproval, ToolCallTimeline } from './proxy/index.js';
export { approvalMachine, responseMachine, responseTurnMachine, sessionMachine, toolCallMachine } from './machines/index.js';
export type { ApprovalConfig, ApprovalDecision, ApprovalRequest, ApprovalSettled, BargeInPolicy, SessionAnomaly, SessionEndReason, SessionInput, SessionPatch, SessionToolInfo } from './machines/index.js';

/* Recording (browser-safe parts: the format, the recorder; files and replay: realtime-mcp-proxy/node) */
export { RECORDING_FORMAT, RECORDING_VERSION, Recorder, createIdNormalizer, matchIds, parseRecordingLine } from './recording/index.js';
export type { NewRecord, RecordedProxyOptions, RecorderOptions, RecordingHeader, RecordingLine, RecordingRecord, RecordingSink } from './recording/index.js';
