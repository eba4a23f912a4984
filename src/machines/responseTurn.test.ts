import { describe, expect, it } from 'vitest';
import { assign, createActor, sendTo, setup } from 'xstate';
import { getShortestPaths, toDirectedGraph } from 'xstate/graph';
import { responseTurnMachine } from './responseTurn.js';
import { responseMachine } from './response.js';
import { sessionMachine } from './session.js';
import { toolCallMachine } from './toolCall.js';
import { approvalMachine } from './approval.js';
import type { ResponseTurnEvent, ResponseTurnReport } from './types.js';

/** A parent that forwards turn events and records what the turn reports. */
const parent = setup({
  types: { context: {} as { reports: ResponseTurnReport[] }, events: {} as ResponseTurnEvent | ResponseTurnReport },
  actors: { turn: responseTurnMachine },
}).createMachine({
  context: { reports: [] },
  invoke: { src: 'turn', id: 'turn', input: { responseId: 'resp_1', turnId: 'turn-1' } },
  on: {
    'turn.requestResponse': { actions: assign({ reports: ({ context, event }) => [...context.reports, event] }) },
    'turn.withdrawRequest': { actions: assign({ reports: ({ context, event }) => [...context.reports, event] }) },
    'turn.finished': { actions: assign({ reports: ({ context, event }) => [...context.reports, event] }) },
    '*': { actions: sendTo('turn', ({ event }) => event as ResponseTurnEvent) },
  },
});

function start() {
  const actor = createActor(parent).start();
  const turn = actor.getSnapshot().children.turn!;
  return {
    send: (...events: ResponseTurnEvent[]) => events.forEach((e) => actor.send(e)),
    reports: () => actor.getSnapshot().context.reports.map((r) => (r.type === 'turn.finished' ? `finished:${r.responseRequested}` : r.type)),
    state: () => turn.getSnapshot().value,
  };
}

const join = (callId: string) => ({ type: 'turn.callJoined', callId }) as const;
const settle = (callId: string, hadOutput = true) => ({ type: 'turn.callSettled', callId, hadOutput }) as const;
const done = (completed = true) => ({ type: 'turn.responseDone', completed }) as const;

describe('responseTurnMachine', () => {
  it('asks for a response once the response completed and every call settled with an output, and finishes when the create left', () => {
    const t = start();
    t.send(join('a'), join('b'), settle('a'), done());
    expect(t.state()).toBe('awaitingOutputs');
    expect(t.reports()).toEqual([]);
    t.send(settle('b'));
    expect(t.state()).toBe('requesting');
    expect(t.reports()).toEqual(['turn.requestResponse']);
    t.send({ type: 'turn.createSent' });
    expect(t.reports()).toEqual(['turn.requestResponse', 'finished:true']);
  });

  it('finishes without asking when no call sent an output', () => {
    const t = start();
    t.send(join('a'), settle('a', false), done());
    expect(t.reports()).toEqual(['finished:false']);
  });

  it('never asks after a barge-in or a cancelled response, but waits for every call', () => {
    const barged = start();
    barged.send(join('a'), { type: 'turn.bargeIn' }, done(), settle('a'));
    expect(barged.reports()).toEqual(['finished:false']);
    const cancelled = start();
    cancelled.send(join('a'), done(false));
    expect(cancelled.state()).toEqual({ interrupted: 'awaitingOutputs' });
    cancelled.send(settle('a'));
    expect(cancelled.reports()).toEqual(['finished:false']);
  });

  it('withdraws its request when the user speaks before the create could leave', () => {
    const t = start();
    t.send(join('a'), done(), settle('a'), { type: 'turn.bargeIn' });
    expect(t.reports()).toEqual(['turn.requestResponse', 'turn.withdrawRequest', 'finished:false']);
  });

  it('ignores a call settled twice or one it never had', () => {
    const t = start();
    t.send(join('a'), join('b'), settle('a'), settle('a'), settle('zzz'), done());
    expect(t.state()).toBe('awaitingOutputs');
  });

  it('reaches every state through xstate/graph shortest paths', () => {
    const structure = responseTurnMachine.provide({ actions: { requestResponse: () => {}, withdrawRequest: () => {}, reportFinished: () => {} } });
    const paths = getShortestPaths(structure, {
      input: { responseId: 'r', turnId: 't' },
      events: [join('a'), settle('a'), settle('a', false), done(), done(false), { type: 'turn.bargeIn' }, { type: 'turn.createSent' }],
      serializeState: (s) => JSON.stringify([s.value, s.context.callIds.length, s.context.settled.length, s.context.outputs > 0]),
    });
    const reached = new Set(paths.map((p) => JSON.stringify(p.state.value)));
    for (const state of ['"inProgress"', '"awaitingOutputs"', '"requesting"', '{"interrupted":"inProgress"}', '{"interrupted":"awaitingOutputs"}', '"followedUp"', '"closed"']) {
      expect(reached, state).toContain(state);
    }
  });
});

describe('the lifecycles as diagrams', () => {
  it.each([
    ['session', sessionMachine, ['connecting', 'configuring', 'ready', 'synced', 'updating', 'updateQueued', 'closed']],
    ['response', responseMachine, ['idle', 'requested', 'active', 'blocked', 'backingOff']],
    ['responseTurn', responseTurnMachine, ['inProgress', 'awaitingOutputs', 'requesting', 'interrupted', 'followedUp', 'closed']],
    ['toolCall', toolCallMachine, ['streaming', 'awaitingApproval', 'executing', 'executed', 'denied', 'cancelled', 'skipped']],
    ['approval', approvalMachine, ['pending', 'approved', 'denied', 'expired']],
  ] as const)('%s: every state is a node of toDirectedGraph, with labelled edges', (_name, machine, states) => {
    const graph = toDirectedGraph(machine as never);
    const nodes: string[] = [];
    const labels: string[] = [];
    const walk = (node: typeof graph) => {
      nodes.push(node.stateNode.key);
      for (const edge of node.edges) labels.push(edge.label.text);
      node.children.forEach(walk);
    };
    walk(graph);
    for (const state of states) expect(nodes, state).toContain(state);
    expect(labels.length).toBeGreaterThan(0);
    expect(labels.every((label) => label.length > 0)).toBe(true);
  });
});
