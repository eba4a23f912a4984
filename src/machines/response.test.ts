import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedClock, assign, createActor, sendTo, setup } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import type { ClientEvent } from '../protocol/generated/types.js';
import {
  RESPONSE_CREATE_TIMEOUT_MS,
  isCreateInFlight,
  isResponseActive,
  responseMachine,
  type ResponseSnapshot,
} from './response.js';
import type { Outbound, ResponseTrackerEvent } from './types.js';

/** sendParent needs a parent: this one forwards tracker events, as the session does, and records outbound. */
const testParent = setup({
  types: {
    context: {} as { outbound: ClientEvent[] },
    events: {} as ResponseTrackerEvent | Outbound,
  },
  actors: { response: responseMachine },
}).createMachine({
  context: { outbound: [] },
  invoke: { src: 'response', id: 'response', systemId: 'response' },
  on: {
    outbound: { actions: assign({ outbound: ({ context, event }) => [...context.outbound, event.event] }) },
    'response.*': { actions: sendTo('response', ({ event }) => event as ResponseTrackerEvent) },
  },
});

function start(options: { clock?: SimulatedClock } = {}) {
  const actor = createActor(testParent, options).start();
  const child = actor.getSnapshot().children.response!;
  return {
    send: (...events: ResponseTrackerEvent[]) => events.forEach((e) => actor.send(e)),
    creates: () => actor.getSnapshot().context.outbound.filter((e) => e.type === 'response.create').length,
    outbound: () => actor.getSnapshot().context.outbound,
    snap: (): ResponseSnapshot => child.getSnapshot(),
  };
}

const request = { type: 'response.request' } as const;
const created = (responseId: string) => ({ type: 'response.created', responseId }) as const;
const done = (responseId: string, status = 'completed') => ({ type: 'response.done', responseId, status }) as const;
const error = (code: string | null | undefined) => ({ type: 'response.error', code }) as const;
const refusal = error('conversation_already_has_active_response');

