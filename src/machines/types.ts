/**
 * The contracts between the machines: what each one receives, what it reports to its parent, and
 * what the proxy provides. Machines decide; the proxy does the I/O (sending frames, calling MCP).
 */
import type { ClientEvent } from '../protocol/generated/types.js';
import type { ToolAnnotations, ToolCallCode, ToolCallResult } from '../mcp/types.js';

/* ---------------------------------------------------------------- approvals */

/** `auto` asks for tools that are not read-only (`readOnlyHint` absent or false). */
export type ApprovalMode = 'never' | 'always' | 'auto';

export interface ApprovalConfig {
  /** Default `never`. */
  mode?: ApprovalMode;
  /** Per function name, winning over `mode`. */
  tools?: Record<string, 'never' | 'always'>;
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

/** Events the session forwards to the response machine. */
export type ResponseTrackerEvent =
  /** `coversRequest`: every item the session asked a response for had reached the server before this response began. */
  | { type: 'response.created'; responseId: string; coversRequest?: boolean }
  | { type: 'response.done'; responseId: string; status: string }
  /** A Realtime `error` event (only its code matters here). */
  | { type: 'response.error'; code: string | null | undefined }
  /** The session wants the model to speak (after tool outputs): exactly one `response.create`. */
  | { type: 'response.request' };

/* ---------------------------------------------------------------- outbound */

/** Any machine that wants a client event sent reports it to its parent this way; the root emits `send`. */
export interface Outbound {
  type: 'outbound';
  event: ClientEvent;
}
