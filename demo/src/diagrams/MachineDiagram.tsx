/**
 * One machine drawn as SVG from its laid-out graph, the actor's current state highlighted (colour,
 * a bold outline and a "▶ … (now)" label, so the cue does not rely on colour). A state is a button:
 * clicking it (or Enter/Space) lists the transitions that led the actor there.
 */
import { memo, useId, useState, type KeyboardEvent } from 'react';
import { isActiveState, transitionsInto, type ActorView } from './activeStates';
import type { DiagramEdge, DiagramNode, MachineGraph } from './machineGraph';

export interface MachineDiagramProps {
  graph: MachineGraph;
  title: string;
  actor?: ActorView;
  /** Milliseconds are shown relative to this instant (the feed's first event). */
  origin: number;
  compact?: boolean;
}

function edgePath(edge: DiagramEdge): string {
  const [first, ...rest] = edge.points;
  if (!first) return '';
  return `M${first.x},${first.y}` + rest.map((point) => ` L${point.x},${point.y}`).join('');
}

function formatAt(at: number, origin: number): string {
  return `+${((at - origin) / 1000).toFixed(3)} s`;
}

function StateNode({ node, active, selected, onSelect }: { node: DiagramNode; active: boolean; selected: boolean; onSelect: (id: string) => void }) {
  const container = node.kind === 'compound' || node.kind === 'parallel';
  const label = `${active && !container ? '▶ ' : ''}${node.label}${active ? ' (now)' : ''}`;
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onSelect(node.id);
    }
  };
  const description = [node.id, active ? 'current state' : undefined, node.final ? 'final' : undefined, node.initial ? 'initial' : undefined]
    .filter(Boolean)
    .join(', ');
  return (
    <g
      data-testid="diagram-state"
      data-state={node.id}
      data-active={active ? 'true' : 'false'}
      className={`diagram-state${container ? ' diagram-state--container' : ''}${active ? ' diagram-state--active' : ''}${selected ? ' diagram-state--selected' : ''}${node.final ? ' diagram-state--final' : ''}`}
      role="button"
      tabIndex={0}
      aria-pressed={selected}
      aria-label={`State ${description}. Show the events that led here.`}
      onClick={(event) => {
        event.stopPropagation();
        onSelect(node.id);
      }}
      onKeyDown={onKeyDown}
    >
      <title>
        {[
          description,
          node.handles.length ? `handles: ${node.handles.join(', ')}` : '',
          node.fromAnyState.length ? `from any state: ${node.fromAnyState.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('\n')}
      </title>
      <rect x={node.x} y={node.y} width={node.width} height={node.height} rx={container ? 6 : 12} />
      {node.final && <rect className="diagram-state__inner" x={node.x + 3} y={node.y + 3} width={node.width - 6} height={node.height - 6} rx={9} />}
      <text x={container ? node.x + 8 : node.x + node.width / 2} y={container ? node.y + 14 : node.y + 19} textAnchor={container ? 'start' : 'middle'}>
        {label}
      </text>
      {node.fromAnyState.length > 0 && (
        <text className="diagram-state__note" x={node.x + node.width / 2} y={node.y + node.height - 6} textAnchor="middle">
          ⟵ from any state
        </text>
      )}
      {node.initial && <circle className="diagram-state__initial" cx={node.x - 6} cy={node.y + (container ? 10 : node.height / 2)} r={4} />}
    </g>
  );
}

function MachineDiagramView({ graph, title, actor, origin, compact = false }: MachineDiagramProps) {
  const markerId = `arrow-${useId().replace(/[^A-Za-z0-9_-]/g, '')}`;
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const select = (id: string) => setSelected((current) => (current === id ? undefined : id));
  // Containers first so that their children are drawn (and clicked) on top.
  const nodes = [...graph.nodes].sort((a, b) => Number(b.kind === 'compound') - Number(a.kind === 'compound'));
  const history = selected && actor ? transitionsInto(actor, selected) : [];
  const status = actor ? `${actor.states.join(', ') || 'unknown'}${actor.status === 'active' ? '' : ` (${actor.status})`}` : 'not started';
  return (
    <figure className={`machine-diagram${compact ? ' machine-diagram--compact' : ''}`}>
      <figcaption>
        <strong>{title}</strong> <span className="machine-diagram__status">state: {status}</span>
      </figcaption>
      <div className="machine-diagram__scroll">
        <svg
          data-testid={`diagram-${graph.machine}`}
          data-actor-id={actor?.actorId ?? ''}
          role="group"
          aria-label={`${title} state diagram, current state ${status}`}
          viewBox={`-12 -4 ${graph.width + 24} ${graph.height + 8}`}
          width={graph.width + 24}
          // Shrinks to fit down to a readable size, then the figure scrolls sideways (phones).
          style={{ maxWidth: '100%', minWidth: Math.min(graph.width + 24, compact ? 360 : 560), height: 'auto' }}
        >
          <defs>
            <marker id={markerId} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" fill="currentColor" />
            </marker>
          </defs>
          {nodes
            .filter((node) => node.kind === 'compound' || node.kind === 'parallel')
            .map((node) => (
              <StateNode key={node.id} node={node} active={isActiveState(actor, node.id)} selected={selected === node.id} onSelect={select} />
            ))}
          <g className="diagram-edges" aria-hidden="true">
            {graph.edges.map((edge) => (
              <g key={edge.id}>
                <title>{edge.label}</title>
                <path d={edgePath(edge)} markerEnd={`url(#${markerId})`} className={`diagram-edge diagram-edge--${edge.transitions[0]?.kind ?? 'event'}`} />
                {!compact &&
                  edge.transitions.map((transition, index) => (
                    <text
                      key={index}
                      className="diagram-edge__label"
                      x={edge.labelPosition.x}
                      y={edge.labelPosition.y + (index - (edge.transitions.length - 1) / 2) * 14 + 4}
                      textAnchor="middle"
                    >
                      {transition.label.length > 48 ? `${transition.label.slice(0, 47)}…` : transition.label}
                    </text>
                  ))}
              </g>
            ))}
          </g>
          {nodes
            .filter((node) => node.kind !== 'compound' && node.kind !== 'parallel')
            .map((node) => (
              <StateNode key={node.id} node={node} active={isActiveState(actor, node.id)} selected={selected === node.id} onSelect={select} />
            ))}
        </svg>
      </div>
      {selected && (
        <div className="machine-diagram__history" role="region" aria-live="polite" aria-label={`Events that led to ${selected}`}>
          <strong>Events that led to {selected}</strong>
          {!actor ? (
            <p>No live actor runs this machine yet.</p>
          ) : history.length === 0 ? (
            <p>This actor has not entered {selected}.</p>
          ) : (
            <ol>
              {history.map((transition, index) => (
                <li key={index}>
                  <code>{formatAt(transition.at, origin)}</code> <code>{transition.eventType}</code>: {transition.from.join(', ') || '(start)'} →{' '}
                  {transition.to.join(', ')}
                </li>
              ))}
            </ol>
          )}
          <button type="button" onClick={() => setSelected(undefined)}>
            Close
          </button>
        </div>
      )}
    </figure>
  );
}

function sameActor(a: ActorView | undefined, b: ActorView | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.key === b.key &&
    a.status === b.status &&
    a.transitions.at(-1)?.at === b.transitions.at(-1)?.at &&
    a.transitions.length === b.transitions.length &&
    a.states.join('\n') === b.states.join('\n')
  );
}

/** Actors are derived afresh on every feed event: a diagram redraws only when its actor moved. */
export const MachineDiagram = memo(
  MachineDiagramView,
  (before, after) =>
    before.graph === after.graph &&
    before.title === after.title &&
    before.origin === after.origin &&
    before.compact === after.compact &&
    sameActor(before.actor, after.actor),
);
