/**
 * The session's machines, live: the session, its response machine and the latest response turn,
 * one small diagram per running tool call (with its approval child while there is one), and the
 * finished calls as a list that reopens a call's diagram. Everything is derived from the feed.
 */
import { useMemo, useState } from 'react';
import { approvalMachine, responseMachine, responseTurnMachine, sessionMachine, toolCallMachine } from 'realtime-mcp-proxy';
import type { AnyStateMachine } from 'xstate';
import { useFeedEvents } from '../model/feed';
import { activeStates, type ActorView } from './activeStates';
import { MachineDiagram } from './MachineDiagram';
import { machineGraph, type MachineGraph } from './machineGraph';
import './diagrams.css';

const definitions = new Map<string, AnyStateMachine>([
  ['session', sessionMachine],
  ['response', responseMachine],
  ['responseTurn', responseTurnMachine],
  ['toolCall', toolCallMachine],
  ['approval', approvalMachine],
]);
// Layout is pure and the definitions never change: once per machine per page.
const graphs = new Map<string, MachineGraph>();
function graphOf(machine: string): MachineGraph | undefined {
  const cached = graphs.get(machine);
  if (cached) return cached;
  const definition = definitions.get(machine);
  if (!definition) return undefined;
  const graph = machineGraph(definition);
  graphs.set(machine, graph);
  return graph;
}

function latest(actors: readonly ActorView[], machine: string): ActorView | undefined {
  let found: ActorView | undefined;
  for (const actor of actors) if (actor.machine === machine && (!found || actor.firstAt >= found.firstAt)) found = actor;
  return found;
}

function callTitle(call: ActorView): string {
  return `Tool call ${call.functionName ?? call.actorId}${call.callId ? ` (${call.callId})` : ''}`;
}

function ToolCallDiagrams({ call, approval, origin }: { call: ActorView; approval?: ActorView; origin: number }) {
  const toolCall = graphOf('toolCall');
  const approvalGraph = graphOf('approval');
  return (
    <div className="machine-diagrams__call" data-call-actor={call.actorId}>
      {toolCall && <MachineDiagram graph={toolCall} title={callTitle(call)} actor={call} origin={origin} compact />}
      {approval && approvalGraph && (
        <MachineDiagram graph={approvalGraph} title={`Approval of ${call.functionName ?? call.actorId}`} actor={approval} origin={origin} compact />
      )}
    </div>
  );
}

export function MachineDiagrams() {
  const events = useFeedEvents();
  const actors = useMemo(() => [...activeStates(events).values()], [events]);
  // Calls whose row the user toggled: the newest finished call starts open (its final state is the news), older ones closed.
  const [toggled, setToggled] = useState<ReadonlySet<string>>(new Set());
  const origin = events[0]?.at ?? 0;

  const session = latest(actors, 'session');
  const response = latest(actors, 'response');
  const turn = latest(actors, 'responseTurn');
  const calls = actors.filter((actor) => actor.machine === 'toolCall');
  const approvalOf = (call: ActorView) =>
    latest(
      actors.filter((actor) => actor.parentId === call.actorId),
      'approval',
    );
  const running = calls.filter((call) => call.status === 'active');
  const finished = calls.filter((call) => call.status !== 'active');
  const newest = latest(calls, 'toolCall');
  const toggle = (key: string) =>
    setToggled((current) => {
      const next = new Set(current);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  const sessionGraph = graphOf('session');
  const responseGraph = graphOf('response');
  const turnGraph = graphOf('responseTurn');
  return (
    <section className="machine-diagrams" aria-label="State machines">
      <div className="machine-diagrams__main">
        {sessionGraph && <MachineDiagram graph={sessionGraph} title="Session" actor={session} origin={origin} />}
        {responseGraph && <MachineDiagram graph={responseGraph} title="Responses" actor={response} origin={origin} />}
        {turnGraph && (
          <MachineDiagram graph={turnGraph} title={turn ? `Latest response turn (${turn.actorId})` : 'Response turn'} actor={turn} origin={origin} />
        )}
      </div>
      <h3>Tool calls</h3>
      {calls.length === 0 && <p className="machine-diagrams__empty">No tool call yet.</p>}
      <div className="machine-diagrams__calls">
        {running.map((call) => {
          const approval = approvalOf(call);
          return <ToolCallDiagrams key={call.key} call={call} {...(approval && approval.status === 'active' ? { approval } : {})} origin={origin} />;
        })}
      </div>
      {finished.length > 0 && (
        <ul className="machine-diagrams__finished" aria-label="Finished tool calls">
          {finished.map((call) => {
            const open = toggled.has(call.key) !== (call === newest && running.length === 0);
            const approval = approvalOf(call);
            return (
              <li key={call.key}>
                <button type="button" aria-expanded={open} onClick={() => toggle(call.key)}>
                  {open ? '▾' : '▸'} {callTitle(call)}: {call.states.join(', ') || call.status}
                </button>
                {open && <ToolCallDiagrams call={call} {...(approval ? { approval } : {})} origin={origin} />}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
