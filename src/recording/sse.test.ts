import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSseEvent, parseSseChunk, type SseEvent } from './sse.js';

/** Feeds `chunks` one after the other, as a stream reader would, and collects every event. */
function parseChunks(chunks: readonly string[]): { events: SseEvent[]; rest: string } {
  const events: SseEvent[] = [];
  let buffered = '';
  for (const chunk of chunks) {
    const parsed = parseSseChunk(buffered + chunk);
    events.push(...parsed.events);
    buffered = parsed.rest;
  }
  return { events, rest: buffered };
}

/** Cuts `text` at the given offsets (any order, duplicates allowed). */
function split(text: string, cuts: readonly number[]): string[] {
  const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(text.slice(from, point));
    from = point;
  }
  chunks.push(text.slice(from));
  return chunks;
}

describe('parseSseChunk', () => {
  it('parses complete events with their event and id fields', () => {
    const { events, rest } = parseSseChunk('event: message\nid: 1\ndata: {"jsonrpc":"2.0","id":1}\n\ndata: second\n\n');
    expect(events).toStrictEqual([{ event: 'message', id: '1', data: '{"jsonrpc":"2.0","id":1}' }, { data: 'second' }]);
    expect(rest).toBe('');
  });

  it('leaves out event and id when the event has none', () => {
    const [event] = parseSseChunk('data: x\n\n').events;
    expect(event).toStrictEqual({ data: 'x' });
    expect(Object.keys(event!)).toStrictEqual(['data']);
  });

  it('returns an unfinished event as the rest, unparsed, and finishes it when the rest comes', () => {
    const first = parseSseChunk('data: one\n\nevent: message\ndata: {"par');
    expect(first.events).toStrictEqual([{ data: 'one' }]);
    expect(first.rest).toBe('event: message\ndata: {"par');
    const second = parseSseChunk(`${first.rest}tial":true}\n\n`);
    expect(second.events).toStrictEqual([{ event: 'message', data: '{"partial":true}' }]);
    expect(second.rest).toBe('');
  });

  it('needs the blank line: one line end is not the end of an event', () => {
    expect(parseSseChunk('data: x\n')).toStrictEqual({ events: [], rest: 'data: x\n' });
    expect(parseSseChunk('data: x\n\n').events).toStrictEqual([{ data: 'x' }]);
  });

  it('joins several data lines with \\n', () => {
    expect(parseSseChunk('data: line 1\ndata: line 2\ndata:\ndata: line 4\n\n').events).toStrictEqual([{ data: 'line 1\nline 2\n\nline 4' }]);
  });

  it('reads CRLF and CR line ends as LF', () => {
    expect(parseSseChunk('event: a\r\ndata: 1\r\ndata: 2\r\n\r\n').events).toStrictEqual([{ event: 'a', data: '1\n2' }]);
    expect(parseSseChunk('data: 1\rdata: 2\r\rdata: 3\r\r').events).toStrictEqual([{ data: '1\n2' }, { data: '3' }]);
  });

  it('does not split an event when a CRLF is cut between two chunks', () => {
    const text = 'data: a\r\ndata: b\r\n\r\n';
    const whole = parseSseChunk(text).events;
    expect(whole).toStrictEqual([{ data: 'a\nb' }]);
    for (let cut = 0; cut <= text.length; cut++) {
      expect(parseChunks([text.slice(0, cut), text.slice(cut)]).events, `cut at ${cut}`).toStrictEqual(whole);
    }
  });

  it('ignores comment lines and retry', () => {
    const { events } = parseSseChunk(': keep-alive\nretry: 3000\ndata: x\n: another comment\n\n');
    expect(events).toStrictEqual([{ data: 'x' }]);
  });

  it('drops events without data (a comment-only keep-alive, an id alone)', () => {
    expect(parseSseChunk(': ping\n\nid: 5\n\nevent: noop\n\nretry: 10\n\ndata: kept\n\n').events).toStrictEqual([{ data: 'kept' }]);
  });

  it('ignores unknown fields', () => {
    expect(parseSseChunk('foo: bar\ndata: x\nDATA: y\n\n').events).toStrictEqual([{ data: 'x' }]);
  });

  it('removes exactly one space after the colon, and keeps colons in the value', () => {
    expect(parseSseChunk('data:x\n\ndata:  two\n\nevent: a:b\ndata: {"k":"v"}\n\n').events).toStrictEqual([
      { data: 'x' },
      { data: ' two' },
      { event: 'a:b', data: '{"k":"v"}' },
    ]);
  });

  it('reads a field name without a colon as that field with an empty value', () => {
    expect(parseSseChunk('data\ndata\n\n').events).toStrictEqual([{ data: '\n' }]);
  });

  it('takes the last event and id when a field repeats', () => {
    expect(parseSseChunk('event: a\nevent: b\nid: 1\nid: 2\ndata: x\n\n').events).toStrictEqual([{ event: 'b', id: '2', data: 'x' }]);
  });

  it('keeps the fields of one event out of the next', () => {
    expect(parseSseChunk('event: a\nid: 1\ndata: x\n\ndata: y\n\n').events).toStrictEqual([{ event: 'a', id: '1', data: 'x' }, { data: 'y' }]);
  });

  it('treats extra blank lines as nothing', () => {
    expect(parseSseChunk('\n\n\ndata: x\n\n\n\n\ndata: y\n\n').events).toStrictEqual([{ data: 'x' }, { data: 'y' }]);
  });

  it('gives nothing for empty input', () => {
    expect(parseSseChunk('')).toStrictEqual({ events: [], rest: '' });
  });
});

