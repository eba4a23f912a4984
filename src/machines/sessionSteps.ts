/**
 * What the session does with the events that start, complete, settle and answer calls and
 * approvals, as pure steps: each takes the context and the event and returns the new context and
 * a list of effects (spawn, send to a child, stop, emit) that the machine then enqueues. Keeping
 * the decisions here, apart from xstate's plumbing, lets them be read and tested on their own.
 *
 * Every lookup by a wire id goes through a Map; children are named by the session's counter.
 */
import type { ClientEvent, ServerEvent } from '../protocol/generated/types.js';
import { bargeInPolicy, decideApproval, stickyKey, toolIdentity } from './policy.js';
import { BARGE_IN_DENY_REASON, POLICY_DENY_REASON, TEARDOWN_DENY_REASON } from './toolCall.js';
import type { CallEntry, SessionAnomaly, SessionContext, SessionEmitted, SessionEvent } from './sessionTypes.js';
import type { ApprovalEvent, ApprovalInput, ApprovalRequest, ResponseTurnEvent, ResponseTurnInput, ToolCallEvent, ToolCallInput } from './types.js';

export const DEFAULT_APPROVAL_TIMEOUT_MS = 60_000;

/**
 * What an answer we sent waits under until the server adds it (`conversation.item.added`): a
 * function output by its call id, an approval response by `approval:<request id>`. Undefined for
 * items that answer nothing of ours.
 */
export function answerKey(item: { type: string; call_id?: string; approval_request_id?: string | null }): string | undefined {
  if (item.type === 'function_call_output') return item.call_id;
  return item.type === 'mcp_approval_response' ? approvalKey(item.approval_request_id ?? '') : undefined;
}

function approvalKey(approvalId: string): string {
  return `approval:${approvalId}`;
}

export type SessionEffect =
  | { kind: 'spawnCall'; actorId: string; input: ToolCallInput }
  | { kind: 'spawnTurn'; actorId: string; input: ResponseTurnInput }
  | { kind: 'spawnMcpApproval'; actorId: string; input: ApprovalInput }
  | { kind: 'sendTo'; actorId: string; event: ToolCallEvent | ResponseTurnEvent | ApprovalEvent }
  | { kind: 'stop'; actorId: string }
  | { kind: 'requestResponse'; turnId: string }
  | { kind: 'emit'; event: SessionEmitted };

/** A step's result: the context to assign (the same object when nothing changed) and its effects in order. */
export interface Step {
  context: SessionContext;
  effects: SessionEffect[];
}

type Item = Extract<ServerEvent, { type: 'response.output_item.added' }>['item'];
type FunctionCallItem = Extract<Item, { type: 'function_call' }>;

function anomaly(effects: SessionEffect[], found: SessionAnomaly): void {
  effects.push({ kind: 'emit', event: { type: 'session.anomaly', anomaly: found } });
}

/** Spawns a tool-call child for a call the server started, and joins it to its response's turn. */
function spawnCall(context: SessionContext, item: FunctionCallItem & { call_id: string }, responseId: string, effects: SessionEffect[]): SessionContext {
  const callId = item.call_id;
  const functionName = item.name;
  const info = context.toolInfo.get(functionName);
  const key = stickyKey(functionName, info);
  const identity = info?.server !== undefined && info.tool !== undefined ? toolIdentity(info.server, info.tool) : undefined;
  const approval = decideApproval({
    policy: context.input.approval,
    offered: info !== undefined || context.tools.some((tool) => tool.name === functionName),
    ...(identity === undefined ? {} : { identity }),
    ...(info?.approval === undefined ? {} : { rule: info.approval }),
    readOnly: info?.annotations?.readOnlyHint === true,
    ...(context.sticky.has(key) ? { sticky: context.sticky.get(key)! } : {}),
  });
  let children = context.children + 1;
  const actorId = `call-${children}`;
  const input: ToolCallInput = {
    callId,
    itemId: item.id ?? '',
    responseId,
    functionName,
    approval,
    approvalTimeoutMs: context.input.approval?.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
    bargeIn: bargeInPolicy(info),
    ...(info?.server === undefined ? {} : { server: info.server }),
    ...(info?.tool === undefined ? {} : { tool: info.tool }),
    ...(info?.annotations === undefined ? {} : { annotations: info.annotations }),
  };
  effects.push({ kind: 'spawnCall', actorId, input });
  const calls = new Map(context.calls).set(callId, { actorId, responseId, functionName, finished: false });
  let turns = context.turns;
  if (context.doneResponses.has(responseId)) {
    // Its response is already done: the output still goes out, but no turn will ask the model to speak.
    anomaly(effects, { code: 'late_call', callId, responseId, message: `The call "${callId}" arrived after its response "${responseId}" was done; its output is sent without asking the model to speak.` });
  } else {
    let turnId = turns.get(responseId);
    if (turnId === undefined) {
      turnId = `turn-${++children}`;
      effects.push({ kind: 'spawnTurn', actorId: turnId, input: { responseId, turnId } });
      turns = new Map(turns).set(responseId, turnId);
    }
    effects.push({ kind: 'sendTo', actorId: turnId, event: { type: 'turn.callJoined', callId } });
  }
  effects.push({ kind: 'emit', event: { type: 'toolCall.started', callId, functionName, responseId, actorId } });
  return { ...context, calls, turns, children };
}

