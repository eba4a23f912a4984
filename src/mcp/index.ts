// The MCP entry (`realtime-mcp-proxy/mcp`): browser-safe. Every export here is public API.
// Spawning local servers over stdio needs Node: `createNodeMcpConnection` from `realtime-mcp-proxy/node`.

/* Connections */
export { McpConnection } from './connection.js';
export type { CallToolOptions, McpConnectionEvents, McpConnectionOptions, McpConnectionState } from './connection.js';
export { SERVER_LABEL_PATTERN, validateServerConfig, validateServerConfigs } from './serverConfig.js';
export type { FetchLike, StdioTransportFactory } from './transports.js';

/* Catalog, names, routing */
export { ToolCatalog } from './catalog.js';
export type { DroppedTool, ToolCatalogDiff, ToolCatalogEvents, ToolCatalogOptions } from './catalog.js';
export { ToolListingCache, defaultToolListingCache, listingCacheKey } from './listingCache.js';
export type { ToolListingCacheOptions } from './listingCache.js';
export { FUNCTION_NAME_PATTERN, mapToolNames } from './names.js';
export type { QualifiedToolName, ToolNameMap, ToolNameOptions } from './names.js';
export { toRealtimeParameters } from './parameters.js';
export type { ParametersResult } from './parameters.js';
export { createToolRouter } from './router.js';
export { DEFAULT_MAX_TOOLS, DEFAULT_MAX_TOOL_TOKENS, TOOL_LIMIT_BOUNDS, applyToolLimits, describeToolLimit, estimateToolTokens, resolveToolLimits } from './toolLimits.js';
export type { LimitCandidate, ResolvedToolLimits, ToolLimitName, ToolLimitOutcome, ToolLimits } from './toolLimits.js';
export type { RouteResult, ToolRoute, ToolRouter, ToolRouterOptions } from './router.js';

/* Calls */
export { DEFAULT_TOOL_TIMEOUT_MS, ToolCaller } from './toolCaller.js';
export type { CallOptions, ToolCallerEvents, ToolCallerOptions } from './toolCaller.js';
export { createArgumentValidator } from './arguments.js';
export type { ArgumentsCheck } from './arguments.js';
export { DEFAULT_MAX_OUTPUT_BYTES, checkStructuredContent, formatToolError, formatToolResult, truncateOutput } from './results.js';
export type { OutputSchemaCheck, ResultFormatOptions } from './results.js';
export { classifyCallFailure } from './callFailure.js';
export type { CallFailure } from './callFailure.js';

/* Shapes */
export type {
  CallToolResult,
  CatalogTool,
  JsonSchema,
  McpServerConfig,
  McpTransportKind,
  RealtimeFunctionTool,
  Tool,
  ToolAnnotations,
  ToolCallCode,
  ToolCallResult,
  ToolCallTimings,
} from './types.js';
