/**
 * What `createRealtimeMcpProxy` takes and what it reports. Everything the host can listen to is in
 * `ProxyEvents`; the same events reach `hooks.onEvent`.
 */
import type { ProxyError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ToolCatalogDiff, DroppedTool } from '../mcp/catalog.js';
import type { McpConnectionOptions } from '../mcp/connection.js';
import type { ToolListingCache } from '../mcp/listingCache.js';
import type { ToolRoute } from '../mcp/router.js';
import type { CatalogTool, McpServerConfig, ToolCallCode, ToolCallResult } from '../mcp/types.js';
import type { DecodedServerEvent } from '../protocol/codec.js';
import type { McpTool, RealtimeError, RealtimeSessionConfig, ServerEvent } from '../protocol/generated/types.js';
import type { InboundEventMeta, RealtimeTransport } from '../protocol/transport.js';
import type { SessionEndReason } from '../machines/session.js';
import type { ApprovalConfig, ApprovalRequest, BargeInPolicy } from '../machines/types.js';
import type { Redactor } from '../redaction/index.js';
import type { Recorder } from '../recording/recorder.js';
import type { InspectionRecord } from './inspection.js';

export type ApprovalHandlerAnswer = boolean | { approved: boolean; reason?: string; sticky?: boolean } | undefined;

export interface RealtimeMcpProxyOptions {
  /** A Realtime transport; or give `url` and `apiKey` for a WebSocket (the global WebSocket; Node: use createNodeRealtimeMcpProxy). */
  transport?: RealtimeTransport;
  url?: string;
  apiKey?: string | (() => string | Promise<string>);
  /** MCP servers the proxy connects to and calls (function tools). */
  servers: McpServerConfig[];
  /** Native MCP tools (build them with nativeMcpTools): OpenAI calls those servers; approvals still come here. */
  nativeMcp?: McpTool[];
  /** Options for every MCP connection (fetch, stdio factory, transport memory…). */
  mcp?: McpConnectionOptions;
  /** Function names routed explicitly to a server's tool. */
  routes?: Record<string, ToolRoute>;
  /** Function names the model may see, or a predicate on catalog tools (on top of each server's allowedTools). */
  allowedTools?: readonly string[] | ((tool: CatalogTool) => boolean);
  /** Who must approve which calls. `onRequest` answers (or leaves it to `proxy.approve/deny` by returning undefined). */
  approval?: ApprovalConfig & { onRequest?: (request: ApprovalRequest) => ApprovalHandlerAnswer | Promise<ApprovalHandlerAnswer> };
  timeouts?: { defaultMs?: number; tools?: Record<string, number> };
  /** Per function name: cancel a running call on barge-in, or let it finish and deliver late. */
  bargeIn?: Record<string, BargeInPolicy>;
  instructions?: string;
  session?: Partial<Omit<RealtimeSessionConfig, 'type' | 'tools'>>;
  maxOutputBytes?: number;
  strictOutputSchema?: boolean;
  catalogCache?: ToolListingCache | false;
  /** Report machine state changes as `inspect` events (for visualizers). */
  inspect?: boolean;
  /**
   * Records the session (Realtime frames, MCP HTTP traffic, approval answers) for replay. The proxy
   * closes it when the session ends. In Node, `record: { path }` of createNodeRealtimeMcpProxy
   * builds one that writes a file.
   */
  recorder?: Recorder;
  /**
   * The registry of the session's secrets (default: the recorder's, else a new one). The proxy
   * registers the key, the Realtime URL's credentials, every server's token, header values and URL
   * credentials, and each value a key or token function returns, as it returns it; tool outputs,
   * tool results, errors (causes included), log lines and the recording are redacted with it.
   * Pass one to redact your own output with the same secrets.
   */
  redactor?: Redactor;
  hooks?: {
    logger?: Logger;
    onEvent?: (event: keyof ProxyEvents, payload: unknown) => void;
    onError?: (error: ProxyError) => void;
  };
}

/** The life of one tool call, with the latency breakdown (epoch ms). */
export interface ToolCallTimeline {
  callId: string;
  functionName: string;
  /** The model started the call (`response.output_item.added`). */
  startedAt: number;
  /** The model finished the arguments (`response.output_item.done`, completed). */
  argumentsCompleteAt?: number;
  /** The arguments as the model sent them. */
  arguments?: string;
  mcpRequestAt?: number;
  mcpResultAt?: number;
  outputSentAt?: number;
  responseCreateSentAt?: number;
  code?: ToolCallCode | 'denied' | 'skipped';
  output?: string;
  result?: ToolCallResult;
}

export type ProxyEvents = {
  ready: [info: { tools: string[] }];
  serverEvent: [event: DecodedServerEvent, meta: InboundEventMeta];
  /** Audio deltas, kept away from the machines. */
  audio: [event: ServerEvent];
  realtimeError: [error: RealtimeError];
  'approval.requested': [request: ApprovalRequest];
  'toolCall.start': [info: { callId: string; functionName: string; responseId: string }];
  'toolCall.progress': [info: { callId?: string; functionName: string; server: string; tool: string; progress: { progress: number; total?: number; message?: string } }];
  'toolCall.result': [result: ToolCallResult & { callId?: string }];
  'toolCall.end': [timeline: ToolCallTimeline];
  'response.requested': [info: { responseId: string; callIds: string[] }];
  'catalog.changed': [diff: ToolCatalogDiff];
  'tool.dropped': [dropped: DroppedTool];
  inspect: [record: InspectionRecord];
  /** Native MCP progress: `mcp_list_tools.completed|failed`, `response.mcp_call.completed|failed`. */
  nativeMcp: [event: ServerEvent];
  ended: [end: SessionEndReason];
  error: [error: ProxyError];
};

const audioEvents = new Set(['response.output_audio.delta', 'response.audio.delta']);

export function isAudioEvent(event: DecodedServerEvent): boolean {
  return audioEvents.has(event.type);
}
