/**
 * The session machine: one per Realtime session. It configures the session with the catalog's
 * tools, spawns one tool-call child per `call_id` and one response-turn child per response that
 * holds calls, turns each settled call into exactly one `function_call_output`, and ends with a
 * typed reason. It decides only: every frame leaves through the emitted `send` event, every MCP
 * call through the `executeToolCall` actor the proxy provides.
 *
 * Wire ids are data: calls, turns and approvals are found through Maps keyed by the server's ids,
 * and children are named by the session's own counter (`call-1`, `turn-1`, `approval-1`), never by
 * an id from the wire, so no id can reach an actor it does not name (`toString`, `__proto__`).
 *
 * States: `connecting` (the socket opening, the tools being listed) `→ configuring` (our
 * `session.update` is out) `→ ready` (`synced`, or `updating` / `updateQueued` while a catalog
 * change or a host patch is being sent: one `session.update` in flight, at most one catalog change
 * queued behind it) `→ closed` (final). A `session.updated` that comes while `synced` answers no
 * update of ours: when it holds other tools (another client on the session, e.g. the page beside a
 * sideband), the tools go out again, a bounded number of times (toolGuard.ts), and the host is told. The update goes out as soon as the socket is open and the
 * tools are known, without waiting for `session.created`: the Realtime API takes client events from
 * the moment the socket opens and answers them after its `session.created`.
 *
 * The host's own requests (`host.*`, from the proxy's embedding API) take the same paths as the
 * server's: a patch waits for its turn to be sent, a wish for a response goes to the response
 * machine, an interruption is a barge-in plus a cancel of the active response.
 */
import { and, assign, emit, not, setup, type ActorRefFrom } from 'xstate';
import type { ServerEvent } from '../protocol/generated/types.js';
import { clampTimeout } from './approval.js';
import { mcpApprovalMachine } from './mcpApproval.js';
import { RecentIds } from './recentIds.js';
import { RESPONSE_CANCEL_EVENT_ID, responseMachine } from './response.js';
import { responseTurnMachine } from './responseTurn.js';
import { buildPatchUpdate, buildSessionUpdate, buildToolsUpdate, mergeSessionPatch, sessionUpdateEventId } from './sessionUpdate.js';
import { answerKey, answerMcpApproval, bargeIn, completeCall, finishResponse, forwardAnswer, NO_ENTRIES, NO_IDS, settleCall, startCall, startMcpApproval, teardown, type Step } from './sessionSteps.js';
import {
  DEFAULT_CONFIGURE_TIMEOUT_MS,
  type SessionContext,
  type SessionEmitted,
  type SessionEndReason,
  type SessionEvent,
  type SessionInput,
} from './sessionTypes.js';
import { toolCallMachine } from './toolCall.js';
import { recentReassertions, TOOLS_REASSERT_LIMIT, toolsOverride } from './toolGuard.js';
import type { Outbound } from './types.js';

export type { SessionToolInfo } from './policy.js';
export type { SessionAnomaly, SessionContext, SessionEmitted, SessionEndReason, SessionEvent, SessionInput } from './sessionTypes.js';
export { DEFAULT_CONFIGURE_TIMEOUT_MS } from './sessionTypes.js';

type ErrorEvent = Extract<ServerEvent, { type: 'error' }>;

/** The response machine's name for the host's wish for a response: one waiting request, however many messages asked. */
export const HOST_TURN_ID = 'host';

/** The tools the session offers: what the first update and every tools update carry. */
function offeredTools(context: SessionContext) {
  return [...context.tools, ...(context.input.nativeTools ?? [])];
}

/** The context without `key` in the answers waiting to be added (nothing when it is not there). */
function forgetAnswer(context: SessionContext, key: string | undefined): Partial<SessionContext> {
  if (key === undefined || !context.unacknowledged.has(key)) return {};
  const unacknowledged = new Set(context.unacknowledged);
  unacknowledged.delete(key);
  return { unacknowledged };
}

