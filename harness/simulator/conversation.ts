/**
 * The state of one simulated session, without I/O: the effective session config (and how a
 * session.update changes it) and the default conversation (items in order, function calls and their
 * outputs). Methods return a `Problem` where the real API answers with an `error` event.
 */
import type {
  AudioInputConfig,
  ConversationItem,
  FunctionCallItem,
  FunctionTool,
  RealtimeSession,
  SessionConfig,
  TurnDetection,
} from '../../src/protocol/generated/types.js';
import { newId } from './wire.js';

/** What the API would answer with an `error` event. */
export interface Problem {
  readonly code: string;
  readonly message: string;
  readonly param: string | null;
}

export type StoredItem = ConversationItem & { id: string };

interface Entry {
  item: StoredItem;
  /** Assistant audio produced for the item (ms), for truncate checks. */
  audioMs: number;
  /** A truncation asked while the item was being generated: applied when it is done. */
  truncateAtMs?: number;
}

// A Map: the type comes from the client (validated, but a wire string all the same).
const VAD_DEFAULTS = new Map<string, TurnDetection>([
  ['server_vad', { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 200, idle_timeout_ms: null, create_response: true, interrupt_response: true }],
  ['semantic_vad', { type: 'semantic_vad', eagerness: 'auto', create_response: true, interrupt_response: true }],
]);

export class Conversation {
  readonly id = newId('conv');
  private readonly entries: Entry[] = [];
  /** Set once the model produced audio: the voice is fixed from then on. */
  private spoke = false;

  constructor(public session: RealtimeSession) {}

  /** Function tools of the session config, in order. */
  functionTools(): FunctionTool[] {
    return (this.session.tools ?? []).filter((tool): tool is FunctionTool => tool.type === 'function');
  }

  /** Applies a session.update (only the fields present change) and returns the new session, or a Problem. */
  update(config: SessionConfig): RealtimeSession | Problem {
    if (config.type !== 'realtime') {
      return { code: 'invalid_value', param: 'session.type', message: "Invalid value: 'transcription'. Cannot change the type of a realtime session." };
    }
    const modalities = config.output_modalities;
    if (modalities !== undefined && (modalities.length !== 1 || new Set(modalities).size !== modalities.length)) {
      return { code: 'invalid_value', param: 'session.output_modalities', message: "Invalid modalities: output_modalities must be ['audio'] or ['text']." };
    }
    const voice = config.audio?.output?.voice;
    if (voice !== undefined && this.spoke && JSON.stringify(voice) !== JSON.stringify(this.session.audio?.output?.voice)) {
      return { code: 'cannot_update_voice', param: 'session.audio.output.voice', message: "Cannot update a conversation's voice if assistant audio is present." };
    }
    const { type: _type, model: _model, audio, ...rest } = config;
    const next: RealtimeSession = { ...this.session, ...structuredClone(rest) };
    if (audio !== undefined) {
      const input: AudioInputConfig = { ...this.session.audio?.input, ...structuredClone(audio.input ?? {}) };
      const detection = audio.input?.turn_detection;
      if (detection) input.turn_detection = { ...VAD_DEFAULTS.get(detection.type), ...detection } as TurnDetection;
      next.audio = { input, output: { ...this.session.audio?.output, ...structuredClone(audio.output ?? {}) } };
    }
    this.session = next;
    return next;
  }

  /** Inserts an item: at the end, at the start (`"root"`), or after `previousItemId`. */
  insert(item: ConversationItem, previousItemId?: string | null, audioMs = 0): { item: StoredItem; previousItemId: string | null } | Problem {
    const stored = { ...item, id: item.id ?? newId('item') } as StoredItem;
    if (this.entries.some((entry) => entry.item.id === stored.id)) {
      return { code: 'invalid_value', param: 'item.id', message: `Item with id '${stored.id}' already exists.` };
    }
    let at = this.entries.length;
    if (previousItemId === 'root') at = 0;
    else if (previousItemId !== undefined && previousItemId !== null) {
      const index = this.entries.findIndex((entry) => entry.item.id === previousItemId);
      if (index < 0) return notFound(previousItemId, 'previous_item_id');
      at = index + 1;
    }
    this.entries.splice(at, 0, { item: stored, audioMs });
    return { item: stored, previousItemId: at === 0 ? null : (this.entries[at - 1]?.item.id ?? null) };
  }

  /** Checks an item a client wants to create (the rules the API applies beyond the schema). */
  checkClientItem(item: ConversationItem): Problem | undefined {
    if (item.type === 'function_call_output' && this.functionCall(item.call_id) === undefined) {
      return { code: 'invalid_value', param: 'item.call_id', message: `No tool call found for function call output with call_id ${item.call_id}.` };
    }
    if (item.type === 'message' && item.role === 'assistant' && item.content.some((part) => part.type === 'output_audio')) {
      return { code: 'invalid_value', param: 'item.content', message: 'Clients cannot create assistant audio content; use output_text.' };
    }
    return undefined;
  }

