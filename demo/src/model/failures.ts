/** Failures the session reports in its events (the proxy's `error`, the Realtime `error`), for the error banner. */
import type { FeedEvent } from './feed';
import { isFields } from './serverEvents';

export interface SessionFailure {
  /** The feed event's id. */
  id: number;
  message: string;
}

/** The failures among the events after `afterId` (feed ids), oldest first. */
export function failuresAfter(events: readonly FeedEvent[], afterId: number): SessionFailure[] {
  const found: SessionFailure[] = [];
  // From the newest back to the last one seen: this runs on every change of a long feed.
  let start = events.length;
  while (start > 0 && events[start - 1]!.id > afterId) start -= 1;
  for (const event of events.slice(start)) {
    if (event.origin !== 'serve') continue;
    const message = event.type === 'error' ? messageOf(event.data) : event.type === 'realtime.error' ? realtimeMessage(event.data) : undefined;
    if (message !== undefined) found.push({ id: event.id, message });
  }
  return found;
}

function messageOf(data: unknown): string | undefined {
  return isFields(data) && typeof data.message === 'string' && data.message !== '' ? data.message.slice(0, 1000) : undefined;
}

function realtimeMessage(data: unknown): string | undefined {
  const inner = isFields(data) && isFields(data.error) ? data.error : data;
  const message = messageOf(inner);
  return message === undefined ? undefined : `The Realtime service reported an error: ${message}`;
}
