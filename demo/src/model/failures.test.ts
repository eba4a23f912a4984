import { describe, expect, it } from 'vitest';
import type { FeedEvent } from './feed';
import { failuresAfter } from './failures';

const event = (id: number, type: string, data: unknown, origin: FeedEvent['origin'] = 'serve'): FeedEvent => ({ id, type, at: id, data, origin });

describe('failuresAfter', () => {
  it("finds the proxy's errors and the Realtime errors after an id, and ignores the rest", () => {
    const events = [
      event(1, 'error', { code: 'mcp_call_failed', message: 'Failed to call tool "x": old.' }),
      event(2, 'error', { code: 'mcp_call_failed', message: 'Failed to call tool "x": refused. Please check the server.' }),
      event(3, 'realtime.error', { type: 'invalid_request_error', code: 'x', message: 'Unknown parameter.' }),
      event(4, 'realtime.error', { error: { message: 'Nested form.' } }),
      event(5, 'error', { code: 'x' }),
      event(6, 'error', 'text'),
      event(7, 'error', { message: 'from the page' }, 'page'),
      event(8, 'warning', { message: 'not a failure' }),
    ];
    expect(failuresAfter(events, 1)).toEqual([
      { id: 2, message: 'Failed to call tool "x": refused. Please check the server.' },
      { id: 3, message: 'The Realtime service reported an error: Unknown parameter.' },
      { id: 4, message: 'The Realtime service reported an error: Nested form.' },
    ]);
  });
});