  get(id: string): StoredItem | undefined {
    return this.entries.find((entry) => entry.item.id === id)?.item;
  }

  lastId(): string | null {
    return this.entries.at(-1)?.item.id ?? null;
  }

  /** Replaces a stored item (e.g. when a generated item is done) and records its audio. */
  replace(item: StoredItem, audioMs = 0): void {
    const entry = this.entries.find((candidate) => candidate.item.id === item.id);
    if (entry) {
      entry.item = item;
      entry.audioMs = audioMs;
      if (entry.truncateAtMs !== undefined && !('status' in item && item.status === 'in_progress')) {
        this.cut(entry, 0, Math.min(entry.truncateAtMs, audioMs));
        delete entry.truncateAtMs;
      }
    }
    if (audioMs > 0) this.spoke = true;
  }

  delete(id: string): Problem | undefined {
    const index = this.entries.findIndex((entry) => entry.item.id === id);
    if (index < 0) return notFound(id, 'item_id');
    this.entries.splice(index, 1);
    return undefined;
  }

  /** Drops the unheard audio of an assistant message, and the transcript after it (proportionally). */
  truncate(id: string, contentIndex: number, audioEndMs: number): Problem | undefined {
    const entry = this.entries.find((candidate) => candidate.item.id === id);
    if (!entry) return notFound(id, 'item_id');
    const item = entry.item;
    if (item.type !== 'message' || item.role !== 'assistant') {
      return { code: 'invalid_value', param: 'item_id', message: `Only assistant messages can be truncated; '${id}' is a ${item.type === 'message' ? `${item.role} message` : item.type}.` };
    }
    if (item.status === 'in_progress' && contentIndex === 0) {
      // A client that interrupts mid-reply cancels, then truncates the item still being generated;
      // the API takes it. The audio generated is known when the item is done: cut it then.
      entry.truncateAtMs = Math.min(entry.truncateAtMs ?? audioEndMs, audioEndMs);
      return undefined;
    }
    const part = item.content[contentIndex];
    if (part?.type !== 'output_audio') {
      return { code: 'invalid_value', param: 'content_index', message: `Content index ${contentIndex} of item '${id}' holds no audio.` };
    }
    if (audioEndMs > entry.audioMs) {
      return { code: 'invalid_value', param: 'audio_end_ms', message: `Audio content of ${entry.audioMs}ms is already shorter than ${audioEndMs}ms.` };
    }
    this.cut(entry, contentIndex, audioEndMs);
    return undefined;
  }

  /** Keeps `audioEndMs` of an assistant message's audio part, and its transcript in proportion. */
  private cut(entry: Entry, contentIndex: number, audioEndMs: number): void {
    const item = entry.item;
    if (item.type !== 'message' || item.role !== 'assistant') return;
    const part = item.content[contentIndex];
    if (part?.type !== 'output_audio') return;
    const transcript = part.transcript ?? '';
    const kept = entry.audioMs === 0 ? 0 : Math.round((transcript.length * audioEndMs) / entry.audioMs);
    const content = [...item.content];
    content[contentIndex] = { ...part, transcript: transcript.slice(0, kept) };
    entry.item = { ...item, content };
    entry.audioMs = audioEndMs;
  }

  functionCall(callId: string): FunctionCallItem | undefined {
    return this.entries.map((entry) => entry.item).find((item): item is FunctionCallItem & StoredItem => item.type === 'function_call' && item.call_id === callId);
  }

  /** The output the client sent for a call, when it did (the latest one). */
  outputFor(callId: string): string | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const item = this.entries[i]?.item;
      if (item?.type === 'function_call_output' && item.call_id === callId) return item.output;
    }
    return undefined;
  }

  /** The outputs of function_call_output items after the last assistant message, in order. */
  outputsSinceAssistant(): string[] {
    const outputs: string[] = [];
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const item = this.entries[i]?.item;
      if (item?.type === 'message' && item.role === 'assistant') break;
      if (item?.type === 'function_call_output') outputs.unshift(item.output);
    }
    return outputs;
  }

  /** About how many words the context holds (for usage numbers). */
  words(): number {
    return this.entries.reduce((sum, entry) => sum + JSON.stringify(entry.item).split(/\s+/).length, (this.session.instructions ?? '').split(/\s+/).length);
  }
}

export function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && 'code' in value && 'message' in value && !('type' in value);
}

function notFound(id: string, param: string): Problem {
  return { code: 'item_not_found', param, message: `Item with item_id not found: ${id}` };
}
