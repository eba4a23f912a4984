/**
 * The session machine's contracts: its input, the events it takes, what it emits, how it ends,
 * and its context (the maps of calls, turns and approvals it keeps by wire id).
 */
import type { RealtimeFunctionTool } from '../mcp/types.js';
import type { ClientEvent, McpTool, RealtimeError, RealtimeSessionConfig, ServerEvent } from '../protocol/generated/types.js';
import type { SessionToolInfo, StickyAnswer } from './policy.js';
import type { RecentIds } from './recentIds.js';
import type { ResponseInput } from './response.js';
import type { SessionPatch } from './sessionUpdate.js';
import type { ToolsOverride } from './toolGuard.js';
import type {
  ApprovalAnswer,
  ApprovalRequest,
  ApprovalSettled,
  Outbound,
  ResponseReport,
  ResponseTurnReport,
  SessionApprovalPolicy,
  ToolCallApprovalRequested,
  ToolCallSettled,
} from './types.js';

export interface SessionInput {
  tools: RealtimeFunctionTool[];
  /** What the session knows of each callable function, by function name (policy inputs). */
  toolInfo?: ReadonlyMap<string, SessionToolInfo>;
  /** Native MCP tools (`{ type: 'mcp', … }`, see nativeMcpTools): OpenAI calls these servers itself. */
  nativeTools?: McpTool[];
  instructions?: string;
  /** More session fields for `session.update` (voice, audio formats, turn detection…). */
  session?: Partial<Omit<RealtimeSessionConfig, 'type' | 'tools'>>;
  approval?: SessionApprovalPolicy;
  /** Retries of a refused `response.create`. */
  responseCreate?: ResponseInput;
  /** How long the server may take to answer our first `session.update`, in ms. Default 15 000. */
  configureTimeoutMs?: number;
  /**
   * The tools come later, with the first `catalog.changed` (the proxy lists them while the socket
   * opens): the first `session.update` waits for them. Default false: `tools` are the session's tools.
   */
  toolsPending?: boolean;
}

/** Why a session ended. */
export type SessionEndReason =
  | { reason: 'closed_by_host' }
  | { reason: 'session_expired'; message: string }
  /** The server refused our first `session.update` (an `error` naming its `event_id`). */
  | { reason: 'session_update_rejected'; error: RealtimeError }
  /** Our first `session.update` could not be sent (refused by the encoder, or the socket). */
  | { reason: 'session_update_failed'; message: string }
  /** The server did not answer our first `session.update` in time. */
  | { reason: 'session_update_timeout'; timeoutMs: number }
  | { reason: 'socket_closed'; code: number; detail: string }
  /** The proxy failed inside (a bug): the session was torn down rather than left half alive. */
  | { reason: 'internal_error'; message: string };

/** The server did something the protocol does not lead us to expect; the session ignored it and went on. */
export interface SessionAnomaly {
  code: 'duplicate_call' | 'call_never_finished' | 'late_call' | 'duplicate_approval_request';
  message: string;
  callId?: string;
  responseId?: string;
}

export const DEFAULT_CONFIGURE_TIMEOUT_MS = 15_000;

export type SessionEvent =
  | ServerEvent
  | { type: 'transport.closed'; code: number; reason: string }
  /** The socket is open: the server takes client events from now on, before its `session.created` too. */
  | { type: 'transport.opened' }
  | { type: 'catalog.changed'; tools: RealtimeFunctionTool[]; toolInfo?: ReadonlyMap<string, SessionToolInfo> }
  | { type: 'session.close' }
  /** The host changes session fields (`proxy.updateSession`, checked by the proxy): sent once no other `session.update` is in flight. */
  | { type: 'host.sessionUpdate'; patch: SessionPatch }
  /** The host wants the model to speak (after its text message, or a committed turn): the response machine sends the `response.create`. */
  | { type: 'host.responseRequested' }
  /** The host interrupts: the active response is cancelled; calls, turns and native approvals hear it as they hear the user speak. */
  | { type: 'host.interrupt' }
  /** A frame the machine asked to send could not be sent (the encoder or the socket refused it). */
  | { type: 'outbound.failed'; event: ClientEvent; message: string }
  | ApprovalAnswer
  | ToolCallSettled
  | ToolCallApprovalRequested
  | ApprovalSettled
  | ResponseTurnReport
  | ResponseReport
  | Outbound;

