import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedClock, assign, createActor, sendTo, setup } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import type { ClientEvent } from '../protocol/generated/types.js';
import {
  RESPONSE_CREATE_TIMEOUT_MS,
  STALE_RESPONSE_MS,
  isCreateInFlight,
  isResponseActive,
  RESPONSE_CANCEL_EVENT_ID,
  responseCreateEventId,
  responseMachine,
  type ResponseInput,
  type ResponseSnapshot,
} from './response.js';
import type { Outbound, ResponseReport, ResponseTrackerEvent } from './types.js';

/** sendParent needs a parent: this one forwards tracker events, as the session does, and records outbound. */
const testParent = setup({
  types: {
    context: {} as { outbound: ClientEvent[]; reports: ResponseReport[] },
    events: {} as ResponseTrackerEvent | Outbound | ResponseReport,
    input: {} as ResponseInput,
  },
  actors: { response: responseMachine },
}).createMachine({
  context: { outbound: [], reports: [] },
  invoke: { src: 'response', id: 'response', systemId: 'response', input: ({ event }) => (event as unknown as { input: ResponseInput }).input },
  on: {
    outbound: { actions: assign({ outbound: ({ context, event }) => [...context.outbound, event.event] }) },
    'response.createSent': { actions: assign({ reports: ({ context, event }) => [...context.reports, event as ResponseReport] }) },
    'response.createFailed': { actions: assign({ reports: ({ context, event }) => [...context.reports, event as ResponseReport] }) },
    'response.*': { actions: sendTo('response', ({ event }) => event as ResponseTrackerEvent) },
  },
});

function start(options: { clock?: SimulatedClock; input?: ResponseInput } = {}) {
  const actor = createActor(testParent, { ...(options.clock ? { clock: options.clock } : {}), input: options.input ?? {} }).start();
  const child = actor.getSnapshot().children.response!;
  return {
    send: (...events: ResponseTrackerEvent[]) => events.forEach((e) => actor.send(e)),
    creates: () => actor.getSnapshot().context.outbound.filter((e) => e.type === 'response.create').length,
    outbound: () => actor.getSnapshot().context.outbound,
    reports: () => actor.getSnapshot().context.reports,
    snap: (): ResponseSnapshot => child.getSnapshot(),
    /** The top-level state (`active`, not `{ active: 'running' }`). */
    stage: () => topState(child.getSnapshot().value),
  };
}

const topState = (value: unknown): string => (typeof value === 'string' ? value : Object.keys(value as object)[0]!);

const request = { type: 'response.request', turnId: 'turn-1' } as const;
const requestFor = (turnId: string) => ({ type: 'response.request', turnId }) as const;
const created = (responseId: string) => ({ type: 'response.created', responseId }) as const;
const done = (responseId: string, status = 'completed') => ({ type: 'response.done', responseId, status }) as const;
const error = (code: string | null | undefined, eventId?: string) => ({ type: 'response.error', code, ...(eventId === undefined ? {} : { eventId }) }) as const;
const refusal = error('conversation_already_has_active_response');
const cancel = { type: 'response.cancel' } as const;

