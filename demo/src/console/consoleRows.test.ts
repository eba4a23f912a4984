import { describe, expect, it } from 'vitest';
import type { FeedEvent } from '../model/feed';
import { consoleRows, directionOf, displayType, isCollapsible, recordingFileName, relativeTime, seenTypes, summaryOf } from './consoleRows';

let nextId = 1;
function feedEvent(type: string, data: unknown): FeedEvent {
  const id = nextId++;
  return { id, type, at: 1_000 + id, data, origin: 'serve' };
}
const server = (type: string, extra: Record<string, unknown> = {}) => feedEvent('realtime.event', { type, ...extra });
const client = (type: string, extra: Record<string, unknown> = {}) => feedEvent('realtime.sent', { type, ...extra });

describe('consoleRows', () => {
  it('tells client, server and proxy events apart and shows Realtime events by their own type', () => {
    const events = [
      client('session.update'),
      server('session.updated'),
      feedEvent('toolCall.started', { callId: 'c' }),
      server(''),
      feedEvent('realtime.event', 'garbage'),
    ];
    expect(consoleRows(events).map((row) => [row.direction, row.type])).toEqual([
      ['client', 'session.update'],
      ['server', 'session.updated'],
      ['proxy', 'toolCall.started'],
      ['server', 'realtime.event (no type)'],
      ['server', 'realtime.event (no type)'],
    ]);
    expect(directionOf(events[2]!)).toBe('proxy');
    expect(displayType(feedEvent('', null))).toBe('(no type)');
  });

  it('folds runs of deltas into one row and keeps every event of the run', () => {
    const events = [
      server('response.output_audio_transcript.delta', { delta: 'Hel' }),
      server('response.output_audio_transcript.delta', { delta: 'lo' }),
      server('response.output_audio_transcript.delta', { delta: '!' }),
      server('response.output_audio_transcript.done'),
      server('response.function_call_arguments.delta'),
      server('response.function_call_arguments.delta'),
      client('input_audio_buffer.append'),
      client('input_audio_buffer.append'),
      server('response.created'),
      server('response.created'),
    ];
    const rows = consoleRows(events);
    expect(rows.map((row) => [row.type, row.events.length])).toEqual([
      ['response.output_audio_transcript.delta', 3],
      ['response.output_audio_transcript.done', 1],
      ['response.function_call_arguments.delta', 2],
      ['input_audio_buffer.append', 2],
      ['response.created', 1],
      ['response.created', 1],
    ]);
    expect(rows[0]?.key).toBe(String(events[0]!.id));
    expect(isCollapsible('response.output_audio.delta')).toBe(true);
    expect(isCollapsible('conversation.item.input_audio_transcription.delta')).toBe(true);
    expect(isCollapsible('response.output_text.delta')).toBe(false);
  });

  it('filters by type and by text in the JSON, case-insensitively', () => {
    const events = [
      server('response.done', { response: { id: 'resp_ABC' } }),
      client('response.create'),
      feedEvent('toolCall.ended', { functionName: 'echo' }),
    ];
    expect(consoleRows(events, { type: 'response.create' }).map((row) => row.type)).toEqual(['response.create']);
    expect(consoleRows(events, { text: 'resp_abc' }).map((row) => row.type)).toEqual(['response.done']);
    expect(consoleRows(events, { text: ' ECHO ' }).map((row) => row.type)).toEqual(['toolCall.ended']);
    expect(consoleRows(events, { text: 'RESPONSE.' }).map((row) => row.type)).toEqual(['response.done', 'response.create']);
    expect(consoleRows(events, { type: 'response.done', text: 'nothing like it' })).toEqual([]);
    const withInspect = [...events, feedEvent('inspect', { kind: 'snapshot', actorId: 'x:0', state: 'idle' })];
    expect(consoleRows(withInspect)).toHaveLength(4);
    expect(consoleRows(withInspect, { hideInspect: true }).map((row) => row.type)).toEqual(['response.done', 'response.create', 'toolCall.ended']);
    expect(seenTypes(events)).toEqual(['response.create', 'response.done', 'toolCall.ended']);
  });

  it('derives the rows of 10,000 events without losing one', () => {
    const events: FeedEvent[] = [];
    for (let turn = 0; turn < 500; turn++) {
      events.push(client('response.create'));
      for (let delta = 0; delta < 15; delta++) events.push(server('response.output_audio_transcript.delta', { delta: `w${delta}` }));
      events.push(server('response.output_audio_transcript.done'));
      events.push(feedEvent('inspect', { kind: 'snapshot', actorId: 'x:0', state: 'idle' }));
      events.push(server('response.done', { turn }));
      events.push(feedEvent('toolCall.ended', { turn }));
    }
    expect(events).toHaveLength(10_000);
    const rows = consoleRows(events);
    expect(rows).toHaveLength(500 * 6);
    expect(rows.reduce((sum, row) => sum + row.events.length, 0)).toBe(10_000);
    expect(rows.filter((row) => row.type === 'response.output_audio_transcript.delta').every((row) => row.events.length === 15)).toBe(true);
    expect(consoleRows(events, { text: '"turn":499' })).toHaveLength(2);
  });

  it('summarizes inspection records and tool-call events in one short line', () => {
    expect(summaryOf(feedEvent('inspect', { kind: 'snapshot', actorId: 'call-1', machine: 'toolCall', eventType: 'call.completed', state: 'executing' }))).toBe(
      'call-1 (toolCall) call.completed → executing',
    );
    expect(summaryOf(feedEvent('inspect', { kind: 'event', actorId: 'x' }))).toBe('');
    expect(summaryOf(feedEvent('toolCall.ended', { functionName: 'echo', callId: 'call_1', code: 'ok' }))).toBe('echo call_1 ok');
    expect(summaryOf(feedEvent('warning', { code: 'tools_limited', message: 'x'.repeat(500) }))).toHaveLength(120);
    expect(summaryOf(feedEvent('inspect', 'nonsense'))).toBe('');
    expect(summaryOf(server('response.done'))).toBe('');
  });

  it('formats times and file names safely', () => {
    expect(relativeTime(2_500, 1_000)).toBe('+1.500 s');
    expect(relativeTime(Number.NaN, 1_000)).toBe('+0.000 s');
    expect(recordingFileName('sess_123')).toBe('sess_123.jsonl');
    expect(recordingFileName('../../etc/passwd')).toBe('_.._etc_passwd.jsonl');
    expect(recordingFileName('')).toBe('session.jsonl');
  });
});
