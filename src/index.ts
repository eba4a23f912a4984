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
  createWebRtcTransport,
  createWebSocketTransport,
  decodeClientEvent,
  decodeServerEvent,
  encodeClientEvent,
  realtimeUrl,
} from './protocol/index.js';
export type * from './protocol/index.js';

/* OpenAI Realtime REST (client secrets, calls, call control) and webhooks: for your server, browser-safe */
export {
  CALL_ID_PATTERN,
  DEFAULT_REALTIME_API_BASE_URL,
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  acceptCall,
  callIdFromLocation,
  createCall,
  createClientSecret,
  hangupCall,
  isRealtimeCallIncoming,
  isValidCallId,
  referCall,
  rejectCall,
  verifyRealtimeWebhook,
} from './protocol/index.js';

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
export { createRealtimeMcpProxy, hostTool, nativeMcpTools } from './proxy/index.js';
export type {
  ApprovalHandlerAnswer,
  AudioInput,
  HostTool,
  HostToolArguments,
  HostToolContext,
  HostToolDefinition,
  HostToolParameters,
  InspectionRecord,
  PerToolSetting,
  ProxyEvents,
  ProxyWarning,
  RealtimeMcpProxy,
  RealtimeMcpProxyEmbedding,
  RealtimeMcpProxyOptions,
  StandardSchemaV1,
  ToolAllowlist,
  ToolApproval,
  ToolCallTimeline,
} from './proxy/index.js';
export { approvalMachine, responseMachine, responseTurnMachine, sessionMachine, toolCallMachine } from './machines/index.js';
export type { ApprovalConfig, ApprovalDecision, ApprovalRequest, ApprovalSettled, BargeInPolicy, SessionAnomaly, SessionEndReason, SessionInput, SessionPatch, SessionToolInfo } from './machines/index.js';

/* Recording (browser-safe parts: the format, the recorder; files and replay: realtime-mcp-proxy/node) */
export { RECORDING_FORMAT, RECORDING_VERSION, Recorder, createIdNormalizer, matchIds, parseRecordingLine } from './recording/index.js';
export type { NewRecord, RecordedProxyOptions, RecorderOptions, RecordingHeader, RecordingLine, RecordingRecord, RecordingSink } from './recording/index.js';
