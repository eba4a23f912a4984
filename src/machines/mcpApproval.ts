/**
 * One native MCP approval (`mcp_approval_request` item: OpenAI runs the tool, we only decide). It
 * wraps the approval machine so the session gets the same one typed report as from a tool call's
 * approval: `approval.settled`, whose decision the session sends back as `mcp_approval_response`.
 */
import { sendParent, sendTo, setup } from 'xstate';
import { approvalMachine } from './approval.js';
import type { ApprovalEvent, ApprovalInput, ApprovalOutput, ApprovalSettled } from './types.js';

export const mcpApprovalMachine = setup({
  types: { input: {} as ApprovalInput, context: {} as ApprovalInput, events: {} as ApprovalEvent },
  actors: { approval: approvalMachine },
  actions: {
    forward: sendTo('approval', ({ event }) => event),
    report: sendParent(({ context }, output: ApprovalOutput): ApprovalSettled => ({
      type: 'approval.settled',
      approvalId: context.request.approvalId,
      kind: 'mcp',
      decision: output.decision,
      ...(output.reason === undefined ? {} : { reason: output.reason }),
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