function hasCallId(item: FunctionCallItem): item is FunctionCallItem & { call_id: string } {
  return typeof item.call_id === 'string';
}

/** `response.output_item.added` of a function call: a child for it, once per call id per session. */
export function startCall(context: SessionContext, event: SessionEvent): Step {
  const effects: SessionEffect[] = [];
  if (event.type !== 'response.output_item.added' || event.item.type !== 'function_call' || !hasCallId(event.item)) return { context, effects };
  const callId = event.item.call_id;
  if (context.outOfBand.has(event.response_id) || context.calls.has(callId)) return { context, effects };
  if (context.settledCalls.has(callId)) {
    anomaly(effects, { code: 'duplicate_call', callId, responseId: event.response_id, message: `The server started the call "${callId}" again after the proxy had settled it (answered, or closed unrun); the repeat was ignored.` });
    return { context, effects };
  }
  return { context: spawnCall(context, event.item, event.response_id, effects), effects };
}

/**
 * Tells a call the server finished its item: run it if completed, never if cut short. `repeatIsNews`:
 * a settled call finished again is an anomaly in `output_item.done`, but the normal case in
 * `response.done`, which lists every call of the response, answered or not.
 */
function finishItem(context: SessionContext, item: FunctionCallItem & { call_id: string }, responseId: string, effects: SessionEffect[], repeatIsNews: boolean): SessionContext {
  const callId = item.call_id;
  const completed = item.status === 'completed';
  let next = context;
  let entry = context.calls.get(callId);
  if (entry === undefined) {
    if (context.settledCalls.has(callId)) {
      if (completed && repeatIsNews) anomaly(effects, { code: 'duplicate_call', callId, responseId, message: `The server finished the call "${callId}" again after the proxy had settled it (answered, or closed unrun); the repeat was ignored.` });
      return context;
    }
    // Never started: a completed call still runs (its `added` was lost); an unfinished one has
    // nothing to run, and is closed for good: the same call_id coming back completed must not run.
    if (!completed) return { ...context, settledCalls: context.settledCalls.add(callId) };
    next = spawnCall(context, item, responseId, effects);
    entry = next.calls.get(callId)!;
  }
  if (entry.finished) return next;
  effects.push({ kind: 'sendTo', actorId: entry.actorId, event: completed ? { type: 'call.completed', arguments: item.arguments } : { type: 'call.incomplete' } });
  return { ...next, calls: new Map(next.calls).set(callId, { ...entry, finished: true }) };
}

/** `response.output_item.done` of a function call. */
export function completeCall(context: SessionContext, event: SessionEvent): Step {
  const effects: SessionEffect[] = [];
  if (event.type !== 'response.output_item.done' || event.item.type !== 'function_call' || !hasCallId(event.item)) return { context, effects };
  if (context.outOfBand.has(event.response_id)) return { context, effects };
  return { context: finishItem(context, event.item, event.response_id, effects, true), effects };
}

/**
 * `response.done` of a default-conversation response: every function call it lists is finished
 * as it says (a call whose `output_item.done` was lost still runs), a call of this response the
 * server never finished is closed without running, and its turn learns how the response ended.
 */
export function finishResponse(context: SessionContext, event: SessionEvent): Step {
  const effects: SessionEffect[] = [];
  if (event.type !== 'response.done') return { context, effects };
  const responseId = event.response.id ?? '';
  let next = context;
  for (const item of event.response.output ?? []) {
    if (item.type === 'function_call' && hasCallId(item)) next = finishItem(next, item, responseId, effects, false);
  }
  // Every call the done listed is finished by now: what is left unfinished it never finished.
  for (const [callId, entry] of next.calls) {
    if (entry.responseId !== responseId || entry.finished) continue;
    anomaly(effects, { code: 'call_never_finished', callId, responseId, message: `The response "${responseId}" ended without finishing the call "${callId}"; it was not run.` });
    effects.push({ kind: 'sendTo', actorId: entry.actorId, event: { type: 'call.incomplete' } });
    next = { ...next, calls: new Map(next.calls).set(callId, { ...entry, finished: true }) };
  }
  const turnId = next.turns.get(responseId);
  if (turnId !== undefined) effects.push({ kind: 'sendTo', actorId: turnId, event: { type: 'turn.responseDone', completed: event.response.status === 'completed' } });
  return { context: { ...next, doneResponses: next.doneResponses.add(responseId) }, effects };
}

