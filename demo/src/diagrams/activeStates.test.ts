import { describe, expect, it } from 'vitest';
import type { FeedEvent } from '../model/feed';
import { activeStates, isActiveState, MAX_TRANSITIONS, statePaths, transitionsInto } from './activeStates';

let nextId = 1;
function feedEvent(type: string, data: unknown, at = nextId): FeedEvent {
  return { id: nextId++, type, at, data, origin: 'serve' };
}
function snapshot(actorId: unknown, state: unknown, extra: Record<string, unknown> = {}): FeedEvent {
  return feedEvent('inspect', { kind: 'snapshot', actorId, eventType: 'e', state, status: 'active', ...extra });
}

describe('statePaths', () => {
  it('turns state values into leaf paths', () => {
    expect(statePaths('idle')).toEqual(['idle']);
    expect(statePaths({ ready: 'synced' })).toEqual(['ready.synced']);
    expect(statePaths({ a: { b: 'c' }, d: 'e' })).toEqual(['a.b.c', 'd.e']);
    expect(statePaths({ ready: {} })).toEqual(['ready']);
    expect(statePaths(42)).toEqual([]);
    expect(statePaths(null)).toEqual([]);
    expect(statePaths(['x'])).toEqual([]);
  });
});

describe('activeStates', () => {
  it('follows each actor’s state, status and transitions, and names tool calls', () => {
    const events = [
      snapshot('x:0', 'connecting', { machine: 'session', eventType: 'xstate.init' }),
      snapshot('x:0', 'configuring', { machine: 'session', eventType: 'session.created' }),
      snapshot('x:0', { ready: 'synced' }, { machine: 'session', eventType: 'session.updated' }),
      snapshot('x:0', { ready: 'synced' }, { machine: 'session', eventType: 'response.created' }),
      feedEvent('toolCall.started', { callId: 'call_1', functionName: 'echo', responseId: 'resp_1', actorId: 'call-1' }),
      snapshot('call-1', 'streaming', { machine: 'toolCall', parentId: 'x:0', eventType: 'xstate.init' }),
      snapshot('call-1', 'awaitingApproval', { machine: 'toolCall', parentId: 'x:0', eventType: 'call.completed' }),
      snapshot('approval', 'pending', { machine: 'approval', parentId: 'call-1', eventType: 'xstate.init' }),
      snapshot('approval', 'approved', { machine: 'approval', parentId: 'call-1', eventType: 'approval.approve', status: 'done' }),
      snapshot('call-1', 'executing', { machine: 'toolCall', parentId: 'x:0', eventType: 'xstate.done.actor.approval' }),
      snapshot('call-1', 'executed', { machine: 'toolCall', parentId: 'x:0', eventType: 'xstate.done.actor.execute', status: 'done' }),
    ];
    const actors = activeStates(events);
    expect([...actors.values()].map((actor) => [actor.machine, actor.actorId])).toEqual([
      ['session', 'x:0'],
      ['toolCall', 'call-1'],
      ['approval', 'approval'],
    ]);
    const session = actors.get('x:0');
    expect(session?.states).toEqual(['ready.synced']);
    expect(session?.transitions.map((transition) => transition.eventType)).toEqual(['xstate.init', 'session.created', 'session.updated']);
    expect(isActiveState(session, 'ready')).toBe(true);
    expect(isActiveState(session, 'ready.synced')).toBe(true);
    expect(isActiveState(session, 'closed')).toBe(false);
    const call = actors.get('x:0\u0000call-1');
    expect(call).toMatchObject({ callId: 'call_1', functionName: 'echo', status: 'done', states: ['executed'] });
    expect(transitionsInto(call!, 'executed')).toEqual([{ eventType: 'xstate.done.actor.execute', from: ['executing'], to: ['executed'], at: call!.lastAt }]);
    expect(actors.get('call-1\u0000approval')).toMatchObject({ machine: 'approval', parentId: 'call-1', status: 'done', states: ['approved'] });
  });

  it('keeps approval children of different calls apart', () => {
    const actors = activeStates([
      snapshot('approval', 'pending', { machine: 'approval', parentId: 'call-1' }),
      snapshot('approval', 'denied', { machine: 'approval', parentId: 'call-2' }),
    ]);
    expect([...actors.values()].map((actor) => `${actor.parentId}:${actor.states[0]}`)).toEqual(['call-1:pending', 'call-2:denied']);
  });

  it('survives hostile records', () => {
    const events = [
      feedEvent('inspect', null),
      feedEvent('inspect', 'snapshot'),
      feedEvent('inspect', [1, 2]),
      feedEvent('inspect', { kind: 'snapshot' }),
      feedEvent('inspect', { kind: 'snapshot', actorId: 7, state: 'x' }),
      feedEvent('inspect', { kind: 'event', actorId: 'a', eventType: 'go' }),
      snapshot('__proto__', 'idle', { machine: '__proto__' }),
      snapshot('constructor', { hasOwnProperty: 'x' }, { machine: 'no-such-machine', status: 'weird', eventType: 3 }),
      snapshot('deep', JSON.parse('{"__proto__":"polluted"}')),
      snapshot('noState', undefined),
      feedEvent('toolCall.started', { actorId: '__proto__', callId: {}, functionName: 5 }),
      feedEvent('toolCall.started', null),
      { id: 999, type: 'inspect', at: Number.NaN, data: { kind: 'snapshot', actorId: 'nan', state: 'x' }, origin: 'serve' } as FeedEvent,
    ];
    const actors = activeStates(events);
    expect([...actors.keys()]).toEqual(['__proto__', 'constructor', 'deep', 'noState', 'nan']);
    expect(actors.get('__proto__')).toMatchObject({ machine: '__proto__', states: ['idle'] });
    expect(actors.get('constructor')).toMatchObject({ machine: 'no-such-machine', status: 'active', states: ['hasOwnProperty.x'] });
    expect(actors.get('constructor')?.transitions[0]?.eventType).toBe('(unknown event)');
    expect(actors.get('deep')?.states).toEqual(['__proto__.polluted']);
    expect(actors.get('noState')?.states).toEqual([]);
    expect(actors.get('nan')?.lastAt).toBe(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps the latest transitions of a long-lived actor', () => {
    const events = Array.from({ length: MAX_TRANSITIONS + 50 }, (_, index) => snapshot('x:0', index % 2 ? 'a' : 'b', { eventType: `e${index}` }));
    const actor = activeStates(events).get('x:0');
    expect(actor?.transitions).toHaveLength(MAX_TRANSITIONS);
    expect(actor?.transitions.at(-1)?.eventType).toBe(`e${MAX_TRANSITIONS + 49}`);
  });
});
