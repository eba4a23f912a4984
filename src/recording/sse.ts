/** Server-sent events, as far as recording and replaying MCP answers needs them. */

export interface SseEvent {
  event?: string;
  id?: string;
  data: string;
}

/**
 * Splits buffered SSE text into complete events (ended by a blank line) and the unfinished rest.
 * Comment lines and `retry:` are dropped; several `data:` lines join with newlines.
 */
export function parseSseChunk(buffered: string): { events: SseEvent[]; rest: string } {
  const normalized = buffered.replace(/\r\n?/g, '\n');
  const blocks = normalized.split('\n\n');
  let rest = blocks.pop() ?? '';
  // A CR at the very end may be the first half of a CRLF cut by the chunk boundary: it goes back as a
  // CR, so that the LF starting the next chunk does not count as a second line end.
  if (rest !== '' && buffered.endsWith('\r')) rest = `${rest.slice(0, -1)}\r`;
  const events: SseEvent[] = [];
  for (const block of blocks) {
    const event: SseEvent = { data: '' };
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'event') event.event = value;
      else if (field === 'id') event.id = value;
    }
    if (data.length === 0) continue;
    event.data = data.join('\n');
    events.push(event);
  }
  return { events, rest };
}

/** One event as SSE text. */
export function formatSseEvent(event: SseEvent): string {
  return `${event.event ? `event: ${event.event}\n` : ''}${event.id ? `id: ${event.id}\n` : ''}${event.data
    .split('\n')
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`;
}
