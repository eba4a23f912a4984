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
 *   or its refusal (a response we never saw is active: `blocked` until its `response.done`).
 * - `active`: responses are running, ours or the server's (server VAD, `timeout_triggered`). Every
 *   one created must be done before a create goes out: the server takes one at a time, so a second
 *   `response.created` means a `response.done` we have not seen yet. Should one never come, the
 *   response is forgotten after `STALE_RESPONSE_MS` without any response event, so a lost done
 *   cannot silence the model for good.
 *   A host's interruption (`response.cancel`) sends one `response.cancel` (`active.cancelling`: a
 *   second interruption sends nothing more); one that comes while our create is in flight cancels
 *   the response it starts, as soon as it is created (`requested.cancelWhenCreated`).
 * - `blocked`: our create was refused because of a response we never saw; wait for its done.
 * - `backingOff`: a refused create is owed a retry; wait a little longer after each refusal, so a
 *   server that keeps refusing cannot make us send creates in a loop. Past `maxRetries` refusals in a
 *   row the machine gives up and reports `response.createFailed`.
 *
 * The turns waiting for a create are served together by one create (`response.createSent`). The
 * session forwards only default-conversation responses (out-of-band ones run side by side).
 */
import { and, assign, not, sendParent, setup, type SnapshotFrom } from 'xstate';
import { clampTimeout } from './approval.js';
import type { Outbound, ResponseReport, ResponseTrackerEvent } from './types.js';

/** How long a create may go unanswered before we stop treating it as in flight. */
export const RESPONSE_CREATE_TIMEOUT_MS = 15_000;
/** How long responses may stay active with no response event at all before they are taken as over (a lost `response.done`). */
export const STALE_RESPONSE_MS = 300_000;
/** Retries of a refused create before giving up, and the first wait before one (doubled each time). */
export const DEFAULT_CREATE_RETRIES = 3;
export const DEFAULT_CREATE_BACKOFF_MS = 250;

/** The refusal of a `response.create` while a response is active. */
const ACTIVE_RESPONSE_CODE = 'conversation_already_has_active_response';

/**
 * The `event_id` of our `response.cancel`: a refusal that names it (`response_cancel_not_active`:
 * the response ended while the cancel was on the wire) answers a race, not a fault.
 */
export const RESPONSE_CANCEL_EVENT_ID = 'rmp_response_cancel';

/** The `event_id` of our n-th `response.create` (n from 1): refusals echo it in `error.event_id`. */
export function responseCreateEventId(n: number): string {
  return `rmp_response_create_${n}`;
}

export interface ResponseInput {
  maxRetries?: number;
  backoffMs?: number;
}

export interface ResponseContext {
  /** The responses created and not yet done (ids are data: an array, never object keys). */
  activeResponseIds: readonly string[];
  /** Turns waiting for a create. */
  waiting: readonly string[];
  /** A refused create is owed another try (for the turns it served). */
  retryOwed: boolean;
  /** The active response was created after the server had every item we asked it to answer. */
  activeCoversRequest: boolean;
  /** Refusals of our creates since one was last answered by a response. */
  refusals: number;
  maxRetries: number;
  backoffMs: number;
  /** For tests and inspection. */
  createsSent: number;
  timeouts: number;
}

