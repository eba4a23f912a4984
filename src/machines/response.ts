/**
 * Tracks the active response of the default conversation and owns `response.create`.
 *
 * The default conversation accepts one response at a time; a `response.create` sent while one is
 * active is refused with `conversation_already_has_active_response` (realtime-protocol.md §6.3, §9).
 * Like the agents SDKs' `ResponseCreateSequencer`, this machine therefore never lets two creates be
 * in flight, and holds back a request until the response in progress is done.
 *
 * States:
 * - `idle`: nothing active, nothing in flight. A request sends `response.create` at once.
 * - `requested`: our create is in flight, until the next `response.created` (it becomes `active`)
 *   or its refusal (the server says a response is active: wait in `active` for its `response.done`).
 * - `active`: a response is running, ours or the server's (server VAD, `timeout_triggered`).
 *
 * Requests that arrive while busy collapse into one `pending` flag; `idle` sends it on entry.
 * The session must forward only default-conversation responses (out-of-band ones run side by side).
 */
import { assign, sendParent, setup, type SnapshotFrom } from 'xstate';
import type { Outbound, ResponseTrackerEvent } from './types.js';

/** How long a create may go unanswered before we stop treating it as in flight. */
export const RESPONSE_CREATE_TIMEOUT_MS = 15_000;

/** The refusal of a `response.create` while a response is active. */
const ACTIVE_RESPONSE_CODE = 'conversation_already_has_active_response';

export interface ResponseContext {
  /** The active response's id; null when idle, or when a refusal told us one is active without its id. */
  activeResponseId: string | null;
  /** A request is waiting for the active response (or the in-flight create) to finish. */
  pending: boolean;
  /** The active response was created after the server had every item we asked it to answer. */
  activeCoversRequest: boolean;
  /** For tests and inspection. */
  createsSent: number;
  refusals: number;
  timeouts: number;
}

export const responseMachine = setup({
  types: {
    context: {} as ResponseContext,
    events: {} as ResponseTrackerEvent,
  },
  delays: {
    createTimeout: RESPONSE_CREATE_TIMEOUT_MS,
  },
  guards: {
    hasPending: ({ context }) => context.pending,
    // The race where the server's own response (created after our items arrived) answers them:
    // asking again after it would make the model talk about the same outputs twice.
    isRefusalAlreadyAnswered: ({ context, event }) => event.type === 'response.error' && event.code === ACTIVE_RESPONSE_CODE && context.activeCoversRequest,
    isRefusal: ({ event }) => event.type === 'response.error' && event.code === ACTIVE_RESPONSE_CODE,
    // Lenient: a done ends the active response when it names it, or when we never learnt its id.
    endsActive: ({ context, event }) =>
      event.type === 'response.done' &&
      (context.activeResponseId === null || event.responseId === context.activeResponseId),
  },
  actions: {
    sendCreate: sendParent({ type: 'outbound', event: { type: 'response.create' } } satisfies Outbound),
    countCreate: assign({ createsSent: ({ context }) => context.createsSent + 1, pending: false }),
    rememberResponse: assign({
      activeResponseId: ({ event }) => (event.type === 'response.created' ? event.responseId : null),
      activeCoversRequest: ({ event }) => event.type === 'response.created' && event.coversRequest === true,
    }),
    forgetResponse: assign({ activeResponseId: null, activeCoversRequest: false }),
    markPending: assign({ pending: true }),
    // Our create lost the race to another response: ask again once that one is done.
    noteRefusal: assign({ pending: true, refusals: ({ context }) => context.refusals + 1 }),
    countRefusalOnly: assign({ refusals: ({ context }) => context.refusals + 1 }),
    countTimeout: assign({ timeouts: ({ context }) => context.timeouts + 1 }),
  },
}).createMachine({
  id: 'response',
  context: { activeResponseId: null, pending: false, activeCoversRequest: false, createsSent: 0, refusals: 0, timeouts: 0 },
  initial: 'idle',
  // While busy (requested or active), requests collapse into one pending flag.
  on: { 'response.request': { actions: 'markPending' } },
  states: {
    idle: {
      // A request held back while busy goes out as soon as nothing is active or in flight.
      always: { guard: 'hasPending', target: 'requested' },
      on: {
        'response.request': { target: 'requested' },
        // A response we did not ask for (server VAD): track it so a request waits for it.
        'response.created': { target: 'active', actions: 'rememberResponse' },
        // A late refusal of a create we gave up on (see `requested.after`) is ignored: that request
        // is dropped rather than risk a second answer; any new request still goes out.
      },
    },
    requested: {
      entry: ['countCreate', 'sendCreate'],
      // Safety valve: the server answers a create within a second; silence this long means the
      // create, or its answer, was lost (or refused with a code the session handles). We do not
      // resend that create (a slow server would then speak twice), but a request that arrived
      // meanwhile is sent from `idle`. Restored snapshots do not re-arm this timer (xstate#5331).
      after: { createTimeout: { target: 'idle', actions: 'countTimeout' } },
      on: {
        // The first response.created after our create is taken as its answer (ids cannot tell).
        'response.created': { target: 'active', actions: 'rememberResponse' },
        // A response we never saw created is active: wait for its done, then send once.
        'response.error': { guard: 'isRefusal', target: 'active', actions: 'noteRefusal' },
      },
    },
    active: {
      on: {
        // A new id without a done for the old one: the done was missed; follow the newest.
        'response.created': { actions: 'rememberResponse' },
        'response.done': { guard: 'endsActive', target: 'idle', actions: 'forgetResponse' },
        // The server started a response (VAD) while our create was on the wire, then refused ours.
        'response.error': [
          { guard: 'isRefusalAlreadyAnswered', actions: 'countRefusalOnly' },
          { guard: 'isRefusal', actions: 'noteRefusal' },
        ],
      },
    },
  },
});

export type ResponseSnapshot = SnapshotFrom<typeof responseMachine>;

/** A response is running in the default conversation (ours or the server's). */
export function isResponseActive(snapshot: ResponseSnapshot): boolean {
  return snapshot.matches('active');
}

/** Our `response.create` is sent and not yet answered. */
export function isCreateInFlight(snapshot: ResponseSnapshot): boolean {
  return snapshot.matches('requested');
}
