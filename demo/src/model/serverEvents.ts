/** Reading the Realtime events a feed carries: the wire's data, checked field by field. */
import type { FeedEvent } from './feed';

export type Fields = Record<string, unknown>;

export function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The server event of a `realtime.event` (serve forwards it as the event's data). */
export function serverEventOf(event: FeedEvent): (Fields & { type: string }) | undefined {
  if (event.type !== 'realtime.event' || !isFields(event.data) || typeof event.data.type !== 'string') return undefined;
  return event.data as Fields & { type: string };
}

/** The client event of a `realtime.sent`. */
export function clientEventOf(event: FeedEvent): (Fields & { type: string }) | undefined {
  if (event.type !== 'realtime.sent' || !isFields(event.data) || typeof event.data.type !== 'string') return undefined;
  return event.data as Fields & { type: string };
}

/** A wire id: a bounded string, or undefined. */
export function idField(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  return typeof value === 'string' && value.length > 0 && value.length <= 256 ? value : undefined;
}

export function textField(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  return typeof value === 'string' ? value : undefined;
}

export function timeField(fields: Fields, name: string): number | undefined {
  const value = fields[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
