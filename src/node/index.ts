// The Node entry (`realtime-mcp-proxy/node`): everything the browser-safe root cannot hold. Every export here is public API.

/* Realtime WebSocket on `ws` */
export { createNodeWebSocket } from './webSocketFactory.js';
export { createNodeWebSocketTransport } from './webSocketTransport.js';

/* The sideband: a server-side WebSocket attached to a WebRTC or SIP call */
export { DEFAULT_SIDEBAND_BASE_URL, createNodeSidebandTransport } from './sidebandTransport.js';
export type { NodeSidebandTransportOptions, SidebandTransport } from './sidebandTransport.js';

/* MCP servers over stdio */
export { createNodeMcpConnection, createStdioTransportFactory } from './mcpConnection.js';

/* The proxy, wired for Node */
export { createNodeRealtimeMcpProxy } from './realtimeMcpProxy.js';
export type { NodeRealtimeMcpProxyOptions } from './realtimeMcpProxy.js';

/* Recording and replay */
export { audioSidecarPath, createFileRecorder, idMapSidecarPath } from './fileRecorder.js';
export type { FileRecorderOptions } from './fileRecorder.js';
export { readRecordingLines } from './readRecording.js';
export { ReplayMismatchError, replay, replayRecording } from './replay.js';
export { describeDifference } from './replayDiff.js';
export type { ReplayFailure, ReplayMode, ReplayOptions, ReplayResult } from './replay.js';
export { createRecordedMcpServer } from './recordedMcpServer.js';
export type { RecordedMcpServer, RecordedMcpServerOptions } from './recordedMcpServer.js';

/* serve: the HTTP server (ephemeral keys, unified SDP exchange, SIP webhooks, tools, approvals, events) */
export { createServeApp } from '../serve/app.js';
export type { ServeApp } from '../serve/app.js';
export { startServe, DEFAULT_SERVE_PORT } from '../serve/startServe.js';
export type { RunningServe, StartServeOptions } from '../serve/startServe.js';
export type { ServeLogEntry, ServeOptions } from '../serve/serveOptions.js';
export type { ServeApiOptions, ServeOpenAi, ServeSessionConfig, ServeWebhookEvent } from '../serve/openAi.js';
export type { McpUrlPolicy } from '../serve/mcpUrlPolicy.js';
export type { SipHeaderRule, SipPolicy } from '../serve/sipPolicy.js';
export type { ShutdownResult } from '../serve/shutdown.js';
export type { ServeEvent } from '../serve/events.js';
export type { ToolEntry, ToolsReport } from '../serve/toolPlan.js';
