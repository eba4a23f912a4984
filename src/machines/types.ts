/**
 * The contracts between the machines: what each one receives, what it reports to its parent, and
 * what the proxy provides. Machines decide; the proxy does the I/O (sending frames, calling MCP).
 */
import type { ClientEvent } from '../protocol/generated/types.js';
import type { ToolAnnotations, ToolCallCode, ToolCallResult } from '../mcp/types.js';

/* ---------------------------------------------------------------- approvals */

/** `auto` asks for tools that are not read-only (`readOnlyHint` absent or false). */
export type ApprovalMode = 'never' | 'always' | 'auto';

/** A per-tool approval rule, winning over the mode. */
export type ApprovalRule = 'never' | 'always';

/** The approval settings the proxy takes (its `approval` option, without the per-tool `tools` and `onRequest`). */
export interface ApprovalConfig {
  /** Default `never`. */
  mode?: ApprovalMode;
  /** An approval nobody answers is denied after this long, in ms. Default 60 000. */
  timeoutMs?: number;
}

/** The approval policy the session machine applies (built by the proxy from its options). */
export interface SessionApprovalPolicy {
  /** Default `never`. */
  mode?: ApprovalMode;
  /**
   * Per tool, by MCP identity `"server/tool"` (toolIdentity), winning over `mode`: a function
   * tool is looked up through its `SessionToolInfo`, a native MCP approval request by its
   * `server_label` and tool name. A rule in the tool's `SessionToolInfo` wins over this map.
   */
  tools?: ReadonlyMap<string, ApprovalRule>;
  /** An approval nobody answers is denied after this long, in ms. Default 60 000. */
  timeoutMs?: number;
}

export type ApprovalDecision = 'approved' | 'denied' | 'expired';

/** What the host is asked to decide. */
export interface ApprovalRequest {
  /** Answer with `proxy.approve(approvalId)` / `proxy.deny(approvalId, reason)`. */
  approvalId: string;
  /** `function`: a function call the proxy runs; `mcp`: a native MCP approval request (OpenAI runs the tool). */
  kind: 'function' | 'mcp';
  callId?: string;
  functionName: string;
  /** The arguments as JSON text, as the model sent them. */
  arguments: string;
  server?: string;
  tool?: string;
  annotations?: ToolAnnotations;
}

/** The host's answer. `sticky` applies it to every later call of the same tool in this session. */
export type ApprovalAnswer = { type: 'approval.answer'; approvalId: string; approved: boolean; reason?: string; sticky?: boolean };

/** Input of the approval machine. */
export interface ApprovalInput {
  request: ApprovalRequest;
  timeoutMs: number;
}

/** Events the approval machine takes. */
export type ApprovalEvent =
  | { type: 'approval.approve' }
  | { type: 'approval.deny'; reason?: string }
  /** Teardown or barge-in: fails closed (denied). */
  | { type: 'approval.cancel'; reason: string };

/** Output of the approval machine (its final state). */
export interface ApprovalOutput {
  decision: ApprovalDecision;
  reason?: string;
}

/**
 * Reported to the session, exactly once per approval, however it ended: the host's answer, the
 * deadline, a barge-in or the session's end (the last three are `denied` or `expired`: approvals
 * fail closed). The session emits it to the host as `approval.settled`.
 */
export interface ApprovalSettled {
  type: 'approval.settled';
  approvalId: string;
  kind: ApprovalRequest['kind'];
  decision: ApprovalDecision;
  reason?: string;
}

/* ---------------------------------------------------------------- tool calls */

/** What happens to a running call when the user barges in. */
export type BargeInPolicy = 'cancel' | 'finish';

/** Input of one tool-call child, spawned on `response.output_item.added` of a `function_call`. */
export interface ToolCallInput {
  callId: string;
  itemId: string;
  responseId: string;
  functionName: string;
  /** Decided by the session from the policy and sticky answers: run, refuse, or ask the host. */
  approval: 'auto-approve' | 'auto-deny' | 'ask';
  approvalTimeoutMs: number;
  bargeIn: BargeInPolicy;
  /** For the approval request. */
  server?: string;
  tool?: string;
  annotations?: ToolAnnotations;
}