/** A call settled: exactly one `function_call_output` (none when skipped), the child stopped, the call remembered. */
export function settleCall(context: SessionContext, event: SessionEvent): Step {
  const effects: SessionEffect[] = [];
  if (event.type !== 'toolCall.settled') return { context, effects };
  const entry = context.calls.get(event.callId);
  if (entry === undefined) return { context, effects };
  const hadOutput = event.outcome === 'output' && event.output !== undefined;
  if (hadOutput) {
    effects.push({ kind: 'emit', event: { type: 'send', event: { type: 'conversation.item.create', item: { type: 'function_call_output', call_id: event.callId, output: event.output } } as ClientEvent } });
  }
  const { type: _type, ...settled } = event;
  effects.push({ kind: 'emit', event: { ...settled, type: 'toolCall.settled' } });
  effects.push({ kind: 'stop', actorId: entry.actorId });
  const turnId = context.turns.get(entry.responseId);
  if (turnId !== undefined) effects.push({ kind: 'sendTo', actorId: turnId, event: { type: 'turn.callSettled', callId: event.callId, hadOutput } });
  // A late call (its response was done before it arrived) is a batch of its own, which asks for nothing.
  else effects.push({ kind: 'emit', event: { type: 'batch.finished', responseId: entry.responseId, callIds: [event.callId], responseRequested: false } });
  const calls = new Map(context.calls);
  calls.delete(event.callId);
  return {
    context: {
      ...context,
      calls,
      settledCalls: context.settledCalls.add(event.callId),
      unacknowledged: hadOutput ? new Set(context.unacknowledged).add(event.callId) : context.unacknowledged,
    },
    effects,
  };
}

/** The host answered an approval: forwarded to the call or native request waiting for it, remembered when sticky. */
export function forwardAnswer(context: SessionContext, event: SessionEvent): Step {
  const effects: SessionEffect[] = [];
  if (event.type !== 'approval.answer') return { context, effects };
  const call = context.awaitingApproval.has(event.approvalId) ? context.calls.get(event.approvalId) : undefined;
  const native = context.mcpApprovals.get(event.approvalId);
  const target = call?.actorId ?? native?.actorId;
  if (target === undefined) return { context, effects };
  effects.push({ kind: 'sendTo', actorId: target, event: event.approved ? { type: 'approval.approve' } : { type: 'approval.deny', ...(event.reason ? { reason: event.reason } : {}) } });
  if (!event.sticky) return { context, effects };
  const key = call ? stickyKey(call.functionName, context.toolInfo.get(call.functionName)) : native!.key;
  return { context: { ...context, sticky: new Map(context.sticky).set(key, event.approved ? 'allow' : 'deny') }, effects };
}

function mcpApprovalResponse(approvalId: string, approve: boolean, reason: string | undefined): SessionEffect {
  // No item id of our own: the server assigns one (a made-up `mcpr_…` could collide with the request's).
  // Placed right after the request it answers, as the docs' example and agents-js do.
  const item = { type: 'mcp_approval_response', approval_request_id: approvalId, approve, ...(reason ? { reason } : {}) };
  return { kind: 'emit', event: { type: 'send', event: { type: 'conversation.item.create', previous_item_id: approvalId, item } as ClientEvent } };
}

/** Sends the answer to a native request, and asks the model to go on (the response machine serialises it). */
function answer(context: SessionContext, approvalId: string, approve: boolean, reason: string | undefined, effects: SessionEffect[]): SessionContext {
  effects.push(mcpApprovalResponse(approvalId, approve, reason));
  effects.push({ kind: 'requestResponse', turnId: approvalKey(approvalId) });
  return {
    ...context,
    answeredApprovals: context.answeredApprovals.add(approvalId),
    unacknowledged: new Set(context.unacknowledged).add(approvalKey(approvalId)),
  };
}

