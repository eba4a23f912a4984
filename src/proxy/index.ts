// The proxy: one Realtime session wired to MCP. Browser-safe; Node wiring in `realtime-mcp-proxy/node`.
export { createRealtimeMcpProxy } from './createRealtimeMcpProxy.js';
export type { RealtimeMcpProxy } from './createRealtimeMcpProxy.js';
export type { RealtimeMcpProxyEmbedding } from './hostActions.js';
export type { AudioInput } from './audioPayload.js';
export type { ApprovalHandlerAnswer, ProxyEvents, ProxyWarning, RealtimeMcpProxyOptions, ToolCallTimeline } from './options.js';
export { projectInspectionEvent } from './inspection.js';
export type { InspectionRecord } from './inspection.js';
export { resolveToolSettings } from './toolSettings.js';
export type { PerToolSetting, ResolvedToolSettings, ToolAllowlist, ToolApproval, ToolSettings, ToolSettingsCatalog, ToolSettingsOptions, ToolSettingsProblem } from './toolSettings.js';
export { nativeMcpTools } from './nativeMcpTools.js';
export type { NativeMcpOptions } from './nativeMcpTools.js';
export { hostTool } from './hostTools.js';
export type { HostTool, HostToolArguments, HostToolContext, HostToolDefinition, HostToolParameters } from './hostTools.js';
export type { StandardJsonSchemaConverter, StandardSchemaV1 } from './standardSchema.js';