/** Events the session forwards to a tool-call child. */
export type ToolCallEvent =
  | { type: 'call.arguments.delta'; delta: string }
  /** `response.output_item.done` with status `completed`: the call may run. */
  | { type: 'call.completed'; arguments: string }
  /** `response.output_item.done` with status `incomplete` (a cancelled response): never run. */
  | { type: 'call.incomplete' }
  | ApprovalEvent
  /** The user started speaking while the call waits or runs. */
  | { type: 'call.bargeIn' }
  /** The session is ending: abort, fail closed, send nothing more. */
  | { type: 'call.teardown' };

/** Reported by a tool-call child to its parent, exactly once, when it is done. */
export interface ToolCallSettled {
  type: 'toolCall.settled';
  callId: string;
  responseId: string;
  /**
   * `output`: send `output` as the call's `function_call_output`.
   * `skipped`: nothing to send (an incomplete item, or teardown before anything ran).
   */
  outcome: 'output' | 'skipped';
  output?: string;
  /** A ToolCallCode, or `denied` when approval was refused or expired. */
  code: ToolCallCode | 'denied' | 'skipped';
  result?: ToolCallResult;
  /** Milliseconds since the epoch, for the latency breakdown. */
  completedAt?: number;
  mcpStartedAt?: number;
  mcpFinishedAt?: number;
}

/** Reported by a tool-call child when it needs the host to decide. */
export interface ToolCallApprovalRequested {
  type: 'toolCall.approvalRequested';
  request: ApprovalRequest;
}

/** The MCP call, provided by the proxy as the `executeToolCall` promise actor. */
export interface ExecuteToolCallInput {
  callId: string;
  functionName: string;
  arguments: string;
}

/* ---------------------------------------------------------------- responses */

/** Events the session forwards to the response machine (the one owner of `response.create`). */
export type ResponseTrackerEvent =
  /** `coversRequest`: every item the session asked a response for had reached the server before this response began. */
  | { type: 'response.created'; responseId: string; coversRequest?: boolean }
  | { type: 'response.done'; responseId: string; status: string }
  /** A Realtime `error` event: its code, and the `event_id` of the client event it refuses, if any. */
  | { type: 'response.error'; code: string | null | undefined; eventId?: string | null | undefined }
  /** A response turn wants the model to speak about its outputs: one `response.create` serves every waiting turn. */
  | { type: 'response.request'; turnId: string }
  /** The turn no longer wants it (the user barged in before the create left). */
  | { type: 'response.withdraw'; turnId: string }
  /** The host interrupts: cancel the active response (or the one our create in flight starts); nothing when none is. */
  | { type: 'response.cancel' };

/** Reported by the response machine to the session. */
export type ResponseReport =
  /** A `response.create` left for these turns. */
  | { type: 'response.createSent'; turnIds: readonly string[] }
  /** Every retry of a refused `response.create` was refused too: the machine gave up. */
  | { type: 'response.createFailed'; refusals: number };

/** Input of one response turn: the calls of one default-conversation response, until their outputs are in. */
export interface ResponseTurnInput {
  responseId: string;
  /** The turn's actor id, which the response machine names it by. */
  turnId: string;
}

/** Events the session forwards to a response turn. */
export type ResponseTurnEvent =
  | { type: 'turn.callJoined'; callId: string }
  /** `hadOutput`: a `function_call_output` was sent for it (skipped calls have none). */
  | { type: 'turn.callSettled'; callId: string; hadOutput: boolean }
  /** The server's `response.done` for this response; `completed` is false when it was cancelled, failed or cut short. */
  | { type: 'turn.responseDone'; completed: boolean }
  /** The user started speaking. */
  | { type: 'turn.bargeIn' }
  /** The `response.create` asked for this turn left. */
  | { type: 'turn.createSent' };

/** Reported by a response turn to the session. */
export type ResponseTurnReport =
  | { type: 'turn.requestResponse'; turnId: string }
  | { type: 'turn.withdrawRequest'; turnId: string }
  /** The turn is over: every call settled, and `responseRequested` says whether a `response.create` went out for them. */
  | { type: 'turn.finished'; turnId: string; responseId: string; callIds: readonly string[]; responseRequested: boolean };

/* ---------------------------------------------------------------- outbound */

/** Any machine that wants a client event sent reports it to its parent this way; the root emits `send`. */
export interface Outbound {
  type: 'outbound';
  event: ClientEvent;
}
