/**
 * The approval machine: one question to the host ("may this tool call run?") and exactly one
 * answer. It is invoked by a tool-call child while that call waits, so leaving the waiting state
 * stops it. Everything that is not an explicit approval ends in a refusal: a denial, a cancel
 * (barge-in, teardown) or silence until the deadline. Approving by default would let a tool with
 * side effects run without anyone having said yes.
 */
import { assign, setup } from 'xstate';
import type { ApprovalDecision, ApprovalEvent, ApprovalInput, ApprovalOutput, ApprovalRequest } from './types.js';

/** The reason given when the host denies without one. */
export const DEFAULT_DENY_REASON = 'The user declined.';

/**
 * `setTimeout` fires at once for delays above 2^31 − 1 ms (about 24.8 days), so a huge or infinite
 * timeout would expire the approval immediately: clamp it to the longest delay timers can wait.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ApprovalContext {
  request: ApprovalRequest;
  timeoutMs: number;
  decision?: ApprovalDecision;
  reason?: string;
}

/** "No answer within 60 s." (whole seconds) or "No answer within 1500 ms.". */
export function expiryReason(timeoutMs: number): string {
  const ms = Math.round(timeoutMs);
  return ms % 1000 === 0 ? `No answer within ${ms / 1000} s.` : `No answer within ${ms} ms.`;
}

/** A delay timers can wait: NaN and negatives are 0, anything past the timer limit is the limit. */
export function clampTimeout(timeoutMs: number): number {
  if (Number.isNaN(timeoutMs) || timeoutMs < 0) return 0;
  return Math.min(timeoutMs, MAX_TIMER_MS);
}

export const approvalMachine = setup({
  types: {
    input: {} as ApprovalInput,
    context: {} as ApprovalContext,
    events: {} as ApprovalEvent,
    output: {} as ApprovalOutput,
  },
  delays: {
    approvalTimeout: ({ context }) => context.timeoutMs,
  },
  actions: {
    decide: assign((_, params: { decision: ApprovalDecision; reason?: string }) => ({
      decision: params.decision,
      ...(params.reason === undefined ? {} : { reason: params.reason }),
    })),
  },
}).createMachine({
  id: 'approval',
  context: ({ input }) => ({ request: input.request, timeoutMs: clampTimeout(input.timeoutMs) }),
  initial: 'pending',
  states: {
    pending: {
      after: {
        approvalTimeout: {
          target: 'expired',
          actions: { type: 'decide', params: ({ context }) => ({ decision: 'expired' as const, reason: expiryReason(context.timeoutMs) }) },
        },
      },
      on: {
        'approval.approve': { target: 'approved', actions: { type: 'decide', params: { decision: 'approved' } } },
        'approval.deny': {
          target: 'denied',
          actions: { type: 'decide', params: ({ event }) => ({ decision: 'denied' as const, reason: event.reason ?? DEFAULT_DENY_REASON }) },
        },
        // A cancel is nobody's "yes": fail closed.
        'approval.cancel': {
          target: 'denied',
          actions: { type: 'decide', params: ({ event }) => ({ decision: 'denied' as const, reason: event.reason }) },
        },
      },
    },
    approved: { type: 'final' },
    denied: { type: 'final' },
    expired: { type: 'final' },
  },
  // Only final states end the machine, and each of them is entered through `decide`.
  output: ({ context }) => ({
    decision: context.decision ?? 'denied',
    ...(context.reason === undefined ? {} : { reason: context.reason }),
  }),
});
