/**
 * The tool-call machine: one child per `call_id`, spawned by the session. It waits for the model
 * to finish the call, asks for approval when the policy says so, runs the call through the
 * `executeToolCall` actor the proxy provides, and reports exactly once to its parent with a
 * `toolCall.settled` event. Every settlement goes through the final states' `notifySettled` entry,
 * and a machine enters only one final state, so no event order can produce two reports.
 *
 * The MCP call is invoked (not spawned) so that leaving `executing` for any reason (barge-in,
 * teardown) stops it and aborts its `signal`.
 */
import { assign, fromPromise, sendParent, sendTo, setup } from 'xstate';
import type { ToolCallResult } from '../mcp/types.js';
import { formatToolError } from '../mcp/results.js';
import { approvalMachine } from './approval.js';
import type {
  ApprovalOutput,
  ApprovalRequest,
  ApprovalSettled,
  ExecuteToolCallInput,
  ToolCallApprovalRequested,
  ToolCallEvent,
  ToolCallInput,
  ToolCallSettled,
} from './types.js';

export interface ToolCallContext extends ToolCallInput {
  /** The streamed arguments, replaced by the complete text of `call.completed`. */
  arguments: string;
  /** Why the call was refused (policy, host, barge-in or expiry). */
  denial?: ApprovalOutput;
  /** What the MCP call ended in, or a result made up when the execute actor rejected. */
  result?: ToolCallResult;
  completedAt?: number;
  mcpStartedAt?: number;
  mcpFinishedAt?: number;
}

/** How a call ended; each is one final state. */
export type ToolCallEnd = 'executed' | 'denied' | 'cancelled' | 'skipped';

const NO_EXECUTOR =
  'Failed to execute a tool call: no executeToolCall actor was provided. Please provide one with machine.provide({ actors: { executeToolCall } }).';

/** A sticky "deny" from the host turns later calls of the tool into `auto-deny`. */
export const POLICY_DENY_REASON = 'The user declined this tool for the rest of the session.';
export const BARGE_IN_DENY_REASON = 'The user interrupted before answering.';
export const CANCELLED_MESSAGE = 'The user interrupted; the tool call was cancelled.';
export const TEARDOWN_DENY_REASON = 'The session ended before an answer.';

/** Tells the model it was not allowed, and why, so that it neither retries nor claims success. */
export function denialOutput(denial: ApprovalOutput): string {
  const reason = denial.reason ?? 'No reason was given.';
  if (denial.decision === 'expired') {
    return formatToolError('expired', `The user did not approve this tool call in time (${reason}) Ask the user before calling it again.`);
  }
  return formatToolError('denied', `The user did not approve this tool call. Reason: ${reason} Do not call it again unless the user asks for it.`);
}

function approvalRequest(context: ToolCallContext): ApprovalRequest {
  const { callId, functionName, server, tool, annotations } = context;
  return {
    approvalId: callId,
    kind: 'function',
    callId,
    functionName,
    arguments: context.arguments,
    ...(server === undefined ? {} : { server }),
    ...(tool === undefined ? {} : { tool }),
    ...(annotations === undefined ? {} : { annotations }),
  };
}

/** The one report to the parent: pure, so the final states only choose `end`. */
export function settledEvent(context: ToolCallContext, end: ToolCallEnd): ToolCallSettled {
  const base = {
    type: 'toolCall.settled' as const,
    callId: context.callId,
    responseId: context.responseId,
    ...(context.completedAt === undefined ? {} : { completedAt: context.completedAt }),
    ...(context.mcpStartedAt === undefined ? {} : { mcpStartedAt: context.mcpStartedAt }),
    ...(context.mcpFinishedAt === undefined ? {} : { mcpFinishedAt: context.mcpFinishedAt }),
  };
  switch (end) {
    case 'executed': {
      // `executed` is entered only after a result was recorded; the fallback keeps the type honest.
      const result = context.result;
      if (!result) return { ...base, outcome: 'output', output: formatToolError('protocol_error', 'The tool call produced no result.'), code: 'protocol_error' };
      return { ...base, outcome: 'output', output: result.output, code: result.code, result };
    }
    case 'denied':
      return { ...base, outcome: 'output', output: denialOutput(context.denial ?? { decision: 'denied' }), code: 'denied' };
    case 'cancelled':
      return { ...base, outcome: 'output', output: formatToolError('cancelled', CANCELLED_MESSAGE), code: 'cancelled' };
    case 'skipped':
      return { ...base, outcome: 'skipped', code: 'skipped' };
  }
}

