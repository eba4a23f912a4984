import { describe, expect, it } from 'vitest';
import type { FeedEvent } from './feed';
import { deriveTranscript } from './transcript';

let id = 0;
const server = (data: Record<string, unknown>, at = 1000 + id): FeedEvent => ({ id: ++id, type: 'realtime.event', at, data, origin: 'serve' });

describe('deriveTranscript', () => {
  it('updates partials in place and lets the final text replace them, in order of appearance', () => {
    const events = [
      server({ type: 'conversation.item.input_audio_transcription.delta', item_id: 'item_u1', delta: 'What is ' }),
      server({ type: 'response.output_audio_transcript.delta', item_id: 'item_a1', delta: 'Simulated ' }),
      server({ type: 'conversation.item.input_audio_transcription.delta', item_id: 'item_u1', delta: 'the time' }),
      server({ type: 'response.output_audio_transcript.delta', item_id: 'item_a1', delta: 'reply' }),
    ];
    expect(deriveTranscript(events).map(({ itemId, role, text, final }) => ({ itemId, role, text, final }))).toEqual([
      { itemId: 'item_u1', role: 'user', text: 'What is the time', final: false },
      { itemId: 'item_a1', role: 'assistant', text: 'Simulated reply', final: false },
    ]);
    const done = deriveTranscript([
      ...events,
      // A repeated delta, healed by the final text.
      server({ type: 'response.output_audio_transcript.delta', item_id: 'item_a1', delta: 'reply' }),
      server({ type: 'response.output_audio_transcript.done', item_id: 'item_a1', transcript: 'Simulated reply.' }),
      server({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_u1', transcript: 'What is the time?' }),
      server({ type: 'response.output_audio_transcript.delta', item_id: 'item_a1', delta: ' late' }),
    ]);
    expect(done.map(({ text, final }) => [text, final])).toEqual([
      ['What is the time?', true],
      ['Simulated reply.', true],
    ]);
  });

  it('shows typed user messages and text output, and keys by item id even when it is "__proto__"', () => {
    const events = [
      server({ type: 'conversation.item.added', item: { id: '__proto__', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] } }),
      server({ type: 'conversation.item.done', item: { id: '__proto__', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] } }),
      server({ type: 'response.output_text.delta', item_id: 'constructor', delta: 'Hi' }),
      server({ type: 'response.output_text.done', item_id: 'constructor', text: 'Hi there' }),
    ];
    expect(deriveTranscript(events).map(({ itemId, role, text }) => [itemId, role, text])).toEqual([
      ['__proto__', 'user', 'hello'],
      ['constructor', 'assistant', 'Hi there'],
    ]);
  });

  it('ignores malformed events, audio items without text, and everything that is not a realtime.event', () => {
    const events: FeedEvent[] = [
      server({ type: 'response.output_audio_transcript.delta', item_id: 42, delta: 'x' }),
      server({ type: 'response.output_audio_transcript.delta', item_id: 'item_1', delta: { evil: true } }),
      server({ type: 'conversation.item.added', item: { id: 'item_2', type: 'message', role: 'user', content: [{ type: 'input_audio', transcript: null }] } }),
      { id: 99, type: 'realtime.sent', at: 1, origin: 'page', data: { type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'sent' }] } } },
      { id: 100, type: 'realtime.event', at: 1, origin: 'serve', data: null },
    ];
    expect(deriveTranscript(events)).toEqual([]);
  });
});
