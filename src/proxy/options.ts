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
import type { ToolLimits } from '../mcp/toolLimits.js';
import type { CatalogTool, McpServerConfig, ToolCallCode, ToolCallResult } from '../mcp/types.js';
import type { DecodedServerEvent } from '../protocol/codec.js';
import type { ClientEvent, McpTool, RealtimeError, RealtimeSessionConfig, ServerEvent } from '../protocol/generated/types.js';
import type { InboundEventMeta, RealtimeTransport } from '../protocol/transport.js';
import type { SessionEndReason } from '../machines/session.js';
import type { ApprovalConfig, ApprovalDecision, ApprovalRequest, BargeInPolicy } from '../machines/types.js';
import type { Redactor } from '../redaction/index.js';
import type { Recorder } from '../recording/recorder.js';
import type { HostTool } from './hostTools.js';
import type { InspectionRecord } from './inspection.js';
import type { PerToolSetting, ToolAllowlist, ToolApproval } from './toolSettings.js';

export type ApprovalHandlerAnswer = boolean | { approved: boolean; reason?: string; sticky?: boolean } | undefined;

export interface RealtimeMcpProxyOptions {
  /** A Realtime transport; or give `url` and `apiKey` for a WebSocket (the global WebSocket; Node: use createNodeRealtimeMcpProxy). */
  transport?: RealtimeTransport;
  url?: string;
  apiKey?: string | (() => string | Promise<string>);
  /** MCP servers the proxy connects to and calls (function tools). */
  servers: McpServerConfig[];
  /**
   * The app's own function tools (build them with hostTool), offered before the MCP tools in the same
   * `session.update` and run by their `execute` under the same rules: one output per call, approval
   * (their own `approval`, else `approval.mode`), barge-in (their own `bargeIn`, default `finish`),
   * their `timeoutMs` (else `timeouts.defaultMs`), `maxOutputBytes`, redaction, and the
   * `toolCall.ended` report (`result.source: 'host'`, no `server`). They keep their names: an MCP tool
   * named alike gets a hash suffix. `allowedTools`, `approval.tools`, `bargeIn` and `timeouts.tools`
   * (keyed by "server/tool") apply to MCP tools only. They count first against `toolLimits`; host
   * tools that alone pass a limit, two with one name, or one named like a route throw `invalid_options`.
   */
  hostTools?: HostTool[];
  /** Native MCP tools (build them with nativeMcpTools): OpenAI calls those servers; approvals still come here. */
  nativeMcp?: McpTool[];
  /** Options for every MCP connection (fetch, stdio factory, transport memory…). */
  mcp?: McpConnectionOptions;
  /** Function names routed explicitly to a server's tool (allowedTools applies to them too). */
  routes?: Record<string, ToolRoute>;
  // Per-tool settings (allowedTools, approval.tools, bargeIn, timeouts.tools) are keyed by the tool's
  // MCP identity, "server/tool" (split at the first "/": labels hold none, tool names may), or given
  // as a function of the catalog tool; never by function name, which changes with renaming. A key
  // that names no listed tool makes start() reject (invalid_options); a key for a server that failed
  // to list is an error event and applies once it lists. A bare tool name is refused (toolSettings.ts).
  /** The tools the model may see and call (on top of each server's allowedTools); a call to any other is refused with `not_allowed`. Default: all. */
  allowedTools?: ToolAllowlist;
  /** Who must approve which calls (`tools`: per tool, winning over `mode`). `onRequest` answers (or leaves it to `proxy.approve/deny` by returning undefined). */
  approval?: ApprovalConfig & {
    tools?: PerToolSetting<ToolApproval>;
    onRequest?: (request: ApprovalRequest) => ApprovalHandlerAnswer | Promise<ApprovalHandlerAnswer>;
  };
  /**
   * Deadlines in ms: `tools` per tool call (winning over the server's own), `defaultMs` for the
   * rest; `configureMs`: how long the server may take to answer the first `session.update` before
   * the session ends as `session_update_timeout` (default 15 000).
   */
  timeouts?: { defaultMs?: number; tools?: PerToolSetting<number>; configureMs?: number };
  /** A `response.create` refused because a response was active is retried after a growing wait (default 250 ms, doubled each time), at most `maxRetries` times (default 3); then the `error` event says so. */
  responseCreate?: { maxRetries?: number; backoffMs?: number };
  /** Per tool: cancel a running call on barge-in, or let it finish and deliver late. Default `cancel` for read-only tools, `finish` for the rest. */
  bargeIn?: PerToolSetting<BargeInPolicy>;
  /**
   * Prefix every function name with its server label (`label__tool`), so the model can tell the
   * servers apart. Default false: adding a server never renames the others' tools (names two servers
   * share get a hash suffix).
   */
  prefixToolNames?: boolean;
  /**
   * Refuse to run a session with no tool: when no MCP server could be reached, or the allowlist and
   * limits leave none, start() rejects with `no_tools` and nothing is sent to Realtime (the socket,
   * opened while the tools were listed, is closed). Default false: the session runs, and tools that
   * arrive later (a server that comes back, `list_changed`) are offered then.
   */
  requireTools?: boolean;
  /**
   * A cap on the tools sent in `session.update`: `maxTools` (default 128, what Chat Completions and
   * Responses accept; no Realtime-specific limit is documented) and `maxTokens`, their estimated
   * size (default 16 000: UTF-8 bytes of each tool's JSON ÷ 4, against gpt-realtime's 32k context,
   * which the tool definitions take from on every turn). Over a limit, tools are kept in catalog
   * order (configured servers, then each server's listing order) up to it; one `warning`
   * (`tools_limited`) says what was kept and which servers lost tools, `data.leftOut` lists them,
   * and a call to one is refused (`not_allowed`). Whole numbers, maxTools 1–10 000, maxTokens
   * 1–1 000 000; anything else throws `invalid_options`. Choose the tools with `allowedTools`.
   */
  toolLimits?: ToolLimits;
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
  /** The MCP request went out; for a host tool (`result.source: 'host'`), its `execute` was called. */
  mcpRequestAt?: number;
  /** The MCP result came back; for a host tool, `execute` settled (or its deadline passed). */
  mcpResultAt?: number;
  outputSentAt?: number;
  responseCreateSentAt?: number;
  code?: ToolCallCode | 'denied' | 'skipped';
  output?: string;
  result?: ToolCallResult;
}

