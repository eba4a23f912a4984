/**
 * A machine definition → a laid-out state diagram: a pure function of the definition, so a
 * diagram is drawn from the machine itself and never drifts from it.
 *
 * - One node per state (the root is the diagram), named by its path (`ready.synced`); compound
 *   states are containers around their children.
 * - One edge per (source, target) pair, labelled with every event that takes it, guards in
 *   brackets (`call.completed [autoApproved]`), `always` for eventless transitions and readable
 *   names for xstate's own events (`after configureTimeout`, `approval done`).
 * - Transitions without a target (actions only) are not edges: they are listed on the state as the
 *   events it handles in place. Transitions of the root (taken from any state) are listed on their
 *   target.
 *
 * dagre (MIT) lays it out. It cannot route edges to containers, so such an edge is laid out to the
 * container's initial state, which is where the machine goes anyway.
 */
import dagre from '@dagrejs/dagre';
import { and, not, or, type AnyStateMachine } from 'xstate';
import { toDirectedGraph } from 'xstate/graph';

export interface DiagramPoint {
  x: number;
  y: number;
}

export interface DiagramNode {
  /** The state path, `ready.synced`. */
  id: string;
  /** The state's own key, `synced`. */
  label: string;
  /** The path of the compound state containing it, if any. */
  parent?: string;
  kind: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  final: boolean;
  /** The state its parent (or the machine) enters first. */
  initial: boolean;
  /** Events handled without leaving the state (targetless transitions). */
  handles: string[];
  /** Events that take the machine here from any state (the root's transitions). */
  fromAnyState: string[];
  /** Top-left corner and size. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DiagramTransition {
  eventType: string;
  /** What the diagram prints: the event's readable name and its guard. */
  label: string;
  guard?: string;
  kind: 'event' | 'always' | 'after' | 'done' | 'error';
}

export interface DiagramEdge {
  id: string;
  source: string;
  target: string;
  transitions: DiagramTransition[];
  label: string;
  points: DiagramPoint[];
  labelPosition: DiagramPoint;
}

export interface MachineGraph {
  machine: string;
  nodes: DiagramNode[];
  edges: DiagramEdge[];
  width: number;
  height: number;
}

const NODE_HEIGHT = 30;
const CHAR_WIDTH = 7;
const LABEL_HEIGHT = 14;
const ACTIVE_MARKS = ' (now)'.length + 2;

// xstate builds `and`/`or`/`not` guards as functions sharing one `check` each: compared by identity,
// since a minifier renames functions.
const combinatorChecks = new Map<unknown, string>([
  [(and([]) as unknown as { check: unknown }).check, 'and'],
  [(or([]) as unknown as { check: unknown }).check, 'or'],
  [(not('x') as unknown as { check: unknown }).check, 'not'],
]);

/** A guard as text: `autoApproved`, `!owesRetry`, `a & b`. */
export function guardLabel(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object') {
    const type = (guard as { type?: unknown }).type;
    return typeof type === 'string' ? type : 'guard';
  }
  if (typeof guard === 'function') {
    const combinator = combinatorChecks.get((guard as { check?: unknown }).check);
    const parts = ((guard as { guards?: unknown }).guards ?? []) as unknown[];
    const inner = Array.isArray(parts) ? parts.map((part) => guardLabel(part) ?? 'guard') : [];
    if (combinator === 'not') return `!${inner[0] ?? 'guard'}`;
    if (combinator === 'and') return inner.join(' & ');
    if (combinator === 'or') return inner.join(' | ');
    return guard.name || 'guard';
  }
  return 'guard';
}

/** xstate's own event names made readable: `xstate.after.backoff.response.backingOff` → `after backoff`. */
export function eventLabel(eventType: string): { label: string; kind: DiagramTransition['kind'] } {
  if (eventType === '') return { label: 'always', kind: 'always' };
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType);
  if (after) return { label: `after ${after[1]}`, kind: 'after' };
  const done = /^xstate\.done\.actor\.(.+)$/.exec(eventType);
  if (done) return { label: `${done[1]} done`, kind: 'done' };
  const error = /^xstate\.error\.actor\.(.+)$/.exec(eventType);
  if (error) return { label: `${error[1]} error`, kind: 'error' };
  if (eventType.startsWith('xstate.done.state.')) return { label: 'done', kind: 'done' };
  return { label: eventType, kind: 'event' };
}

interface StateNodeLike {
  key: string;
  path: string[];
  type: DiagramNode['kind'];
  parent?: StateNodeLike;
  initial?: { target?: StateNodeLike[] };
  states: Record<string, StateNodeLike>;
  always?: Array<{ target?: StateNodeLike[]; guard?: unknown; eventType: string }>;
}

interface TransitionLike {
  eventType: string;
  target?: StateNodeLike[];
  guard?: unknown;
}

function pathOf(node: StateNodeLike): string {
  return node.path.join('.');
}

function transitionOf(eventType: string, guard: unknown): DiagramTransition {
  const { label, kind } = eventLabel(eventType);
  const guardText = guardLabel(guard);
  return { eventType, label: guardText ? `${label} [${guardText}]` : label, ...(guardText ? { guard: guardText } : {}), kind };
}

/** The leaf a transition into `node` ends in: compound states enter their initial child. */
function entryLeaf(node: StateNodeLike): StateNodeLike {
  let current = node;
  for (let depth = 0; depth < 32; depth++) {
    const next = current.initial?.target?.[0];
    if (!next || current.type !== 'compound') return current;
    current = next;
  }
  return current;
}