export const responseMachine = setup({
  types: {
    input: {} as ResponseInput,
    context: {} as ResponseContext,
    events: {} as ResponseTrackerEvent,
  },
  delays: {
    createTimeout: RESPONSE_CREATE_TIMEOUT_MS,
    staleResponse: STALE_RESPONSE_MS,
    backoff: ({ context }) => clampTimeout(context.backoffMs * 2 ** Math.max(0, context.refusals - 1)),
  },
  guards: {
    hasWork: ({ context }) => context.waiting.length > 0 || context.retryOwed,
    owesRetry: ({ context }) => context.retryOwed,
    // A refusal names the create it refuses (`error.event_id`); one naming another event is not ours.
    isOurRefusal: ({ context, event }) =>
      event.type === 'response.error' &&
      event.code === ACTIVE_RESPONSE_CODE &&
      (event.eventId == null || event.eventId === responseCreateEventId(context.createsSent)),
    // The race where the server's own response (created after our items arrived) answers them:
    // asking again after it would make the model talk about the same outputs twice.
    isRefusalAlreadyAnswered: ({ context }) => context.activeCoversRequest,
    retriesLeft: ({ context }) => context.refusals < context.maxRetries,
    endsLastActive: ({ context, event }) => event.type === 'response.done' && context.activeResponseIds.length === 1 && context.activeResponseIds[0] === event.responseId,
    endsOneActive: ({ context, event }) => event.type === 'response.done' && context.activeResponseIds.includes(event.responseId),
  },
  actions: {
    addWaiting: assign(({ context, event }) =>
      event.type === 'response.request' && !context.waiting.includes(event.turnId) ? { waiting: [...context.waiting, event.turnId] } : {},
    ),
    removeWaiting: assign(({ context, event }) => (event.type === 'response.withdraw' ? { waiting: context.waiting.filter((id) => id !== event.turnId) } : {})),
    sendCreate: sendParent(({ context }) => ({ type: 'outbound', event: { type: 'response.create', event_id: responseCreateEventId(context.createsSent) } }) satisfies Outbound),
    sendCancel: sendParent({ type: 'outbound', event: { type: 'response.cancel', event_id: RESPONSE_CANCEL_EVENT_ID } } satisfies Outbound),
    reportSent: sendParent(({ context }): ResponseReport => ({ type: 'response.createSent', turnIds: context.waiting })),
    // One assign per create (every assign rebuilds the snapshot): counted before sendCreate reads it.
    countCreate: assign({ createsSent: ({ context }) => context.createsSent + 1 }),
    clearWaiting: assign({ waiting: [], retryOwed: false }),
    rememberResponse: assign(({ context, event }) =>
      event.type === 'response.created'
        ? {
            activeResponseIds: context.activeResponseIds.includes(event.responseId) ? context.activeResponseIds : [...context.activeResponseIds, event.responseId],
            activeCoversRequest: event.coversRequest === true,
          }
        : {},
    ),
    answered: assign({ refusals: 0 }),
    forgetResponse: assign(({ context, event }) => (event.type === 'response.done' ? { activeResponseIds: context.activeResponseIds.filter((id) => id !== event.responseId) } : {})),
    forgetAllResponses: assign({ activeResponseIds: [], activeCoversRequest: false }),
    noteRefusal: assign({ retryOwed: true, refusals: ({ context }) => context.refusals + 1 }),
    giveUp: sendParent(({ context }): ResponseReport => ({ type: 'response.createFailed', refusals: context.refusals + 1 })),
    forgetRetry: assign({ retryOwed: false, refusals: 0 }),
    countTimeout: assign({ timeouts: ({ context }) => context.timeouts + 1 }),
  },
}).createMachine({
  id: 'response',
  context: ({ input }) => ({
    activeResponseIds: [],
    waiting: [],
    retryOwed: false,
    activeCoversRequest: false,
    refusals: 0,
    // Whole, non-negative numbers: a NaN or negative from a host's config means "none".
    maxRetries: Math.max(0, Math.floor(input?.maxRetries ?? DEFAULT_CREATE_RETRIES)) || 0,
    backoffMs: clampTimeout(input?.backoffMs ?? DEFAULT_CREATE_BACKOFF_MS),
    createsSent: 0,
    timeouts: 0,
  }),
  initial: 'idle',
  // While busy, requests wait together; the next create serves them all.
  on: {
    'response.request': { actions: 'addWaiting' },
    'response.withdraw': { actions: 'removeWaiting' },
  },
  states: {
    idle: {
      always: { guard: 'hasWork', target: 'requested' },
      on: {
        // A response we did not ask for (server VAD): track it so a request waits for it.
        'response.created': { target: 'active', actions: 'rememberResponse' },
        // A late refusal of a create we gave up on (see `requested.after`) is ignored: that request
        // is dropped rather than risk a second answer; any new request still goes out.
      },
    },
    requested: {
      entry: ['countCreate', 'sendCreate', 'reportSent', 'clearWaiting'],
      // Safety valve: the server answers a create within a second; silence this long means the
      // create, or its answer, was lost. We do not resend that create (a slow server would then
      // speak twice), but a request that arrived meanwhile is sent from `idle`. Restored snapshots
      // do not re-arm this timer (xstate#5331).
      after: { createTimeout: { target: 'idle', actions: 'countTimeout' } },
      on: {
        // The first response.created after our create is taken as its answer (ids cannot tell).
        'response.created': { target: 'active', actions: 'rememberResponse' },
        // A response we never saw created is active: wait for its done, then try again (or give up).
        'response.error': [
          { guard: and(['isOurRefusal', 'retriesLeft']), target: 'blocked', actions: 'noteRefusal' },
          { guard: 'isOurRefusal', target: 'blocked', actions: ['giveUp', 'forgetRetry'] },
        ],
      },
      initial: 'awaitingResponse',
      states: {
        awaitingResponse: { on: { 'response.cancel': 'cancelWhenCreated' } },
        // The host interrupted before the response it asked for began: it is cancelled once created.
        cancelWhenCreated: { on: { 'response.created': { target: '#response.active.cancelling', actions: ['rememberResponse', 'sendCancel'] } } },
      },
    },
    active: {
      // A lost done must not keep the model quiet forever (any response event restarts the wait).
      after: { staleResponse: { target: 'idle', actions: ['forgetAllResponses', 'countTimeout'] } },
      on: {
        // Another response while one is active: its done was missed so far; wait for both.
        'response.created': { target: 'active', reenter: true, actions: 'rememberResponse' },
        // A response that ends with no refusal of our create since it began answered it: the count of
        // refusals in a row starts again. (Resetting on response.created instead would let a server
        // that starts a response of its own before refusing each create keep us asking forever.)
        'response.done': [
          { guard: and(['endsLastActive', 'owesRetry']), target: 'backingOff', actions: 'forgetResponse' },
          { guard: 'endsLastActive', target: 'idle', actions: ['forgetResponse', 'answered'] },
          { guard: 'endsOneActive', target: 'active', reenter: true, actions: 'forgetResponse' },
        ],
        // The server started a response (VAD) while our create was on the wire, then refused ours.
        'response.error': [
          { guard: and(['isOurRefusal', 'isRefusalAlreadyAnswered']) },
          { guard: and(['isOurRefusal', 'retriesLeft']), actions: 'noteRefusal' },
          { guard: 'isOurRefusal', actions: ['giveUp', 'forgetRetry'] },
        ],
      },
      // A response created (re-entering `active`) starts `running` again: that one was not cancelled.
      initial: 'running',
      states: {
        running: { on: { 'response.cancel': { target: 'cancelling', actions: 'sendCancel' } } },
        // Our cancel is out: its `response.done` (cancelled) follows; another interruption sends nothing.
        cancelling: {},
      },
    },
    blocked: {
      // If its done never comes, stop waiting for it.
      after: { createTimeout: { target: 'backingOff', actions: 'countTimeout' } },
      on: {
        'response.created': { target: 'active', actions: 'rememberResponse' },
        // The response we never saw created is done (its id is unknown to us: any done will do).
        'response.done': 'backingOff',
      },
    },
    backingOff: {
      // Only a refused create waits: a fresh request goes out as soon as nothing is active.
      always: { guard: not('owesRetry'), target: 'idle' },
      after: { backoff: 'idle' },
      on: { 'response.created': { target: 'active', actions: 'rememberResponse' } },
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