/**
 * Something the host should hear about that does not stop the session: tools left out by a limit,
 * an allowlist entry that matches nothing, a key about to travel unencrypted. `code` is stable
 * (string codes, like ProxyError's); `message` is "Why. Please Y." for people.
 */
export interface ProxyWarning {
  code: string;
  message: string;
  data?: Record<string, unknown>;
}

/**
 * Everything a proxy reports, named `<subject>.<what happened>` (`warning` and `error` stand alone,
 * as in Node). Every event is listed with its payload in the README's "Events" table.
 */
export type ProxyEvents = {
  /** The session is configured: the tools it offers (function names). */
  'session.ready': [info: { tools: string[] }];
  /** The session ended, once, with its reason. `proxy.ended` resolves with the same. */
  'session.ended': [end: SessionEndReason];
  /** A configuration or input the session works around; see ProxyWarning. */
  warning: [warning: ProxyWarning];
  /** A local failure the session survived (or the one that ended it): a redacted ProxyError. */
  error: [error: ProxyError];
  /** Every decoded server event but audio deltas. */
  'realtime.event': [event: DecodedServerEvent, meta: InboundEventMeta];
  /**
   * Every client event the proxy sent (the transport took it), in order: redacted with the
   * session's redactor, an `input_audio_buffer.append`'s `audio` replaced by `"<N bytes elided>"`.
   */
  'realtime.sent': [event: ClientEvent];
  /** Audio deltas (WebSocket sessions), kept away from the machines. */
  'realtime.audio': [event: ServerEvent];
  /** A Realtime `error` event, as the server sent it. */
  'realtime.error': [error: RealtimeError];
  /** Native MCP progress: `mcp_list_tools.completed|failed`, `response.mcp_call.completed|failed`. */
  'nativeMcp.event': [event: ServerEvent];
  /** `actorId` names the call's tool-call actor in `inspect` records. */
  'toolCall.started': [info: { callId: string; functionName: string; responseId: string; actorId: string }];
  'toolCall.progress': [info: { callId?: string; functionName: string; server: string; tool: string; progress: { progress: number; total?: number; message?: string } }];
  /** The one report of a call, when nothing more can happen to it: outcome, output, the full result (`result`) and the latency breakdown. */
  'toolCall.ended': [timeline: ToolCallTimeline];
  'approval.requested': [request: ApprovalRequest];
  /** Every approval the host was asked about ends exactly once: answered, expired, interrupted by the user, or closed with the session (all but `approved` fail closed). */
  'approval.settled': [settled: { approvalId: string; kind: ApprovalRequest['kind']; decision: ApprovalDecision; reason?: string }];
  'response.requested': [info: { responseId: string; callIds: string[] }];
  'catalog.changed': [diff: ToolCatalogDiff];
  'catalog.toolDropped': [dropped: DroppedTool];
  /** With `inspect: true`: machine state changes (no payloads), for visualizers. */
  inspect: [record: InspectionRecord];
};

const audioEvents = new Set(['response.output_audio.delta', 'response.audio.delta']);

export function isAudioEvent(event: DecodedServerEvent): boolean {
  return audioEvents.has(event.type);
}
