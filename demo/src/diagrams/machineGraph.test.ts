import { approvalMachine, responseMachine, responseTurnMachine, sessionMachine, toolCallMachine } from 'realtime-mcp-proxy';
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { eventLabel, guardLabel, machineGraph } from './machineGraph';

const machines: AnyStateMachine[] = [sessionMachine, responseMachine, responseTurnMachine, toolCallMachine, approvalMachine];

/** Every state path of a definition, read from the definition itself (not from toDirectedGraph). */
function statePaths(machine: AnyStateMachine): string[] {
  const paths: string[] = [];
  const walk = (states: Record<string, { states?: Record<string, unknown> }> | undefined, prefix: string) => {
    for (const [key, state] of Object.entries(states ?? {})) {
      const path = prefix ? `${prefix}.${key}` : key;
      paths.push(path);
      walk(state.states as never, path);
    }
  };
  walk(machine.config.states as never, '');
  return paths;
}

describe('machineGraph', () => {
  it.each(machines.map((machine) => [machine.id, machine] as const))(
    'draws every state of %s exactly once, and edges between existing states',
    (_, machine) => {
      const graph = machineGraph(machine);
      const ids = graph.nodes.map((node) => node.id);
      expect(ids.length).toBeGreaterThan(1);
      expect([...ids].sort()).toEqual(statePaths(machine).sort());
      const known = new Set(ids);
      for (const edge of graph.edges) {
        expect(known.has(edge.source), edge.source).toBe(true);
        expect(known.has(edge.target), edge.target).toBe(true);
        expect(edge.label).not.toBe('');
        expect(edge.points.length).toBeGreaterThan(0);
      }
      for (const node of graph.nodes) {
        if (node.parent) expect(known.has(node.parent)).toBe(true);
        expect(node.width).toBeGreaterThan(0);
        expect(Number.isFinite(node.x) && Number.isFinite(node.y)).toBe(true);
      }
      expect(graph.nodes.filter((node) => node.initial && !node.parent)).toHaveLength(1);
    },
  );

  it('marks the tool call’s final states final, and only those', () => {
    const graph = machineGraph(toolCallMachine);
    expect(
      graph.nodes
        .filter((node) => node.final)
        .map((node) => node.id)
        .sort(),
    ).toEqual(['cancelled', 'denied', 'executed', 'skipped']);
    expect(graph.nodes.find((node) => node.id === 'streaming')).toMatchObject({ final: false, initial: true });
  });

  it('nests compound states and labels guarded, eventless and delayed transitions', () => {
    const session = machineGraph(sessionMachine);
    expect(session.nodes.find((node) => node.id === 'ready.synced')).toMatchObject({ parent: 'ready', label: 'synced', initial: true });
    expect(session.nodes.find((node) => node.id === 'ready')).toMatchObject({ kind: 'compound' });
    const labels = session.edges.flatMap((edge) => edge.transitions.map((transition) => transition.label));
    expect(labels).toContain('always [canConfigure]');
    expect(labels).toContain('after configureTimeout');
    // The root's transitions are taken from any state: listed on their target, not drawn from nowhere.
    expect(session.nodes.find((node) => node.id === 'closed')?.fromAnyState).toEqual(['transport.closed', 'session.close']);
    const response = machineGraph(responseMachine);
    const backoff = response.edges.find((edge) => edge.source === 'backingOff' && edge.target === 'idle');
    expect(backoff?.transitions.map((transition) => transition.label)).toEqual(['after backoff', 'always [!owesRetry]']);
    const toolCall = machineGraph(toolCallMachine);
    expect(toolCall.edges.find((edge) => edge.source === 'awaitingApproval' && edge.target === 'executing')?.label).toBe('approval done [approvalGranted]');
    // Targetless transitions are events handled in place, not self-loops.
    expect(toolCall.nodes.find((node) => node.id === 'streaming')?.handles).toEqual(['call.arguments.delta']);
  });

  it('lays out the same definition the same way every time', () => {
    for (const machine of machines) expect(JSON.stringify(machineGraph(machine))).toBe(JSON.stringify(machineGraph(machine)));
  });

  it('names events and guards readably', () => {
    expect(eventLabel('xstate.error.actor.execute')).toEqual({ label: 'execute error', kind: 'error' });
    expect(eventLabel('xstate.done.state.x.y')).toEqual({ label: 'done', kind: 'done' });
    expect(eventLabel('call.completed')).toEqual({ label: 'call.completed', kind: 'event' });
    expect(guardLabel({ type: 'approvalGranted', params: {} })).toBe('approvalGranted');
    expect(guardLabel(undefined)).toBeUndefined();
    expect(guardLabel(42)).toBe('guard');
  });
});
