import { describe, expect, it } from 'vitest';
import { Conversation, type StoredItem } from './conversation.js';
import { defaultSession } from './wire.js';

const inProgress: StoredItem = { id: 'item_a', object: 'realtime.item', type: 'message', status: 'in_progress', role: 'assistant', content: [] };
const finished = (transcript: string, status: 'completed' | 'incomplete' = 'incomplete'): StoredItem => ({ ...inProgress, status, content: [{ type: 'output_audio', transcript }] });

describe('Conversation.truncate', () => {
  it('of a finished assistant message: keeps audio_end_ms of it and the transcript in proportion; past its end is refused', () => {
    const conversation = new Conversation(defaultSession('gpt-realtime'));
    conversation.insert(finished('abcdefgh', 'completed'), undefined, 400);
    expect(conversation.truncate('item_a', 0, 500)).toMatchObject({ code: 'invalid_value', param: 'audio_end_ms' });
    expect(conversation.truncate('item_a', 0, 200)).toBeUndefined();
    expect(conversation.get('item_a')).toMatchObject({ content: [{ transcript: 'abcd' }] });
  });

  it('of one still being generated (a client cancels mid-reply, then truncates): taken, and applied once it is done', () => {
    const conversation = new Conversation(defaultSession('gpt-realtime'));
    conversation.insert(inProgress);
    expect(conversation.truncate('item_a', 0, 100)).toBeUndefined();
    conversation.replace(finished('abcdefgh'), 400);
    expect(conversation.get('item_a')).toMatchObject({ content: [{ transcript: 'ab' }] });
    // The cut is spent: audio after it is what the conversation holds.
    expect(conversation.truncate('item_a', 0, 200)).toMatchObject({ param: 'audio_end_ms' });
  });
});