/** The ToolCallResult for an execute actor that rejected (the proxy's ToolCaller never should). */
function failureResult(context: ToolCallContext, error: unknown): ToolCallResult {
  const why = error instanceof Error ? error.message : String(error);
  const startedAt = context.mcpStartedAt ?? Date.now();
  return {
    code: 'protocol_error',
    output: formatToolError('protocol_error', 'The tool call failed unexpectedly. Tell the user it did not work.'),
    message: why.startsWith('Failed to') ? why : `Failed to execute tool call ${context.functionName}: ${why}. Please report this as a bug.`,
    functionName: context.functionName,
    ...(context.server === undefined ? {} : { server: context.server }),
    ...(context.tool === undefined ? {} : { mcpName: context.tool }),
    timings: { startedAt, durationMs: Date.now() - startedAt },
  };
}

export const toolCallMachine = setup({
  types: {
    input: {} as ToolCallInput,
    context: {} as ToolCallContext,
    events: {} as ToolCallEvent,
  },
  actors: {
    // A placeholder that fails loudly: the proxy provides the real MCP call with `.provide()`.
    executeToolCall: fromPromise<ToolCallResult, ExecuteToolCallInput>(async () => {
      throw new Error(NO_EXECUTOR);
    }),
    approval: approvalMachine,
  },
  guards: {
    autoApproved: ({ context }) => context.approval === 'auto-approve',
    autoDenied: ({ context }) => context.approval === 'auto-deny',
    approvalGranted: (_, params: { output: ApprovalOutput }) => params.output.decision === 'approved',
    cancelsOnBargeIn: ({ context }) => context.bargeIn === 'cancel',
  },
  actions: {
    appendDelta: assign({ arguments: ({ context, event }) => (event.type === 'call.arguments.delta' ? context.arguments + event.delta : context.arguments) }),
    recordCompleted: assign(({ event }) => (event.type === 'call.completed' ? { arguments: event.arguments, completedAt: Date.now() } : {})),
    // Auto-approved: complete and started are one instant, and one assign (each rebuilds the snapshot).
    recordCompletedAndStart: assign(({ event }) => {
      const now = Date.now();
      return event.type === 'call.completed' ? { arguments: event.arguments, completedAt: now, mcpStartedAt: now } : { mcpStartedAt: now };
    }),
    recordPolicyDenial: assign({ denial: { decision: 'denied', reason: POLICY_DENY_REASON } }),
    recordDenial: assign((_, params: { output: ApprovalOutput }) => ({ denial: params.output })),
    recordMcpStart: assign({ mcpStartedAt: () => Date.now() }),
    // On every way out of `executing` (one assign each: every assign rebuilds the snapshot).
    recordMcpFinish: assign({ mcpFinishedAt: () => Date.now() }),
    recordResult: assign((_, params: { result: ToolCallResult }) => ({ result: params.result, mcpFinishedAt: Date.now() })),
    recordFailure: assign(({ context }, params: { error: unknown }) => ({ result: failureResult(context, params.error), mcpFinishedAt: Date.now() })),
    requestApproval: sendParent(({ context }): ToolCallApprovalRequested => ({ type: 'toolCall.approvalRequested', request: approvalRequest(context) })),
    reportApproval: sendParent(({ context }, params: { output: ApprovalOutput }): ApprovalSettled => ({
      type: 'approval.settled',
      approvalId: context.callId,
      kind: 'function',
      decision: params.output.decision,
      ...(params.output.reason === undefined ? {} : { reason: params.output.reason }),
    })),
    forwardToApproval: sendTo('approval', ({ event }) => event),
    cancelApproval: sendTo('approval', { type: 'approval.cancel', reason: BARGE_IN_DENY_REASON }),
    notifySettled: sendParent(({ context }, params: { end: ToolCallEnd }) => settledEvent(context, params.end)),
  },
}).createMachine({
  id: 'toolCall',
  context: ({ input }) => ({ ...input, arguments: '' }),
  initial: 'streaming',
  states: {
    streaming: {
      on: {
        'call.arguments.delta': { actions: 'appendDelta' },
        // The policy decides at once (no intermediate eventless state: one microstep less per call).
        'call.completed': [
          { guard: 'autoApproved', target: 'executing', actions: 'recordCompletedAndStart' },
          { guard: 'autoDenied', target: 'denied', actions: ['recordCompleted', 'recordPolicyDenial'] },
          { target: 'awaitingApproval', actions: 'recordCompleted' },
        ],
        // Cut off mid-stream: the arguments may be truncated, so it must never run.
        'call.incomplete': 'skipped',
        'call.teardown': 'skipped',
        // The server follows a barge-in with the item's `output_item.done`; that decides.
      },
    },
    awaitingApproval: {
      entry: 'requestApproval',
      invoke: {
        id: 'approval',
        src: 'approval',
        input: ({ context }) => ({ request: approvalRequest(context), timeoutMs: context.approvalTimeoutMs }),
        onDone: [
          {
            guard: { type: 'approvalGranted', params: ({ event }) => ({ output: event.output }) },
            target: 'executing',
            actions: ['recordMcpStart', { type: 'reportApproval', params: ({ event }) => ({ output: event.output }) }],
          },
          {
            target: 'denied',
            actions: [
              { type: 'recordDenial', params: ({ event }) => ({ output: event.output }) },
              { type: 'reportApproval', params: ({ event }) => ({ output: event.output }) },
            ],
          },
        ],
      },
      on: {
        'approval.approve': { actions: 'forwardToApproval' },
        'approval.deny': { actions: 'forwardToApproval' },
        'approval.cancel': { actions: 'forwardToApproval' },
        // The user spoke over the question: nobody said yes, so the approval ends denied.
        'call.bargeIn': { actions: 'cancelApproval' },
        // The session is closing and will send nothing; leaving the state stops the approval, which
        // fails closed: the host still hears that it is over.
        'call.teardown': { target: 'skipped', actions: { type: 'reportApproval', params: { output: { decision: 'denied', reason: TEARDOWN_DENY_REASON } } } },
      },
    },
    executing: {
      // Entered from `streaming` (recordCompletedAndStart) or `awaitingApproval` (recordMcpStart).
      invoke: {
        id: 'execute',
        src: 'executeToolCall',
        input: ({ context }) => ({ callId: context.callId, functionName: context.functionName, arguments: context.arguments }),
        onDone: { target: 'executed', actions: { type: 'recordResult', params: ({ event }) => ({ result: event.output }) } },
        onError: { target: 'executed', actions: { type: 'recordFailure', params: ({ event }) => ({ error: event.error }) } },
      },
      on: {
        // With `finish`, the call runs on and its output is delivered late.
        'call.bargeIn': { guard: 'cancelsOnBargeIn', target: 'cancelled', actions: 'recordMcpFinish' },
        'call.teardown': { target: 'skipped', actions: 'recordMcpFinish' },
      },
    },
    executed: { type: 'final', entry: { type: 'notifySettled', params: { end: 'executed' } } },
    denied: { type: 'final', entry: { type: 'notifySettled', params: { end: 'denied' } } },
    cancelled: { type: 'final', entry: { type: 'notifySettled', params: { end: 'cancelled' } } },
    skipped: { type: 'final', entry: { type: 'notifySettled', params: { end: 'skipped' } } },
  },
});
