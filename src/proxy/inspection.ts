/**
 * Projects XState inspection events to small records a visualizer can draw: which actor, which
 * event type, which state. Event payloads and contexts never leave (they hold arguments, outputs
 * and, on the wire, secrets).
 */
import type { InspectionEvent } from 'xstate';

export interface InspectionRecord {
  at: number;
  /** `@xstate.snapshot` (state after an event) or `@xstate.event` (an event delivered). */
  kind: 'snapshot' | 'event';
  actorId: string;
  parentId?: string;
  /** The id of the machine the actor runs (`session`, `response`, `responseTurn`, `toolCall`, `approval`, `mcpApproval`): a visualizer draws that definition. */
  machine?: string;
  eventType: string;
  /** The state value after the event (snapshots only). */
  state?: unknown;
  status?: string;
}

export function projectInspectionEvent(event: InspectionEvent): InspectionRecord | undefined {
  if (event.type !== '@xstate.snapshot' && event.type !== '@xstate.event') return undefined;
  const ref = event.actorRef as { id?: string; _parent?: { id?: string }; logic?: { config?: { id?: unknown } } };
  const actorId = ref.id ?? '';
  const parentId = ref._parent?.id;
  const machine = ref.logic?.config?.id;
  const base = { at: Date.now(), actorId, ...(parentId ? { parentId } : {}), ...(typeof machine === 'string' ? { machine } : {}), eventType: event.event.type };
  if (event.type === '@xstate.event') return { ...base, kind: 'event' };
  const snapshot = event.snapshot as { value?: unknown; status?: string };
  return { ...base, kind: 'snapshot', ...(snapshot.value !== undefined ? { state: snapshot.value } : {}), ...(snapshot.status ? { status: snapshot.status } : {}) };
}
