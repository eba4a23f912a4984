/**
 * One native MCP approval (`mcp_approval_request` item: OpenAI runs the tool, we only decide). It
 * wraps the approval machine so the session gets one typed report, like a tool call's.
 */
import { sendParent, sendTo, setup } from 'xstate';
import { approvalMachine } from './approval.js';
import type { ApprovalEvent, ApprovalInput, ApprovalOutput } from './types.js';

export interface McpApprovalSettled {
  type: 'mcpApproval.settled';
  approvalId: string;
  approve: boolean;
  reason?: string;
}

export const mcpApprovalMachine = setup({
  types: { input: {} as ApprovalInput, context: {} as ApprovalInput, events: {} as ApprovalEvent },
  actors: { approval: approvalMachine },
  actions: {
    forward: sendTo('approval', ({ event }) => event),
    report: sendParent(({ context }, output: ApprovalOutput) => ({
      type: 'mcpApproval.settled' as const,
      approvalId: context.request.approvalId,
      approve: output.decision === 'approved',
      ...(output.reason ? { reason: output.reason } : {}),
    })),
  },
}).createMachine({
  id: 'mcpApproval',
  context: ({ input }) => input,
  initial: 'pending',
  states: {
    pending: {
      invoke: {
        id: 'approval',
        src: 'approval',
        input: ({ context }) => context,
        onDone: { target: 'settled', actions: { type: 'report', params: ({ event }) => event.output } },
      },
      on: { 'approval.approve': { actions: 'forward' }, 'approval.deny': { actions: 'forward' }, 'approval.cancel': { actions: 'forward' } },
    },
    settled: { type: 'final' },
  },
});
