/**
 * The conversation as text: the user's speech (input transcription) and typed messages, the
 * model's spoken transcript and text. Partials update in place, keyed by the item id; a final text
 * replaces the deltas (so a repeated delta heals when the item completes).
 */
import type { FeedEvent } from './feed';
import { idField, isFields, serverEventOf, textField } from './serverEvents';

export interface TranscriptEntry {
  itemId: string;
  role: 'user' | 'assistant';
  text: string;
  final: boolean;
  /** When it first appeared (epoch ms). */
  at: number;
}

const ASSISTANT_DELTAS = new Set(['response.output_audio_transcript.delta', 'response.audio_transcript.delta', 'response.output_text.delta', 'response.text.delta']);
const ASSISTANT_DONE: ReadonlyMap<string, string> = new Map([
  ['response.output_audio_transcript.done', 'transcript'],
  ['response.audio_transcript.done', 'transcript'],
  ['response.output_text.done', 'text'],
  ['response.text.done', 'text'],
]);
const ITEM_EVENTS = new Set(['conversation.item.added', 'conversation.item.created', 'conversation.item.done']);

export function deriveTranscript(events: readonly FeedEvent[]): TranscriptEntry[] {
  const entries = new Map<string, TranscriptEntry>();
  const entry = (itemId: string, role: TranscriptEntry['role'], at: number): TranscriptEntry => {
    let found = entries.get(itemId);
    if (found === undefined) {
      found = { itemId, role, text: '', final: false, at };
      entries.set(itemId, found);
    }
    return found;
  };

  for (const event of events) {
    const server = serverEventOf(event);
    if (server === undefined) continue;
    const type = server.type;
    if (type === 'conversation.item.input_audio_transcription.delta') {
      const itemId = idField(server, 'item_id');
      const delta = textField(server, 'delta');
      if (itemId === undefined || delta === undefined) continue;
      const found = entry(itemId, 'user', event.at);
      if (!found.final) found.text += delta;
    } else if (type === 'conversation.item.input_audio_transcription.completed') {
      const itemId = idField(server, 'item_id');
      const transcript = textField(server, 'transcript');
      if (itemId === undefined || transcript === undefined) continue;
      Object.assign(entry(itemId, 'user', event.at), { text: transcript, final: true });
    } else if (ASSISTANT_DELTAS.has(type)) {
      const itemId = idField(server, 'item_id');
      const delta = textField(server, 'delta');
      if (itemId === undefined || delta === undefined) continue;
      const found = entry(itemId, 'assistant', event.at);
      if (!found.final) found.text += delta;
    } else if (ASSISTANT_DONE.has(type)) {
      const itemId = idField(server, 'item_id');
      const text = textField(server, ASSISTANT_DONE.get(type)!);
      if (itemId === undefined || text === undefined) continue;
      Object.assign(entry(itemId, 'assistant', event.at), { text, final: true });
    } else if (ITEM_EVENTS.has(type) && isFields(server.item)) {
      const typed = typedUserText(server.item);
      if (typed !== undefined) Object.assign(entry(typed.itemId, 'user', event.at), { text: typed.text, final: true });
    }
  }
  return [...entries.values()].filter((found) => found.text.trim() !== '');
}

/** A user message item's typed text (`input_text` parts). */
function typedUserText(item: Record<string, unknown>): { itemId: string; text: string } | undefined {
  const itemId = idField(item, 'id');
  if (itemId === undefined || item.type !== 'message' || item.role !== 'user' || !Array.isArray(item.content)) return undefined;
  const parts = item.content.flatMap((part) => (isFields(part) && part.type === 'input_text' && typeof part.text === 'string' ? [part.text] : []));
  return parts.length > 0 ? { itemId, text: parts.join('\n') } : undefined;
}