describe('responseMachine', () => {
  it('sends one response.create for a request when idle, and tracks the response it starts', () => {
    const t = start();
    t.send(request);
    expect(t.outbound()).toEqual([{ type: 'response.create' }]);
    expect(t.snap().value).toBe('requested');
    expect(isCreateInFlight(t.snap())).toBe(true);
    t.send(created('resp_1'));
    expect(isResponseActive(t.snap())).toBe(true);
    expect(t.snap().context.activeResponseId).toBe('resp_1');
    t.send(done('resp_1'));
    expect(t.snap().value).toBe('idle');
    expect(t.snap().context).toMatchObject({ activeResponseId: null, pending: false, createsSent: 1 });
  });

  it('holds a request made while a response is active until its response.done', () => {
    const t = start();
    t.send(created('resp_vad'), request);
    expect(t.creates()).toBe(0);
    expect(t.snap().context.pending).toBe(true);
    t.send(done('resp_vad'));
    expect(t.creates()).toBe(1);
    expect(t.snap().value).toBe('requested');
  });

  it('collapses three requests made while busy into one create', () => {
    const t = start();
    t.send(created('resp_1'), request, request, request, done('resp_1'));
    expect(t.creates()).toBe(1);
    // Same while our own create is in flight: one for the first request, one for the three after it.
    t.send(request, request, request);
    expect(t.creates()).toBe(1);
    t.send(created('resp_2'), done('resp_2'));
    expect(t.creates()).toBe(2);
    t.send(created('resp_3'), done('resp_3'));
    expect(t.creates()).toBe(2);
    expect(t.snap().value).toBe('idle');
  });

  it('after an active-response refusal, waits for response.done and then sends once', () => {
    const t = start();
    t.send(request, refusal);
    expect(t.snap().value).toBe('active');
    expect(t.snap().context).toMatchObject({ activeResponseId: null, pending: true, refusals: 1 });
    t.send(request);
    expect(t.creates()).toBe(1);
    t.send(done('resp_unknown'));
    expect(t.creates()).toBe(2);
    t.send(created('resp_ours'), done('resp_ours'));
    expect(t.creates()).toBe(2);
  });

  it('resends after response.done when the server started a response while our create was on the wire', () => {
    const t = start();
    t.send(request, created('resp_vad'), refusal);
    expect(t.snap().context).toMatchObject({ activeResponseId: 'resp_vad', pending: true });
    expect(t.creates()).toBe(1);
    t.send(done('resp_vad'));
    expect(t.creates()).toBe(2);
  });

  it('does not ask again when the racing response began after our items had arrived (it answers them)', () => {
    const t = start();
    t.send(request, { type: 'response.created', responseId: 'resp_vad', coversRequest: true }, refusal, done('resp_vad'));
    expect(t.creates()).toBe(1);
    expect(t.snap().value).toBe('idle');
    // Without that knowledge, the refused request is sent again.
    const u = start();
    u.send(request, { type: 'response.created', responseId: 'resp_vad', coversRequest: false }, refusal, done('resp_vad'));
    expect(u.creates()).toBe(2);
  });

  it('ignores response_cancel_not_active and other error codes in every state', () => {
    const t = start();
    const ignored = [error('response_cancel_not_active'), error('invalid_value'), error(null), error(undefined)];
    for (const setUp of [[], [request], [created('resp_1')]] as ResponseTrackerEvent[][]) {
      t.send(...setUp);
      const before = t.snap();
      t.send(...ignored);
      expect(t.snap().value).toBe(before.value);
      expect(t.snap().context).toEqual(before.context);
    }
    expect(t.creates()).toBe(1);
  });

  it('tracks a response the server started on its own, and sends nothing for it', () => {
    const t = start();
    t.send(created('resp_vad'));
    expect(isResponseActive(t.snap())).toBe(true);
    expect(t.snap().context.activeResponseId).toBe('resp_vad');
    t.send(done('resp_other'));
    expect(isResponseActive(t.snap())).toBe(true);
    t.send(done('resp_vad', 'cancelled'));
    expect(t.snap().value).toBe('idle');
    expect(t.creates()).toBe(0);
  });

  it('ignores a stray response.done while idle or while our create is in flight', () => {
    const t = start();
    t.send(done('resp_x'));
    expect(t.snap().value).toBe('idle');
    t.send(request, done('resp_x'));
    expect(t.snap().value).toBe('requested');
    expect(t.creates()).toBe(1);
  });

  it('gives up on an unanswered create after the timeout, without resending it', () => {
    const clock = new SimulatedClock();
    const t = start({ clock });
    t.send(request);
    clock.increment(RESPONSE_CREATE_TIMEOUT_MS - 1);
    expect(t.snap().value).toBe('requested');
    clock.increment(1);
    expect(t.snap().value).toBe('idle');
    expect(t.snap().context.timeouts).toBe(1);
    expect(t.creates()).toBe(1);
    t.send(request);
    expect(t.creates()).toBe(2);
  });

  it('sends a request that arrived during a timed-out create once the timeout fires', () => {
    const clock = new SimulatedClock();
    const t = start({ clock });
    t.send(request, request);
    clock.increment(RESPONSE_CREATE_TIMEOUT_MS);
    expect(t.creates()).toBe(2);
    expect(t.snap().value).toBe('requested');
    expect(t.snap().context.pending).toBe(false);
  });

  it('reaches every state through xstate/graph shortest paths', () => {
    const afterTimeout = { type: 'xstate.after.createTimeout.response.requested' } as unknown as ResponseTrackerEvent;
    // The graph walks the pure transition function with no parent to send to; sendParent is named, so stub it.
    const paths = getShortestPaths(responseMachine.provide({ actions: { sendCreate: () => {} } }), {
      events: [request, created('r1'), done('r1'), done('r2'), refusal, error('response_cancel_not_active'), afterTimeout],
      // Counters grow forever: keep what the behaviour depends on, plus whether the timeout edge was taken.
      serializeState: (s) =>
        JSON.stringify([s.value, s.context.pending, s.context.activeResponseId, s.context.timeouts > 0]),
    });
    const reached = new Set(paths.map((p) => String(p.state.value)));
    expect([...reached].sort()).toEqual(['active', 'idle', 'requested']);
    expect(paths.some((p) => p.state.matches('active') && p.state.context.pending)).toBe(true);
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
  const t = start();
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
    const before = t.creates();
    t.send(event);
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
    if (command === 'request') feed(request);
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
  // Let the server go quiet: answer what is on the wire, finish what is running.
  for (let guard = 0; guard < 100 && (server.wire.length > 0 || server.active !== null); guard++) {
    if (server.wire.length > 0) deliver();
    else finish('completed');
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
        expect(t.snap().value).toBe('idle');
        expect(t.snap().context.pending).toBe(false);
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