const sessionSetup = setup({
  types: {
    input: {} as SessionInput,
    context: {} as SessionContext,
    events: {} as SessionEvent,
    emitted: {} as SessionEmitted,
    output: {} as { end?: SessionEndReason },
  },
  actors: { toolCall: toolCallMachine, response: responseMachine, responseTurn: responseTurnMachine, mcpApproval: mcpApprovalMachine },
  delays: {
    configureTimeout: ({ context }) => clampTimeout(context.input.configureTimeoutMs ?? DEFAULT_CONFIGURE_TIMEOUT_MS),
  },
  guards: {
    isSessionExpired: ({ event }) => event.type === 'error' && event.error.code === 'session_expired',
    // Only an error naming our latest session.update refuses it (the server echoes `event_id`).
    refusesOurUpdate: ({ context, event }) => event.type === 'error' && event.error.event_id === sessionUpdateEventId(context.updatesSent),
    isOurUpdate: ({ event }) => event.type === 'outbound.failed' && event.event.type === 'session.update',
    canConfigure: ({ context }) => context.opened && context.toolsListed,
    // Out-of-band: `conversation_id: null`. A response is what its created said it was: a done
    // claiming otherwise does not make an out-of-band response's calls ours.
    isOutOfBand: ({ context, event }) =>
      (event.type === 'response.created' && event.response.conversation_id === null) ||
      (event.type === 'response.done' && (event.response.conversation_id === null || context.outOfBand.has(event.response.id ?? ''))),
    acknowledgesAnswer: ({ context, event }) =>
      event.type === 'conversation.item.added' && context.unacknowledged.size > 0 && (event.item.type === 'function_call_output' || event.item.type === 'mcp_approval_response'),
    isMcpApprovalRequest: ({ event }) => event.type === 'conversation.item.done' && event.item.type === 'mcp_approval_request',
    hasSessionPatch: ({ context }) => context.sessionPatch !== undefined,
    overridesOurTools: ({ context, event }) => event.type === 'session.updated' && toolsOverride(offeredTools(context), event.session) !== undefined,
    mayReassertTools: ({ context }) => recentReassertions(context.toolReassertions, Date.now()).length < TOOLS_REASSERT_LIMIT,
    // Our cancel reached the server after the response ended: a race, not news for the host.
    missesOurCancel: ({ event }) => event.type === 'error' && event.error.code === 'response_cancel_not_active' && event.error.event_id === RESPONSE_CANCEL_EVENT_ID,
  },
});

const noteToolsOverridden = (restored: boolean) =>
  sessionSetup.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'session.updated') return;
    const override = toolsOverride(offeredTools(context), event.session);
    if (override === undefined) return;
    if (restored) {
      const now = Date.now();
      enqueue.assign({ toolReassertions: [...recentReassertions(context.toolReassertions, now), now].slice(-TOOLS_REASSERT_LIMIT) });
    }
    enqueue.emit({ type: 'session.toolsOverridden', restored, ...override });
  });

/** Runs a pure step (sessionSteps.ts) and enqueues what it decided. */
const step = (decide: (context: SessionContext, event: SessionEvent) => Step) =>
  sessionSetup.enqueueActions(({ context, event, enqueue }) => {
    const { context: next, effects } = decide(context, event);
    if (next !== context) enqueue.assign(next);
    for (const effect of effects) {
      switch (effect.kind) {
        case 'spawnCall':
          enqueue.spawnChild('toolCall', { id: effect.actorId, input: effect.input });
          break;
        case 'spawnTurn':
          enqueue.spawnChild('responseTurn', { id: effect.actorId, input: effect.input });
          break;
        case 'spawnMcpApproval':
          enqueue.spawnChild('mcpApproval', { id: effect.actorId, input: effect.input });
          break;
        case 'sendTo':
          enqueue.sendTo(effect.actorId, effect.event);
          break;
        case 'stop':
          enqueue.stopChild(effect.actorId);
          break;
        case 'requestResponse':
          enqueue.sendTo('response', { type: 'response.request', turnId: effect.turnId });
          break;
        case 'emit':
          enqueue.emit(effect.event);
          break;
      }
    }
  });

