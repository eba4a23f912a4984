/**
 * The diagrams against what the proxy really reports: `fixtures/approvedCall.json` holds the
 * `inspect` snapshots and call events of a real session (the e2e harness: simulator, mock MCP
 * server, approval mode `always`, the host approving). Every state an actor reports must be a state
 * of the diagram drawn for its machine, or the highlight would silently vanish.
 */
import { approvalMachine, responseMachine, responseTurnMachine, sessionMachine, toolCallMachine } from 'realtime-mcp-proxy';
import { describe, expect, it } from 'vitest';
import type { FeedEvent } from '../model/feed';
import { activeStates } from './activeStates';
import records from './fixtures/approvedCall.json';
import { machineGraph } from './machineGraph';

const graphs = new Map([sessionMachine, responseMachine, responseTurnMachine, toolCallMachine, approvalMachine].map((machine) => [machine.id, machineGraph(machine)]));

describe('diagrams of a real session’s inspection records', () => {
  const actors = [...activeStates(records as FeedEvent[]).values()];

  it('finds every machine the diagrams draw, and only states those diagrams have', () => {
    expect(new Set(actors.flatMap((actor) => (actor.machine ? [actor.machine] : [])))).toEqual(new Set(['session', 'response', 'responseTurn', 'toolCall', 'approval']));
    for (const actor of actors) {
      if (!actor.machine) continue; // the MCP call's promise actor has no machine to draw
      const nodes = new Set(graphs.get(actor.machine)?.nodes.map((node) => node.id));
      for (const transition of actor.transitions) for (const state of [...transition.from, ...transition.to]) expect(nodes.has(state), `${actor.machine}: ${state}`).toBe(true);
    }
  });

  it('follows the approved call to its final state, its approval child under it', () => {
    const call = actors.find((actor) => actor.machine === 'toolCall');
    expect(call).toMatchObject({ functionName: 'write_note', status: 'done', states: ['executed'] });
    expect(call?.transitions.map((transition) => transition.to[0])).toEqual(['streaming', 'awaitingApproval', 'executing', 'executed']);
    expect(graphs.get('toolCall')?.nodes.find((node) => node.id === 'executed')?.final).toBe(true);
    expect(actors.find((actor) => actor.machine === 'approval')).toMatchObject({ parentId: call?.actorId, status: 'done', states: ['approved'] });
    expect(actors.find((actor) => actor.machine === 'session')?.states).toEqual(['closed']);
  });
});