export type SessionEmitted =
  | { type: 'send'; event: ClientEvent }
  | { type: 'session.ready' }
  | { type: 'session.error'; error: RealtimeError }
  | { type: 'session.ended'; end: SessionEndReason }
  | { type: 'session.anomaly'; anomaly: SessionAnomaly }
  /**
   * A `session.updated` the session did not ask for holds other tools (another client on the
   * session sent them): `restored` says whether the proxy's tools went out again (false once
   * `TOOLS_REASSERT_LIMIT` re-assertions were made within the window).
   */
  | ({ type: 'session.toolsOverridden'; restored: boolean } & ToolsOverride)
  | { type: 'approval.requested'; request: ApprovalRequest }
  | (Omit<ApprovalSettled, 'type'> & { type: 'approval.settled' })
  /** `actorId`: the tool-call child's name in inspection records. */
  | { type: 'toolCall.started'; callId: string; functionName: string; responseId: string; actorId: string }
  | (Omit<ToolCallSettled, 'type'> & { type: 'toolCall.settled' })
  /** Every call of a response has settled; `responseRequested` says whether a `response.create` went out for them. */
  | { type: 'batch.finished'; responseId: string; callIds: readonly string[]; responseRequested: boolean }
  /** Every retry of a refused `response.create` was refused: the model was not asked to speak. */
  | { type: 'response.createFailed'; refusals: number }
  /** Native MCP progress (OpenAI calls the server): tool listings and calls, as they happen. */
  | { type: 'nativeMcp'; event: ServerEvent };

/** A call the session is running, by `call_id`. */
export interface CallEntry {
  /** The tool-call child's actor id (the session's own name for it). */
  actorId: string;
  responseId: string;
  functionName: string;
  /** The server finished the item (`output_item.done`, or its place in `response.done`). */
  finished: boolean;
}

/** A native MCP approval waiting for the host, by approval request id. */
export interface McpApprovalEntry {
  actorId: string;
  /** The tool's identity, for sticky answers. */
  key: string;
}

export interface SessionContext {
  input: SessionInput;
  tools: readonly RealtimeFunctionTool[];
  toolInfo: ReadonlyMap<string, SessionToolInfo>;
  /** Sticky answers by tool key (policy.stickyKey). */
  sticky: ReadonlyMap<string, StickyAnswer>;
  calls: ReadonlyMap<string, CallEntry>;
  /** Calls that have had their output (or were skipped): a repeat of one is not run again. */
  settledCalls: RecentIds;
  /** Responses whose `response.done` was seen: a call arriving after it joins no turn. */
  doneResponses: RecentIds;
  /** Live response turns: response id → turn actor id. */
  turns: ReadonlyMap<string, string>;
  /** Out-of-band responses (`conversation_id: null`): the host's own; their calls are not ours to run. */
  outOfBand: RecentIds;
  mcpApprovals: ReadonlyMap<string, McpApprovalEntry>;
  /** Native approval requests already answered: a repeat is not answered twice. */
  answeredApprovals: RecentIds;
  /** Function calls waiting for the host's approval, by call id. */
  awaitingApproval: ReadonlySet<string>;
  /** Answers we sent (outputs by call id, approval responses by `approval:<request id>`) the server has not yet added. */
  unacknowledged: ReadonlySet<string>;
  /** How many children were spawned: the next child's name. */
  children: number;
  /** The host's `updateSession` fields not sent yet (merged): the next update that may leave carries them. */
  sessionPatch?: SessionPatch;
  /** How many `session.update` were sent: the latest one's event id. */
  updatesSent: number;
  /** When the proxy last sent its tools again over another client's (ms since the epoch, the newest `TOOLS_REASSERT_LIMIT`). */
  toolReassertions: readonly number[];
  /** The socket is open (`transport.opened`, or the server's `session.created` said so). */
  opened: boolean;
  /** The tools to configure are known (not `toolsPending`, or a `catalog.changed` came). */
  toolsListed: boolean;
  end?: SessionEndReason;
}