export const sessionMachine = sessionSetup.extend({
  actions: {
    // The first update: the host's configuration (with any patch made meanwhile) and the tools.
    sendSessionUpdate: sessionSetup.enqueueActions(({ context, enqueue }) => {
      const n = context.updatesSent + 1;
      const patch = context.sessionPatch;
      enqueue.assign({ sessionPatch: undefined, updatesSent: n });
      enqueue.emit({ type: 'send', event: buildSessionUpdate({ ...context.input, tools: context.tools, ...(patch ? { patch } : {}) }, sessionUpdateEventId(n)) });
    }),
    // A catalog change: the tools only, so no field the host changed since the first update is reverted.
    sendToolsUpdate: sessionSetup.enqueueActions(({ context, enqueue }) => {
      const n = context.updatesSent + 1;
      enqueue.assign({ updatesSent: n });
      enqueue.emit({ type: 'send', event: buildToolsUpdate({ tools: context.tools, ...(context.input.nativeTools ? { nativeTools: context.input.nativeTools } : {}) }, sessionUpdateEventId(n)) });
    }),
    sendSessionPatch: sessionSetup.enqueueActions(({ context, enqueue }) => {
      if (context.sessionPatch === undefined) return;
      const n = context.updatesSent + 1;
      enqueue.assign({ sessionPatch: undefined, updatesSent: n });
      enqueue.emit({ type: 'send', event: buildPatchUpdate(context.sessionPatch, sessionUpdateEventId(n)) });
    }),
    // Another client's tools: the host hears what changed; a re-assertion is counted (its update is sendToolsUpdate).
    reassertTools: noteToolsOverridden(true),
    reportToolsOverridden: noteToolsOverridden(false),
    mergeSessionPatch: assign(({ context, event }) => (event.type === 'host.sessionUpdate' ? { sessionPatch: mergeSessionPatch(context.sessionPatch, event.patch) } : {})),
    requestHostResponse: sessionSetup.sendTo('response', { type: 'response.request', turnId: HOST_TURN_ID }),
    cancelResponse: sessionSetup.sendTo('response', { type: 'response.cancel' }),
    applyCatalog: assign(({ event, context }) => (event.type === 'catalog.changed' ? { tools: event.tools, toolInfo: event.toolInfo ?? context.toolInfo, toolsListed: true } : {})),
    noteOpened: assign({ opened: true }),
    rememberOutOfBand: assign(({ context, event }) => (event.type === 'response.created' && event.response.id !== undefined ? { outOfBand: context.outOfBand.add(event.response.id) } : {})),
    // An id seen out of band before, now created in the default conversation, is the default's from now on.
    forgetOutOfBand: assign(({ context, event }) => (event.type === 'response.created' && event.response.id !== undefined && context.outOfBand.has(event.response.id) ? { outOfBand: context.outOfBand.delete(event.response.id) } : {})),
    forwardToResponse: sessionSetup.enqueueActions(({ context, event, enqueue }) => {
      if (event.type === 'response.created') enqueue.sendTo('response', { type: 'response.created', responseId: event.response.id ?? '', coversRequest: context.unacknowledged.size === 0 });
      else if (event.type === 'response.done') enqueue.sendTo('response', { type: 'response.done', responseId: event.response.id ?? '', status: event.response.status ?? 'completed' });
      else if (event.type === 'error') enqueue.sendTo('response', { type: 'response.error', code: event.error.code, eventId: event.error.event_id });
    }),
    startCall: step(startCall),
    forwardDelta: sessionSetup.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'response.function_call_arguments.delta') return;
      const entry = context.calls.get(event.call_id);
      if (entry && !entry.finished) enqueue.sendTo(entry.actorId, { type: 'call.arguments.delta', delta: event.delta });
    }),
    completeCall: step(completeCall),
    finishResponse: step(finishResponse),
    bargeIn: step(bargeIn),
    settleCall: step(settleCall),
    forwardAnswer: step(forwardAnswer),
    noteApprovalRequested: sessionSetup.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'toolCall.approvalRequested') return;
      enqueue.assign({ awaitingApproval: new Set(context.awaitingApproval).add(event.request.approvalId) });
      enqueue.emit({ type: 'approval.requested', request: event.request });
    }),
    noteApprovalSettled: sessionSetup.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'approval.settled') return;
      const { type: _type, ...settled } = event;
      if (event.kind === 'function') {
        const awaitingApproval = new Set(context.awaitingApproval);
        if (!awaitingApproval.delete(event.approvalId)) return;
        enqueue.assign({ awaitingApproval });
      }
      enqueue.emit({ ...settled, type: 'approval.settled' });
    }),
    startMcpApproval: step(startMcpApproval),
    answerMcpApproval: step(answerMcpApproval),
    acknowledge: assign(({ context, event }) => (event.type === 'conversation.item.added' ? forgetAnswer(context, answerKey(event.item)) : {})),
    // An answer that could not be sent will never be added: stop waiting for it.
    forgetFailedAnswer: assign(({ context, event }) =>
      event.type === 'outbound.failed' && event.event.type === 'conversation.item.create' ? forgetAnswer(context, answerKey(event.event.item)) : {},
    ),
    requestResponse: sessionSetup.enqueueActions(({ event, enqueue }) => {
      if (event.type === 'turn.requestResponse') enqueue.sendTo('response', { type: 'response.request', turnId: event.turnId });
      else if (event.type === 'turn.withdrawRequest') enqueue.sendTo('response', { type: 'response.withdraw', turnId: event.turnId });
    }),
    notifyTurnsOfCreate: sessionSetup.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'response.createSent') return;
      const live = new Set(context.turns.values());
      for (const turnId of event.turnIds) if (live.has(turnId)) enqueue.sendTo(turnId, { type: 'turn.createSent' });
    }),
    finishTurn: sessionSetup.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'turn.finished' || context.turns.get(event.responseId) !== event.turnId) return;
      enqueue.stopChild(event.turnId);
      const turns = new Map(context.turns);
      turns.delete(event.responseId);
      enqueue.assign({ turns });
      enqueue.emit({ type: 'batch.finished', responseId: event.responseId, callIds: event.callIds, responseRequested: event.responseRequested });
    }),
    emitCreateFailed: emit(({ event }) => ({ type: 'response.createFailed' as const, refusals: event.type === 'response.createFailed' ? event.refusals : 0 })),
    emitNativeMcp: emit(({ event }) => ({ type: 'nativeMcp' as const, event: event as ServerEvent })),
    emitOutbound: emit(({ event }) => ({ type: 'send' as const, event: (event as Outbound).event })),
    reportError: emit(({ event }) => ({ type: 'session.error' as const, error: (event as ErrorEvent).error })),
    teardown: step(teardown),
    endFromEvent: assign(({ context, event }) => {
      if (context.end) return {};
      if (event.type === 'error' && event.error.code === 'session_expired') return { end: { reason: 'session_expired', message: event.error.message } as SessionEndReason };
      if (event.type === 'error') return { end: { reason: 'session_update_rejected', error: event.error } as SessionEndReason };
      if (event.type === 'outbound.failed') return { end: { reason: 'session_update_failed', message: event.message } as SessionEndReason };
      if (event.type === 'transport.closed') return { end: { reason: 'socket_closed', code: event.code, detail: event.reason } as SessionEndReason };
      return { end: { reason: 'closed_by_host' } as SessionEndReason };
    }),
    endOnTimeout: assign(({ context }) => ({ end: { reason: 'session_update_timeout', timeoutMs: context.input.configureTimeoutMs ?? DEFAULT_CONFIGURE_TIMEOUT_MS } as SessionEndReason })),
    emitEnded: emit(({ context }) => ({ type: 'session.ended' as const, end: context.end ?? { reason: 'closed_by_host' } })),
  },
}).createMachine({
  id: 'session',
  context: ({ input }) => ({
    input,
    tools: input.tools,
    toolInfo: input.toolInfo ?? NO_ENTRIES,
    sticky: NO_ENTRIES,
    calls: NO_ENTRIES,
    settledCalls: new RecentIds(),
    doneResponses: new RecentIds(),
    turns: NO_ENTRIES,
    outOfBand: new RecentIds(),
    mcpApprovals: NO_ENTRIES,
    answeredApprovals: new RecentIds(),
    awaitingApproval: NO_IDS,
    unacknowledged: NO_IDS,
    children: 0,
    updatesSent: 0,
    toolReassertions: [],
    opened: false,
    toolsListed: input.toolsPending !== true,
  }),
  initial: 'connecting',
  // The one owner of response.create lives as long as the session: a response the server starts
  // while we are still configuring must be known before we may ask for one.
  invoke: { id: 'response', systemId: 'response', src: 'response', input: ({ context }) => context.input.responseCreate ?? {} },
  on: {
    // Before the session is configured, a new catalog only replaces the tools the first update will carry.
    'catalog.changed': { actions: 'applyCatalog' },
    'response.created': [{ guard: 'isOutOfBand', actions: 'rememberOutOfBand' }, { actions: ['forgetOutOfBand', 'forwardToResponse'] }],
    'response.done': [{ guard: 'isOutOfBand' }, { actions: 'forwardToResponse' }],
    'transport.closed': { target: '.closed', actions: ['endFromEvent', 'teardown'] },
    'session.close': { target: '.closed', actions: ['endFromEvent', 'teardown'] },
    // An error no state handles (one before session.created, e.g. a refused key) is still the host's
    // to hear: it often explains the close that follows.
    error: { actions: 'reportError' },
  },
  states: {
    connecting: {
      // Both known (the socket open, the tools listed), whichever came last: the update goes out.
      always: { guard: 'canConfigure', target: 'configuring' },
      on: {
        'transport.opened': { actions: 'noteOpened' },
        // A transport that does not say it opened (a host's own) still delivers this.
        'session.created': { actions: 'noteOpened' },
        // Before the first update leaves, a patch joins what it carries.
        'host.sessionUpdate': { actions: 'mergeSessionPatch' },
      },
    },
    configuring: {
      entry: 'sendSessionUpdate',
      after: { configureTimeout: { target: 'closed', actions: 'endOnTimeout' } },
      on: {
        'session.updated': { target: 'ready' },
        error: [
          { guard: 'isSessionExpired', target: 'closed', actions: 'endFromEvent' },
          { guard: 'refusesOurUpdate', target: 'closed', actions: ['reportError', 'endFromEvent'] },
          { guard: 'missesOurCancel' },
          // Any other error is about something else: report it and keep waiting (the timeout bounds the wait).
          // The response machine hears it too: a host's response.create may already be out.
          { actions: ['forwardToResponse', 'reportError'] },
        ],
        'outbound.failed': { guard: 'isOurUpdate', target: 'closed', actions: 'endFromEvent' },
        'catalog.changed': { actions: ['applyCatalog', 'sendToolsUpdate'] },
        // Sent once the session is ready (one update in flight at a time).
        'host.sessionUpdate': { actions: 'mergeSessionPatch' },
        // The server takes client events in order: whatever follows our update is handled after it.
        'host.responseRequested': { actions: 'requestHostResponse' },
        'host.interrupt': { actions: 'cancelResponse' },
        outbound: { actions: 'emitOutbound' },
      },
    },
    ready: {
      entry: emit({ type: 'session.ready' }),
      initial: 'synced',
      states: {
        synced: {
          // A host patch waiting (made while another update was out, or before the session was ready) leaves now.
          always: { guard: 'hasSessionPatch', target: 'updating', actions: 'sendSessionPatch' },
          on: {
            'catalog.changed': { target: 'updating', actions: ['applyCatalog', 'sendToolsUpdate'] },
            // No update of ours is out, so this answers someone else's: other tools are replaced by ours,
            // at most once per such update and TOOLS_REASSERT_LIMIT times a window; past that, only reported.
            'session.updated': [
              { guard: and(['overridesOurTools', 'mayReassertTools']), target: 'updating', actions: ['reassertTools', 'sendToolsUpdate'] },
              { guard: 'overridesOurTools', actions: 'reportToolsOverridden' },
            ],
          },
        },
        // One session.update is out (the tools, or a host patch): the next waits for its answer.
        updating: {
          on: {
            'session.updated': 'synced',
            // Changes while an update is out are sent together once it is answered: one update per burst.
            'catalog.changed': { target: 'updateQueued', actions: 'applyCatalog' },
            error: { guard: and(['refusesOurUpdate', not('isSessionExpired')]), target: 'synced', actions: 'reportError' },
            'outbound.failed': { guard: 'isOurUpdate', target: 'synced' },
          },
        },
        // A catalog change waits for the update in flight (a host patch waits in the context, after it).
        updateQueued: {
          on: {
            'session.updated': { target: 'updating', actions: 'sendToolsUpdate' },
            'catalog.changed': { actions: 'applyCatalog' },
            error: { guard: and(['refusesOurUpdate', not('isSessionExpired')]), target: 'updating', actions: ['reportError', 'sendToolsUpdate'] },
          },
        },
      },
      on: {
        'response.output_item.added': { actions: 'startCall' },
        'response.function_call_arguments.delta': { actions: 'forwardDelta' },
        'response.output_item.done': { actions: 'completeCall' },
        'response.done': [{ guard: 'isOutOfBand' }, { actions: ['forwardToResponse', 'finishResponse'] }],
        'input_audio_buffer.speech_started': { actions: 'bargeIn' },
        // The host's interruption is the user's: the same barge-in, and the response cancelled (the server's VAD does that itself).
        'host.interrupt': { actions: ['cancelResponse', 'bargeIn'] },
        'host.responseRequested': { actions: 'requestHostResponse' },
        'host.sessionUpdate': { actions: 'mergeSessionPatch' },
        error: [
          { guard: 'isSessionExpired', target: 'closed', actions: ['endFromEvent', 'teardown'] },
          { guard: 'missesOurCancel' },
          { actions: ['forwardToResponse', 'reportError'] },
        ],
        'approval.answer': { actions: 'forwardAnswer' },
        'toolCall.approvalRequested': { actions: 'noteApprovalRequested' },
        'approval.settled': { actions: ['noteApprovalSettled', 'answerMcpApproval'] },
        'toolCall.settled': { actions: 'settleCall' },
        'conversation.item.done': { guard: 'isMcpApprovalRequest', actions: 'startMcpApproval' },
        // Most added items answer nothing of ours; without the guard each would still cost an assign.
        'conversation.item.added': { guard: 'acknowledgesAnswer', actions: 'acknowledge' },
        'outbound.failed': { actions: 'forgetFailedAnswer' },
        'turn.requestResponse': { actions: 'requestResponse' },
        'turn.withdrawRequest': { actions: 'requestResponse' },
        'turn.finished': { actions: 'finishTurn' },
        'response.createSent': { actions: 'notifyTurnsOfCreate' },
        'response.createFailed': { actions: 'emitCreateFailed' },
        'mcp_list_tools.completed': { actions: 'emitNativeMcp' },
        'mcp_list_tools.failed': { actions: 'emitNativeMcp' },
        'response.mcp_call.completed': { actions: 'emitNativeMcp' },
        'response.mcp_call.failed': { actions: 'emitNativeMcp' },
        outbound: { actions: 'emitOutbound' },
      },
    },
    closed: {
      type: 'final',
      entry: 'emitEnded',
    },
  },
  output: ({ context }) => ({ ...(context.end ? { end: context.end } : {}) }),
});

export type SessionActor = ActorRefFrom<typeof sessionMachine>;