describe('formatSseEvent', () => {
  it('writes event, id and data lines, ended by a blank line', () => {
    expect(formatSseEvent({ event: 'message', id: '7', data: '{"a":1}' })).toBe('event: message\nid: 7\ndata: {"a":1}\n\n');
    expect(formatSseEvent({ data: 'x' })).toBe('data: x\n\n');
  });

  it('writes one data line per line of data', () => {
    expect(formatSseEvent({ data: 'a\nb\n\nc' })).toBe('data: a\ndata: b\ndata: \ndata: c\n\n');
  });

  it('parses back to the same events, several in a row', () => {
    const events: SseEvent[] = [{ event: 'message', id: '1', data: '{"jsonrpc":"2.0","id":1,"result":{}}' }, { data: 'two\nlines' }, { data: ' leading space' }, { data: '' }, { id: 'x', data: 'data: inside' }];
    const { events: parsed, rest } = parseSseChunk(events.map(formatSseEvent).join(''));
    expect(parsed).toStrictEqual(events);
    expect(rest).toBe('');
  });
});

describe('SSE properties', () => {
  /** Field values: no line ends (they cannot be written in one field). */
  const line = fc.string({ maxLength: 12 }).filter((s) => !/[\r\n]/.test(s));
  const name = line.filter((s) => s !== '');
  const event: fc.Arbitrary<SseEvent> = fc.record(
    { event: name, id: name, data: fc.array(line, { minLength: 1, maxLength: 4 }).map((lines) => lines.join('\n')) },
    { requiredKeys: ['data'], noNullPrototype: true },
  );

  it('formatSseEvent then parseSseChunk gives the events back', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 5 }), (events) => {
        expect(parseSseChunk(events.map(formatSseEvent).join(''))).toStrictEqual({ events, rest: '' });
      }),
      { numRuns: 500 },
    );
  });

  /** Raw SSE text: lines of fields, comments, retry and blank lines, with any of the three line ends. */
  const rawLine = fc.oneof(
    fc.tuple(fc.constantFrom('data', 'event', 'id', 'retry', 'other'), fc.constantFrom(':', ': ', ''), line).map(([field, colon, value]) => `${field}${colon}${colon ? value : ''}`),
    line.map((text) => `:${text}`),
    fc.constant(''),
  );
  const rawText = fc.array(fc.tuple(rawLine, fc.constantFrom('\n', '\r\n', '\r')), { maxLength: 14 }).map((lines) => lines.map(([text, end]) => text + end).join(''));

  it('gives the same events however the text is cut into chunks', () => {
    fc.assert(
      fc.property(rawText, fc.array(fc.nat(), { maxLength: 6 }), (text, cuts) => {
        const whole = parseSseChunk(text);
        const chunked = parseChunks(split(text, cuts));
        expect(chunked.events).toStrictEqual(whole.events);
        // What is left also ends the same way once the stream sends its final blank line.
        expect(parseSseChunk(`${chunked.rest}\n\n`).events).toStrictEqual(parseSseChunk(`${whole.rest}\n\n`).events);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives the same events for formatted text cut into chunks as for the whole', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 4 }), fc.array(fc.nat(), { maxLength: 8 }), (events, cuts) => {
        const text = events.map(formatSseEvent).join('');
        expect(parseChunks(split(text, cuts))).toStrictEqual({ events, rest: '' });
      }),
      { numRuns: 500 },
    );
  });
});
