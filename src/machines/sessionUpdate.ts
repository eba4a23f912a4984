/**
 * The `session.update`s the session sends, each with its own `event_id` (so that an `error`
 * refusing it can be told apart from errors about anything else: the server echoes the id in
 * `error.event_id`). Who owns which field decides what each one carries:
 *
 * - the first (`buildSessionUpdate`): the host's configuration (`instructions`, `session`, and any
 *   `updateSession` patch made before it left), the tools and `tool_choice`;
 * - a catalog change (`buildToolsUpdate`): only what the proxy owns, the tools and `tool_choice`,
 *   so it never reverts a field the host changed since;
 * - a host patch (`buildPatchUpdate`): only the host's fields.
 *
 * The server changes only the fields an update carries (realtime-protocol.md §2).
 */
import { isJsonObject } from '../isJsonObject.js';
import type { RealtimeFunctionTool } from '../mcp/types.js';
import type { ClientEvent, McpTool, RealtimeSessionConfig } from '../protocol/generated/types.js';

/**
 * Session fields the host may change mid-session (`proxy.updateSession`): everything but `type`
 * (fixed), `model` (fixed once the session exists), and `tools` / `tool_choice` (the proxy's: it
 * re-sends them on every catalog change).
 */
export type SessionPatch = Partial<Omit<RealtimeSessionConfig, 'type' | 'model' | 'tools' | 'tool_choice'>>;

export interface SessionUpdateInput {
  tools: readonly RealtimeFunctionTool[];
  nativeTools?: readonly McpTool[];
  instructions?: string;
  session?: Partial<Omit<RealtimeSessionConfig, 'type' | 'tools'>>;
  /** The host's `updateSession` patches made before this update left, merged over `session` and `instructions`. */
  patch?: SessionPatch;
}

/** The `event_id` of our n-th `session.update` (n from 1). */
export function sessionUpdateEventId(n: number): string {
  return `rmp_session_update_${n}`;
}

type Fields = Readonly<Record<string, unknown>>;

/** `later`'s fields over `earlier`'s, one level deep (`depth` 0: replace every field). */
function overlay(earlier: unknown, later: Fields, depth: number): Fields {
  const base = isJsonObject(earlier) ? earlier : {};
  // Object.fromEntries defines own properties: a `__proto__` key in a free-form field stays data.
  return Object.fromEntries([
    ...Object.entries(base).filter(([key]) => !Object.hasOwn(later, key)),
    ...Object.entries(later).map(([key, value]) => [key, depth > 0 && isJsonObject(value) && isJsonObject(base[key]) ? overlay(base[key], value, depth - 1) : value]),
  ]);
}

/**
 * `later` over `earlier`, as the session's shape reads: every field replaces the earlier one, but
 * `audio.input` and `audio.output` keep the fields `later` does not name (a new voice keeps the
 * turn detection). A field's value is never merged itself: a `turn_detection` of another `type`
 * must not inherit the old one's `threshold`.
 */
export function mergeSessionPatch(earlier: SessionPatch | undefined, later: SessionPatch): SessionPatch {
  const merged = overlay(earlier, later, 0) as Record<string, unknown>;
  if (isJsonObject(later.audio) && isJsonObject(earlier?.audio)) merged.audio = overlay(earlier.audio, later.audio, 1);
  return merged as SessionPatch;
}

export function buildSessionUpdate(input: SessionUpdateInput, eventId: string): ClientEvent {
  const configured: SessionPatch = { ...input.session, ...(input.instructions === undefined ? {} : { instructions: input.instructions }) };
  return {
    type: 'session.update',
    event_id: eventId,
    session: {
      ...(input.patch ? mergeSessionPatch(configured, input.patch) : configured),
      type: 'realtime',
      tools: [...input.tools, ...(input.nativeTools ?? [])],
      tool_choice: 'auto',
    },
  } as ClientEvent;
}

/** A catalog change: the tools and `tool_choice`, nothing of the host's. */
export function buildToolsUpdate(input: Pick<SessionUpdateInput, 'tools' | 'nativeTools'>, eventId: string): ClientEvent {
  return { type: 'session.update', event_id: eventId, session: { type: 'realtime', tools: [...input.tools, ...(input.nativeTools ?? [])], tool_choice: 'auto' } } as ClientEvent;
}

/** The host's patch, alone. */
export function buildPatchUpdate(patch: SessionPatch, eventId: string): ClientEvent {
  return { type: 'session.update', event_id: eventId, session: { ...patch, type: 'realtime' } } as ClientEvent;
}