/** A native `mcp_approval_request` item: decided by the same policy as function calls, once per request. */
export function startMcpApproval(context: SessionContext, event: SessionEvent): Step {
  const effects: SessionEffect[] = [];
  if (event.type !== 'conversation.item.done' || event.item.type !== 'mcp_approval_request') return { context, effects };
  const { id, server_label: server, name, arguments: args } = event.item;
  if (context.mcpApprovals.has(id)) return { context, effects };
  if (context.answeredApprovals.has(id)) {
    anomaly(effects, { code: 'duplicate_approval_request', message: `The server asked again for the approval "${id}", already answered; it was not answered twice.` });
    return { context, effects };
  }
  const key = toolIdentity(server, name);
  // OpenAI runs only the tools it listed for the server: every request is for an offered tool.
  const decision = decideApproval({ policy: context.input.approval, offered: true, identity: key, readOnly: false, ...(context.sticky.has(key) ? { sticky: context.sticky.get(key)! } : {}) });
  if (decision !== 'ask') {
    const denied = decision === 'auto-deny';
    return { context: answer(context, id, !denied, denied ? POLICY_DENY_REASON : undefined, effects), effects };
  }
  const request: ApprovalRequest = { approvalId: id, kind: 'mcp', functionName: name, arguments: args, server, tool: name };
  const children = context.children + 1;
  const actorId = `approval-${children}`;
  effects.push({ kind: 'spawnMcpApproval', actorId, input: { request, timeoutMs: context.input.approval?.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS } });
  effects.push({ kind: 'emit', event: { type: 'approval.requested', request } });
  return { context: { ...context, children, mcpApprovals: new Map(context.mcpApprovals).set(id, { actorId, key }) }, effects };
}

/** A native approval settled (host, deadline or barge-in): its answer goes out, fail-closed. */
export function answerMcpApproval(context: SessionContext, event: SessionEvent): Step {
  const effects: SessionEffect[] = [];
  if (event.type !== 'approval.settled' || event.kind !== 'mcp') return { context, effects };
  const entry = context.mcpApprovals.get(event.approvalId);
  if (entry === undefined) return { context, effects };
  effects.push({ kind: 'stop', actorId: entry.actorId });
  const mcpApprovals = new Map(context.mcpApprovals);
  mcpApprovals.delete(event.approvalId);
  const approved = event.decision === 'approved';
  return { context: answer({ ...context, mcpApprovals }, event.approvalId, approved, approved ? undefined : event.reason, effects), effects };
}

/** The user started speaking: running calls, turns and native approvals hear it. */
export function bargeIn(context: SessionContext): Step {
  const effects: SessionEffect[] = [];
  for (const { actorId } of context.calls.values()) effects.push({ kind: 'sendTo', actorId, event: { type: 'call.bargeIn' } });
  for (const turnId of context.turns.values()) effects.push({ kind: 'sendTo', actorId: turnId, event: { type: 'turn.bargeIn' } });
  for (const { actorId } of context.mcpApprovals.values()) effects.push({ kind: 'sendTo', actorId, event: { type: 'approval.cancel', reason: BARGE_IN_DENY_REASON } });
  return { context, effects };
}

/**
 * The session is ending: calls are aborted (nothing more is sent), and every approval still open
 * is reported settled, denied: the children stop with the session, so they cannot say it themselves.
 */
/**
 * The empty collections a context starts from and returns to. The context is never changed in place
 * (its collections are read-only and replaced by copies), so one empty Map and one empty Set serve
 * every session instead of eleven fresh ones each.
 */
export const NO_ENTRIES: ReadonlyMap<never, never> = new Map<never, never>();
export const NO_IDS: ReadonlySet<never> = new Set<never>();

export function teardown(context: SessionContext): Step {
  const effects: SessionEffect[] = [];
  for (const { actorId } of context.calls.values()) effects.push({ kind: 'sendTo', actorId, event: { type: 'call.teardown' } });
  for (const approvalId of context.awaitingApproval) {
    effects.push({ kind: 'emit', event: { type: 'approval.settled', approvalId, kind: 'function', decision: 'denied', reason: TEARDOWN_DENY_REASON } });
  }
  for (const [approvalId, { actorId }] of context.mcpApprovals) {
    effects.push({ kind: 'stop', actorId });
    effects.push({ kind: 'emit', event: { type: 'approval.settled', approvalId, kind: 'mcp', decision: 'denied', reason: TEARDOWN_DENY_REASON } });
  }
  // The children stop with the session: nothing of theirs is running any more.
  return { context: { ...context, calls: NO_ENTRIES, turns: NO_ENTRIES, awaitingApproval: NO_IDS, mcpApprovals: NO_ENTRIES }, effects };
}

export type { CallEntry };