describe('responseMachine', () => {
  it('sends one response.create (with its own event_id) for a request when idle, and tracks the response it starts', () => {
    const t = start();
    t.send(request);
    expect(t.outbound()).toEqual([{ type: 'response.create', event_id: responseCreateEventId(1) }]);
    expect(t.reports()).toEqual([{ type: 'response.createSent', turnIds: ['turn-1'] }]);
    expect(t.stage()).toBe('requested');
    expect(isCreateInFlight(t.snap())).toBe(true);
    t.send(created('resp_1'));
    expect(isResponseActive(t.snap())).toBe(true);
    expect(t.snap().context.activeResponseIds).toEqual(['resp_1']);
    t.send(done('resp_1'));
    expect(t.stage()).toBe('idle');
    expect(t.snap().context).toMatchObject({ activeResponseIds: [], waiting: [], retryOwed: false, createsSent: 1 });
  });

  it('holds a request made while a response is active until its response.done', () => {
    const t = start();
    t.send(created('resp_vad'), request);
    expect(t.creates()).toBe(0);
    expect(t.snap().context.waiting).toEqual(['turn-1']);
    t.send(done('resp_vad'));
    expect(t.creates()).toBe(1);
    expect(t.stage()).toBe('requested');
  });

  it('serves the turns that asked while busy with one create, and forgets a turn that withdrew', () => {
    const t = start();
    t.send(created('resp_1'), requestFor('turn-1'), requestFor('turn-2'), requestFor('turn-3'), { type: 'response.withdraw', turnId: 'turn-2' }, done('resp_1'));
    expect(t.creates()).toBe(1);
    expect(t.reports()).toEqual([{ type: 'response.createSent', turnIds: ['turn-1', 'turn-3'] }]);
    // Same while our own create is in flight: one for the first request, one for the three after it.
    t.send(requestFor('turn-4'), requestFor('turn-5'), requestFor('turn-5'));
    expect(t.creates()).toBe(1);
    t.send(created('resp_2'), done('resp_2'));
    expect(t.creates()).toBe(2);
    expect(t.reports().at(-1)).toEqual({ type: 'response.createSent', turnIds: ['turn-4', 'turn-5'] });
    t.send(created('resp_3'), done('resp_3'));
    expect(t.creates()).toBe(2);
    expect(t.stage()).toBe('idle');
  });

  it('sends nothing when every waiting turn withdrew', () => {
    const t = start();
    t.send(created('resp_1'), request, { type: 'response.withdraw', turnId: 'turn-1' }, done('resp_1'));
    expect(t.creates()).toBe(0);
    expect(t.stage()).toBe('idle');
  });

  it('after an active-response refusal, waits for response.done, backs off, then sends once', () => {
    const clock = new SimulatedClock();
    const t = start({ clock, input: { backoffMs: 100 } });
    t.send(request, refusal);
    expect(t.stage()).toBe('blocked');
    expect(t.snap().context).toMatchObject({ activeResponseIds: [], retryOwed: true, refusals: 1 });
    t.send(requestFor('turn-2'));
    expect(t.creates()).toBe(1);
    t.send(done('resp_unknown'));
    expect(t.stage()).toBe('backingOff');
    clock.increment(99);
    expect(t.creates()).toBe(1);
    clock.increment(1);
    expect(t.creates()).toBe(2);
    t.send(created('resp_ours'), done('resp_ours'));
    expect(t.creates()).toBe(2);
    expect(t.snap().context.refusals).toBe(0);
  });

  it('gives up after maxRetries refusals in a row, waiting longer each time, and reports it', () => {
    const clock = new SimulatedClock();
    const t = start({ clock, input: { backoffMs: 100, maxRetries: 2 } });
    t.send(request);
    const waits: number[] = [];
    for (let round = 0; round < 5; round++) {
      t.send(refusal, done(`resp_other_${round}`));
      const before = t.creates();
      let waited = 0;
      while (t.creates() === before && waited < 10_000) {
        clock.increment(10);
        waited += 10;
      }
      if (t.creates() === before) break;
      waits.push(waited);
    }
    // Two retries (after 100 ms, then 200 ms), then the third refusal ends it.
    expect(waits).toEqual([100, 200]);
    expect(t.creates()).toBe(3);
    expect(t.reports().filter((r) => r.type === 'response.createFailed')).toEqual([{ type: 'response.createFailed', refusals: 3 }]);
    expect(t.stage()).toBe('idle');
    // A later request starts afresh.
    t.send(requestFor('turn-9'));
    expect(t.creates()).toBe(4);
  });

  it('takes only a refusal naming our latest create (or naming none) as ours', () => {
    const t = start();
    t.send(request, error('conversation_already_has_active_response', 'someone_elses_event'));
    expect(t.stage()).toBe('requested');
    t.send(error('conversation_already_has_active_response', responseCreateEventId(1)));
    expect(t.stage()).toBe('blocked');
  });

  it('resends after response.done when the server started a response while our create was on the wire', () => {
    const t = start({ input: { backoffMs: 0 } });
    t.send(request, created('resp_vad'), refusal);
    expect(t.snap().context).toMatchObject({ activeResponseIds: ['resp_vad'], retryOwed: true });
    expect(t.creates()).toBe(1);
    t.send(done('resp_vad'));
    expect(t.stage()).toBe('backingOff');
  });

  it('does not ask again when the racing response began after our items had arrived (it answers them)', () => {
    const t = start({ input: { backoffMs: 0 } });
    t.send(request, { type: 'response.created', responseId: 'resp_vad', coversRequest: true }, refusal, done('resp_vad'));
    expect(t.creates()).toBe(1);
    expect(t.stage()).toBe('idle');
    // Without that knowledge, the refused request is owed a retry.
    const u = start({ input: { backoffMs: 0 } });
    u.send(request, { type: 'response.created', responseId: 'resp_vad', coversRequest: false }, refusal, done('resp_vad'));
    expect(u.snap().context.retryOwed).toBe(true);
  });

  it('ignores response_cancel_not_active and other error codes in every state', () => {
    const t = start();
    const ignored = [error('response_cancel_not_active'), error('invalid_value'), error(null), error(undefined)];
    for (const setUp of [[], [request], [created('resp_1')]] as ResponseTrackerEvent[][]) {
      t.send(...setUp);
      const before = t.snap();
      t.send(...ignored);
      expect(t.snap().value).toEqual(before.value);
      expect(t.snap().context).toEqual(before.context);
    }
    expect(t.creates()).toBe(1);
  });

  it('tracks a response the server started on its own, and sends nothing for it', () => {
    const t = start();
    t.send(created('resp_vad'));
    expect(isResponseActive(t.snap())).toBe(true);
    expect(t.snap().context.activeResponseIds).toEqual(['resp_vad']);
    t.send(done('resp_other'));
    expect(isResponseActive(t.snap())).toBe(true);
    t.send(done('resp_vad', 'cancelled'));
    expect(t.stage()).toBe('idle');
    expect(t.creates()).toBe(0);
  });

  it('waits for every response created to be done before a create: a second created means a done not seen yet', () => {
    const t = start();
    t.send(created('resp_a'), created('resp_b'), request, done('resp_b'));
    expect(t.creates()).toBe(0);
    expect(t.snap().context.activeResponseIds).toEqual(['resp_a']);
    t.send(done('resp_a'));
    expect(t.creates()).toBe(1);
  });

  it('forgets responses whose done never comes after a long silence, so the model is not kept quiet for good', () => {
    const clock = new SimulatedClock();
    const t = start({ clock });
    t.send(created('resp_lost'), request);
    clock.increment(STALE_RESPONSE_MS - 1);
    t.send(created('resp_lost'));
    clock.increment(STALE_RESPONSE_MS - 1);
    // Any response event restarts the wait.
    expect(t.creates()).toBe(0);
    clock.increment(1);
    expect(t.creates()).toBe(1);
    expect(t.snap().context.timeouts).toBe(1);
  });

  it('ignores a stray response.done while idle or while our create is in flight', () => {
    const t = start();
    t.send(done('resp_x'));
    expect(t.stage()).toBe('idle');
    t.send(request, done('resp_x'));
    expect(t.stage()).toBe('requested');
    expect(t.creates()).toBe(1);
  });

  it('gives up on an unanswered create after the timeout, without resending it', () => {
    const clock = new SimulatedClock();
    const t = start({ clock });
    t.send(request);
    clock.increment(RESPONSE_CREATE_TIMEOUT_MS - 1);
    expect(t.stage()).toBe('requested');
    clock.increment(1);
    expect(t.stage()).toBe('idle');
    expect(t.snap().context.timeouts).toBe(1);
    expect(t.creates()).toBe(1);
    t.send(request);
    expect(t.creates()).toBe(2);
  });

  it('sends a request that arrived during a timed-out create once the timeout fires', () => {
    const clock = new SimulatedClock();
    const t = start({ clock });
    t.send(requestFor('turn-1'), requestFor('turn-2'));
    clock.increment(RESPONSE_CREATE_TIMEOUT_MS);
    expect(t.creates()).toBe(2);
    expect(t.stage()).toBe('requested');
    expect(t.snap().context.waiting).toEqual([]);
  });

  it('cancels the active response once, however often the host interrupts, and is idle after its done', () => {
    const t = start();
    t.send(created('resp_1'), cancel, cancel);
    expect(t.outbound()).toEqual([{ type: 'response.cancel', event_id: RESPONSE_CANCEL_EVENT_ID }]);
    expect(t.snap().value).toEqual({ active: 'cancelling' });
    t.send(done('resp_1', 'cancelled'));
    expect(t.stage()).toBe('idle');
    // A later response is a new one: an interruption cancels it too.
    t.send(created('resp_2'), cancel);
    expect(t.outbound().filter((e) => e.type === 'response.cancel')).toHaveLength(2);
  });

  it('sends no cancel when nothing is active (idle, blocked, backing off)', () => {
    const clock = new SimulatedClock();
    const t = start({ clock });
    t.send(cancel);
    t.send(request, refusal, cancel);
    expect(t.stage()).toBe('blocked');
    t.send(done('unseen'), cancel);
    expect(t.stage()).toBe('backingOff');
    expect(t.outbound().filter((e) => e.type === 'response.cancel')).toEqual([]);
  });

  it('cancels the response our create in flight starts, as soon as it is created', () => {
    const t = start();
    t.send(request, cancel);
    expect(t.snap().value).toEqual({ requested: 'cancelWhenCreated' });
    expect(t.outbound().map((e) => e.type)).toEqual(['response.create']);
    t.send(created('resp_1'));
    expect(t.outbound().map((e) => e.type)).toEqual(['response.create', 'response.cancel']);
    expect(t.snap().value).toEqual({ active: 'cancelling' });
    expect(t.snap().context.activeResponseIds).toEqual(['resp_1']);
  });

  it('a second response created while cancelling is not cancelled by the first interruption', () => {
    const t = start();
    t.send(created('resp_1'), cancel, created('resp_2'));
    expect(t.snap().value).toEqual({ active: 'running' });
    expect(t.outbound().filter((e) => e.type === 'response.cancel')).toHaveLength(1);
  });

  it('reaches every state through xstate/graph shortest paths', () => {
    const afterTimeout = { type: 'xstate.after.createTimeout.response.requested' } as unknown as ResponseTrackerEvent;
    const afterBackoff = { type: 'xstate.after.backoff.response.backingOff' } as unknown as ResponseTrackerEvent;
    // The graph walks the pure transition function with no parent to send to; sendParent is named, so stub it.
    const paths = getShortestPaths(responseMachine.provide({ actions: { sendCreate: () => {}, reportSent: () => {}, giveUp: () => {}, sendCancel: () => {} } }), {
      events: [request, created('r1'), done('r1'), done('r2'), refusal, error('response_cancel_not_active'), afterTimeout, afterBackoff, cancel],
      input: { maxRetries: 1 },
      // Counters grow forever: keep what the behaviour depends on, plus whether the timeout edge was taken.
      serializeState: (s) => JSON.stringify([s.value, s.context.waiting.length, s.context.retryOwed, s.context.refusals, s.context.activeResponseIds.length, s.context.timeouts > 0]),
    });
    const reached = new Set(paths.map((p) => JSON.stringify(p.state.value)));
    expect([...reached].sort()).toEqual(
      ['"backingOff"', '"blocked"', '"idle"', '{"active":"cancelling"}', '{"active":"running"}', '{"requested":"awaitingResponse"}', '{"requested":"cancelWhenCreated"}'].sort(),
    );
    expect(paths.some((p) => p.state.matches('active') && p.state.context.retryOwed)).toBe(true);
    expect(paths.some((p) => p.state.context.timeouts > 0)).toBe(true);
  });
});