/** Lays out `machine`'s states and transitions. Deterministic: the same definition gives the same graph. */
export function machineGraph(machine: AnyStateMachine): MachineGraph {
  const root = toDirectedGraph(machine);
  const rootNode = root.stateNode as unknown as StateNodeLike;
  const nodes = new Map<string, DiagramNode>();
  const stateNodes = new Map<string, StateNodeLike>();
  const edges = new Map<string, { source: string; target: string; transitions: DiagramTransition[] }>();

  const addEdge = (source: StateNodeLike, target: StateNodeLike, transition: DiagramTransition) => {
    const key = `${pathOf(source)}\u0000${pathOf(target)}`;
    const edge = edges.get(key) ?? { source: pathOf(source), target: pathOf(target), transitions: [] };
    edge.transitions.push(transition);
    edges.set(key, edge);
  };

  const rootTransitions: Array<{ target: StateNodeLike; transition: DiagramTransition }> = [];
  type GraphNode = { stateNode: unknown; children: GraphNode[]; edges: Array<{ transition: unknown }> };
  const visit = (graphNode: GraphNode) => {
    const stateNode = graphNode.stateNode as StateNodeLike;
    const isRoot = stateNode === rootNode;
    const id = pathOf(stateNode);
    if (!isRoot) {
      const parent = stateNode.parent && stateNode.parent !== rootNode ? pathOf(stateNode.parent) : undefined;
      const initial = stateNode.parent?.initial?.target?.includes(stateNode) ?? false;
      nodes.set(id, {
        id,
        label: stateNode.key,
        ...(parent ? { parent } : {}),
        kind: stateNode.type,
        final: stateNode.type === 'final',
        initial,
        handles: [],
        fromAnyState: [],
        x: 0,
        y: 0,
        width: 0,
        height: 0,
      });
      stateNodes.set(id, stateNode);
    }
    // toDirectedGraph lists one edge per target; a targetless transition points back at its source.
    const seen = new Set<unknown>();
    for (const edge of graphNode.edges) {
      const transition = edge.transition as TransitionLike;
      if (seen.has(transition)) continue;
      seen.add(transition);
      const described = transitionOf(transition.eventType, transition.guard);
      if (!transition.target || transition.target.length === 0) {
        if (!isRoot) nodes.get(id)?.handles.push(described.label);
        continue;
      }
      for (const target of transition.target) {
        if (isRoot) rootTransitions.push({ target, transition: described });
        else addEdge(stateNode, target, described);
      }
    }
    for (const always of stateNode.always ?? []) {
      for (const target of always.target ?? []) {
        const described = transitionOf('', always.guard);
        if (isRoot) rootTransitions.push({ target, transition: described });
        else addEdge(stateNode, target, described);
      }
    }
    graphNode.children.forEach(visit);
  };
  visit(root as unknown as GraphNode);
  for (const { target, transition } of rootTransitions) nodes.get(pathOf(target))?.fromAnyState.push(transition.label);

  const graph = new dagre.graphlib.Graph({ compound: true, multigraph: true });
  graph.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 36, edgesep: 12, marginx: 8, marginy: 8 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes.values()) {
    const extra = node.fromAnyState.length > 0 ? 1 : 0;
    // Room for the active label's "▶ " and " (now)", so the layout does not change with the state.
    graph.setNode(node.id, { width: Math.max(64, (node.label.length + ACTIVE_MARKS) * CHAR_WIDTH + 20), height: NODE_HEIGHT + extra * LABEL_HEIGHT });
  }
  for (const node of nodes.values()) if (node.parent) graph.setParent(node.id, node.parent);
  const laidOutEdges = [...edges.values()].map((edge, index) => {
    const id = `e${index}`;
    const label = edge.transitions.map((transition) => transition.label).join(' / ');
    const source = pathOf(entryLeaf(stateNodes.get(edge.source) as StateNodeLike));
    const target = pathOf(entryLeaf(stateNodes.get(edge.target) as StateNodeLike));
    // The label is drawn one transition a line.
    const widest = Math.max(...edge.transitions.map((transition) => transition.label.length));
    graph.setEdge(source, target, { width: Math.min(widest, 48) * 6, height: edge.transitions.length * LABEL_HEIGHT, labelpos: 'c' }, id);
    return { id, ...edge, label, layoutSource: source, layoutTarget: target };
  });
  dagre.layout(graph);

  for (const node of nodes.values()) {
    const box = graph.node(node.id) as { x: number; y: number; width: number; height: number };
    Object.assign(node, { x: box.x - box.width / 2, y: box.y - box.height / 2, width: box.width, height: box.height });
  }
  const result: DiagramEdge[] = laidOutEdges.map(({ id, source, target, transitions, label, layoutSource, layoutTarget }) => {
    const laid = graph.edge({ v: layoutSource, w: layoutTarget, name: id }) as { points?: DiagramPoint[]; x?: number; y?: number };
    const points = (laid.points ?? []).map(({ x, y }) => ({ x, y }));
    const middle = points[Math.floor(points.length / 2)] ?? { x: 0, y: 0 };
    return { id, source, target, transitions, label, points, labelPosition: { x: laid.x ?? middle.x, y: laid.y ?? middle.y } };
  });
  const size = graph.graph() as { width?: number; height?: number };
  return { machine: machine.id, nodes: [...nodes.values()], edges: result, width: Math.ceil(size.width ?? 0), height: Math.ceil(size.height ?? 0) };
}
