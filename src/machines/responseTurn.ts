/**
 * One response turn: the function calls of one default-conversation response, from the first call
 * until the model has been asked to speak about their outputs (or will not be). The session spawns
 * one per `response_id` that holds calls.
 *
 * States:
 * - `inProgress`: the server is still generating the response; calls join, some may settle.
 * - `awaitingOutputs`: the response completed; waiting for every call to settle.
 * - `requesting`: every call settled and at least one sent an output: the turn asked the response
 *   machine for a `response.create` and waits for it to leave (requests of several turns are served
 *   by one create, and only once no response is active).
 * - `interrupted`: the user barged in, or the response ended cancelled, failed or incomplete. Outputs
 *   are still delivered as calls settle, but no `response.create` is asked for: the user's next turn
 *   starts a response that sees them.
 * - `followedUp` / `closed` (final): a `response.create` went out for the outputs, or none was needed.
 */
import { assign, sendParent, setup } from 'xstate';
import type { ResponseTurnEvent, ResponseTurnInput, ResponseTurnReport } from './types.js';

export interface ResponseTurnContext extends ResponseTurnInput {
  callIds: readonly string[];
  settled: readonly string[];
  /** Settled calls that sent a `function_call_output`. */
  outputs: number;
}

export const responseTurnMachine = setup({
  types: {
    input: {} as ResponseTurnInput,
    context: {} as ResponseTurnContext,
    events: {} as ResponseTurnEvent,
  },
  guards: {
    allSettledWithOutputs: ({ context }) => context.settled.length === context.callIds.length && context.outputs > 0,
    allSettled: ({ context }) => context.settled.length === context.callIds.length,
    completed: ({ event }) => event.type === 'turn.responseDone' && event.completed,
  },
  actions: {
    join: assign(({ context, event }) =>
      event.type === 'turn.callJoined' && !context.callIds.includes(event.callId) ? { callIds: [...context.callIds, event.callId] } : {},
    ),
    settle: assign(({ context, event }) =>
      event.type === 'turn.callSettled' && context.callIds.includes(event.callId) && !context.settled.includes(event.callId)
        ? { settled: [...context.settled, event.callId], outputs: context.outputs + (event.hadOutput ? 1 : 0) }
        : {},
    ),
    requestResponse: sendParent(({ context }): ResponseTurnReport => ({ type: 'turn.requestResponse', turnId: context.turnId })),
    withdrawRequest: sendParent(({ context }): ResponseTurnReport => ({ type: 'turn.withdrawRequest', turnId: context.turnId })),
    reportFinished: sendParent(({ context }, params: { responseRequested: boolean }): ResponseTurnReport => ({
      type: 'turn.finished',
      turnId: context.turnId,
      responseId: context.responseId,
      callIds: context.callIds,
      responseRequested: params.responseRequested,
    })),
  },
}).createMachine({
  id: 'responseTurn',
  context: ({ input }) => ({ ...input, callIds: [], settled: [], outputs: 0 }),
  initial: 'inProgress',
  on: {
    'turn.callJoined': { actions: 'join' },
    'turn.callSettled': { actions: 'settle' },
  },
  states: {
    inProgress: {
      on: {
        'turn.responseDone': [{ guard: 'completed', target: 'awaitingOutputs' }, { target: 'interrupted.awaitingOutputs' }],
        'turn.bargeIn': 'interrupted.inProgress',
      },
    },
    awaitingOutputs: {
      always: [
        { guard: 'allSettledWithOutputs', target: 'requesting' },
        { guard: 'allSettled', target: 'closed' },
      ],
      on: { 'turn.bargeIn': 'interrupted.awaitingOutputs' },
    },
    requesting: {
      entry: 'requestResponse',
      on: {
        'turn.createSent': 'followedUp',
        // The user spoke before the create could leave: the response their speech starts sees the outputs.
        'turn.bargeIn': { target: 'closed', actions: 'withdrawRequest' },
      },
    },
    interrupted: {
      initial: 'inProgress',
      states: {
        inProgress: { on: { 'turn.responseDone': 'awaitingOutputs' } },
        awaitingOutputs: { always: { guard: 'allSettled', target: '#responseTurn.closed' } },
      },
    },
    followedUp: { type: 'final', entry: { type: 'reportFinished', params: { responseRequested: true } } },
    closed: { type: 'final', entry: { type: 'reportFinished', params: { responseRequested: false } } },
  },
});