/**
 * A server that behaves like the Realtime API: one response at a time in the default conversation,
 * responses it starts itself (VAD), our creates crossing the wire with some delay, a refusal when a
 * create arrives while a response is active. Assumption: a response lasts far longer than a one-way
 * trip, so a create on the wire reaches the server before the response it races can finish.
 */
type Command = 'request' | 'serverStart' | 'deliver' | 'finish' | 'bargeIn' | 'cancelNotActive' | 'otherError';

function simulate(commands: Command[]) {
  const clock = new SimulatedClock();
  // No cap here: the property is about ordering; the cap has its own test.
  const t = start({ clock, input: { backoffMs: 1, maxRetries: 1_000 } });
  const server = { active: null as string | null, nextId: 1, wire: [] as number[], acceptedSentAt: [] as number[] };
  let tick = 0;
  let lastRequestTick = -1;
  let requests = 0;
  let createdSeen = 0;
  let refusalsSeen = 0;

  const feed = (event: ResponseTrackerEvent) => {
    tick += 1;
    if (event.type === 'response.request') {
      requests += 1;
      lastRequestTick = tick;
    }
    if (event.type === 'response.created') createdSeen += 1;
    if (event === refusal) refusalsSeen += 1;
    // Time passes between any two server events (1 ms: room for the shortest backoff).
    pass(() => {
      t.send(event);
      clock.increment(1);
    });
  };
  /** Runs `act`, then puts every create it made on the wire, checking the promises as it goes. */
  const pass = (act: () => void) => {
    const before = t.creates();
    act();
    for (let i = before; i < t.creates(); i++) {
      // No create while a response is active (the client has seen everything the server said).
      expect(server.active).toBeNull();
      server.wire.push(tick);
    }
    // Never two creates in flight.
    expect(server.wire.length).toBeLessThanOrEqual(1);
    expect(t.creates() - (createdSeen + refusalsSeen)).toBeLessThanOrEqual(1);
    expect(t.snap().context.createsSent).toBe(t.creates());
  };
  const startResponse = () => {
    server.active = `resp_${server.nextId++}`;
    feed(created(server.active));
  };
  const deliver = () => {
    const sentAt = server.wire.shift()!;
    if (server.active !== null) return feed(refusal);
    server.acceptedSentAt.push(sentAt);
    startResponse();
  };
  const finish = (status: string) => {
    while (server.wire.length > 0) deliver();
    const id = server.active!;
    server.active = null;
    feed(done(id, status));
  };

  for (const command of commands) {
    if (command === 'request') feed(requestFor(`turn-${requests + 1}`));
    else if (command === 'serverStart' && server.active === null) startResponse();
    else if (command === 'deliver' && server.wire.length > 0) deliver();
    else if (command === 'finish' && server.active !== null) finish('completed');
    else if (command === 'bargeIn' && server.active !== null) {
      // The user speaks over the response: VAD cancels it, then answers the new turn.
      finish('cancelled');
      startResponse();
    }
    else if (command === 'cancelNotActive') feed(error('response_cancel_not_active'));
    else if (command === 'otherError') feed(error('invalid_value'));
  }
  // Let the server go quiet: answer what is on the wire, finish what is running, and let any
  // backoff run out (refusals in a row wait longer each time), until nothing more happens.
  for (let guard = 0; guard < 200; guard++) {
    if (server.wire.length > 0) deliver();
    else if (server.active !== null) finish('completed');
    else if (t.snap().matches('backingOff')) pass(() => clock.increment(60_000));
    else break;
  }
  return { t, server, requests, lastRequestTick };
}

describe('responseMachine against a simulated server (property)', () => {
  const command = fc.constantFrom<Command>(
    'request',
    'serverStart',
    'deliver',
    'finish',
    'bargeIn',
    'cancelNotActive',
    'otherError',
  );

  it('never has two creates in flight, never creates over an active response, honours every request once', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 60 }), (commands) => {
        const { t, server, requests, lastRequestTick } = simulate(commands);
        expect(server.wire).toEqual([]);
        expect(t.stage()).toBe('idle');
        expect(t.snap().context.waiting).toEqual([]);
        expect(t.snap().context.retryOwed).toBe(false);
        // Each accepted create answers at least one request; the last request got exactly one.
        expect(server.acceptedSentAt.length).toBeLessThanOrEqual(requests);
        const afterLast = server.acceptedSentAt.filter((sentAt) => sentAt >= lastRequestTick);
        expect(afterLast.length).toBe(requests === 0 ? 0 : 1);
        if (requests === 0) expect(t.creates()).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});
