/**
 * Where each machine actor is, from the feed's `inspect` records: a pure derivation. Actor ids,
 * machine names and states come off the wire, so they are data: Maps only, every field checked.
 */
import type { FeedEvent } from '../model/feed';

export interface ActorTransition {
  eventType: string;
  from: string[];
  to: string[];
  at: number;
}

export type ActorStatus = 'active' | 'done' | 'stopped' | 'error';

export interface ActorView {
  /** Unique in the feed: an approval child is `approval` under every call, so its parent is part of the key. */
  key: string;
  actorId: string;
  parentId?: string;
  /** The definition the actor runs (`toolCall`, …), when the record said. */
  machine?: string;
  /** Leaf state paths (`ready.synced`); one per region. */
  states: string[];
  status: ActorStatus;
  transitions: ActorTransition[];
  firstAt: number;
  lastAt: number;
  /** From `toolCall.started`, for a tool call's actor. */
  callId?: string;
  functionName?: string;
}

/** Kept per actor: older transitions are dropped first. */
export const MAX_TRANSITIONS = 500;
const MAX_DEPTH = 16;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A state value → its leaf paths: `{ ready: 'synced' }` → `['ready.synced']`. */
export function statePaths(value: unknown, prefix = '', depth = 0): string[] {
  if (typeof value === 'string') return [prefix ? `${prefix}.${value}` : value];
  if (!isObject(value) || depth > MAX_DEPTH) return prefix ? [prefix] : [];
  const keys = Object.keys(value);
  if (keys.length === 0) return prefix ? [prefix] : [];
  return keys.flatMap((key) => statePaths(value[key], prefix ? `${prefix}.${key}` : key, depth + 1));
}

function statusOf(value: unknown): ActorStatus | undefined {
  return value === 'active' || value === 'done' || value === 'stopped' || value === 'error' ? value : undefined;
}

function sameStates(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((state, index) => state === b[index]);
}

/** Every actor seen in `events`, in order of appearance, keyed by `ActorView.key`. */
export function activeStates(events: readonly FeedEvent[]): Map<string, ActorView> {
  const actors = new Map<string, ActorView>();
  const calls = new Map<string, { callId?: string; functionName?: string }>();
  for (const event of events) {
    if (!event || !isObject(event.data)) continue;
    const data = event.data;
    if (event.type === 'toolCall.started') {
      const actorId = text(data.actorId);
      if (!actorId) continue;
      const call = {
        ...(text(data.callId) ? { callId: text(data.callId) } : {}),
        ...(text(data.functionName) ? { functionName: text(data.functionName) } : {}),
      };
      calls.set(actorId, call);
      for (const actor of actors.values()) if (actor.actorId === actorId && actor.machine === 'toolCall') Object.assign(actor, call);
      continue;
    }
    if (event.type !== 'inspect' || data.kind !== 'snapshot') continue;
    const actorId = text(data.actorId);
    if (!actorId) continue;
    const parentId = text(data.parentId);
    const key = parentId ? `${parentId}\u0000${actorId}` : actorId;
    const at = typeof event.at === 'number' && Number.isFinite(event.at) ? event.at : typeof data.at === 'number' ? data.at : 0;
    let actor = actors.get(key);
    if (!actor) {
      const machine = text(data.machine);
      actor = {
        key,
        actorId,
        ...(parentId ? { parentId } : {}),
        ...(machine ? { machine } : {}),
        states: [],
        status: 'active',
        transitions: [],
        firstAt: at,
        lastAt: at,
        ...(machine === 'toolCall' ? calls.get(actorId) : {}),
      };
      actors.set(key, actor);
    }
    actor.lastAt = at;
    const status = statusOf(data.status);
    if (status) actor.status = status;
    if (data.state === undefined) continue;
    const states = statePaths(data.state);
    if (states.length === 0 || sameStates(states, actor.states)) continue;
    actor.transitions.push({ eventType: text(data.eventType) ?? '(unknown event)', from: actor.states, to: states, at });
    if (actor.transitions.length > MAX_TRANSITIONS) actor.transitions.splice(0, actor.transitions.length - MAX_TRANSITIONS);
    actor.states = states;
  }
  return actors;
}

/** The transitions that led `actor` into `state` (a path such as `ready.synced` or its container `ready`). */
export function transitionsInto(actor: ActorView, state: string): ActorTransition[] {
  const enters = (paths: readonly string[]) => paths.some((path) => path === state || path.startsWith(`${state}.`));
  return actor.transitions.filter((transition) => enters(transition.to) && !enters(transition.from));
}

/** Whether `state` (leaf or container) is one of the actor's current states. */
export function isActiveState(actor: ActorView | undefined, state: string): boolean {
  return actor?.states.some((path) => path === state || path.startsWith(`${state}.`)) ?? false;
}
