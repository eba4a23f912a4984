/**
 * The event console's rows, a pure function of the feed: which way each event went (client ▲,
 * server ▼, proxy), its type, and runs of streaming deltas folded into one row with a count.
 */
import { statePaths } from '../diagrams/activeStates';
import type { FeedEvent } from '../model/feed';

export type ConsoleDirection = 'client' | 'server' | 'proxy';

export interface ConsoleRow {
  /** Stable while the row grows: the id of its first event. */
  key: string;
  direction: ConsoleDirection;
  type: string;
  /** The first event's time. */
  at: number;
  /** The events of the row: one, or a run of deltas. */
  events: FeedEvent[];
}

export interface ConsoleFilter {
  /** Only this display type (`response.done`, `toolCall.ended`…); empty: all. */
  type?: string;
  /** Case-insensitive text looked for in the type and the JSON of the event. */
  text?: string;
  /** Leave out the machines' `inspect` records (many, and drawn by the diagrams anyway). */
  hideInspect?: boolean;
}

/** Streams that arrive as many small events: folded into one row per run. */
export function isCollapsible(type: string): boolean {
  return (
    type === 'response.function_call_arguments.delta' ||
    type === 'input_audio_buffer.append' ||
    (type.endsWith('.delta') && (type.includes('audio') || type.includes('transcript')))
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function directionOf(event: FeedEvent): ConsoleDirection {
  if (event.type === 'realtime.sent') return 'client';
  if (event.type === 'realtime.event') return 'server';
  return 'proxy';
}

/** A Realtime event shows its own type (`response.done`); anything else the feed's type. */
export function displayType(event: FeedEvent): string {
  if (directionOf(event) !== 'proxy') {
    const type = isObject(event.data) ? event.data.type : undefined;
    return typeof type === 'string' && type !== '' ? type : `${event.type} (no type)`;
  }
  return typeof event.type === 'string' && event.type !== '' ? event.type : '(no type)';
}

const jsonOf = new WeakMap<object, string>();
/** The event's JSON, lower-cased for the text filter, once per event. */
function searchableText(event: FeedEvent): string {
  const cached = jsonOf.get(event);
  if (cached !== undefined) return cached;
  let json: string;
  try {
    json = (JSON.stringify(event.data) ?? '').toLowerCase();
  } catch {
    json = '';
  }
  jsonOf.set(event, json);
  return json;
}

export function matchesFilter(event: FeedEvent, filter: ConsoleFilter): boolean {
  if (filter.hideInspect && event.type === 'inspect') return false;
  const type = displayType(event);
  if (filter.type && type !== filter.type) return false;
  const text = filter.text?.trim().toLowerCase();
  if (!text) return true;
  return type.toLowerCase().includes(text) || searchableText(event).includes(text);
}

export function consoleRows(events: readonly FeedEvent[], filter: ConsoleFilter = {}): ConsoleRow[] {
  const rows: ConsoleRow[] = [];
  let previous: ConsoleRow | undefined;
  for (const event of events) {
    if (!event || !matchesFilter(event, filter)) continue;
    const direction = directionOf(event);
    const type = displayType(event);
    if (previous && previous.direction === direction && previous.type === type && isCollapsible(type)) {
      previous.events.push(event);
      continue;
    }
    previous = { key: String(event.id), direction, type, at: event.at, events: [event] };
    rows.push(previous);
  }
  return rows;
}

/** Every display type in `events`, sorted, for the type filter. */
export function seenTypes(events: readonly FeedEvent[]): string[] {
  const types = new Set<string>();
  for (const event of events) if (event) types.add(displayType(event));
  return [...types].sort();
}

const SUMMARY_LENGTH = 120;

/** A short line beside the type: where an actor went, which call an event is about. Empty when nothing is worth it. */
export function summaryOf(event: FeedEvent): string {
  const data = event.data;
  if (!isObject(data)) return '';
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  let summary = '';
  if (event.type === 'inspect') {
    if (data.kind !== 'snapshot') return '';
    const machine = text(data.machine);
    const states = statePaths(data.state).join(', ');
    summary = `${text(data.actorId)}${machine ? ` (${machine})` : ''} ${text(data.eventType)}${states ? ` → ${states}` : ''}`;
  } else if (event.type.startsWith('toolCall.') || event.type.startsWith('approval.')) {
    summary = [text(data.functionName), text(data.callId) || text(data.approvalId), text(data.code) || text(data.decision)].filter(Boolean).join(' ');
  } else if (event.type === 'warning' || event.type === 'error') {
    summary = text(data.message) || text(data.code);
  }
  return summary.length > SUMMARY_LENGTH ? `${summary.slice(0, SUMMARY_LENGTH - 1)}…` : summary;
}

/** `+12.345 s` after `origin`. */
export function relativeTime(at: number, origin: number): string {
  const seconds = Number.isFinite(at) && Number.isFinite(origin) ? (at - origin) / 1000 : 0;
  return `+${seconds.toFixed(3)} s`;
}

/** A name a downloaded file can carry: the session id's safe characters. */
export function recordingFileName(sessionId: string): string {
  const safe = sessionId
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .replace(/^\.+/, '')
    .slice(0, 100);
  return `${safe || 'session'}.jsonl`;
}
