/**
 * One model response as the simulator streams it: response.created, then each output item (a spoken
 * or text message, or a function call with its argument deltas), then response.done and
 * rate_limits.updated. A response can be cancelled at any delta (by the client, or by a barge-in
 * the player injects); the item in progress then ends `incomplete` and the response `cancelled`.
 */
import type {
  AssistantMessageItem,
  AudioFormat,
  FunctionCallItem,
  ResponseCreateParams,
  ServerEvent,
} from '../../src/protocol/generated/types.js';
import type { Conversation, StoredItem } from './conversation.js';
import { chunk, newId, obfuscation, responseObject, textDeltas, usageFor } from './wire.js';

/** What the simulator needs from its session to stream a response. */
export interface ResponseHost {
  readonly conversation: Conversation;
  readonly audioChunkMs: number;
  isClosed(): boolean;
  send(event: ServerEvent): void;
  /**
   * One audio chunk for a spoken message: an output_audio.delta event, or onto a call's track. `pcm`
   * (24 kHz PCM16 mono, e.g. synthesized speech) when given, else `audioChunkMs` of the simulator's tone.
   */
  sendAudio(at: { response_id: string; item_id: string; output_index: number; content_index: number }, format: AudioFormat | undefined, obfuscation: string, pcm?: Int16Array): void;
  /** Lets incoming client events in (and waits deltaDelayMs). */
  tick(): Promise<void>;
  responseEnded(response: ActiveResponse): void;
}

/** `audio`: the message's voice (24 kHz PCM16 mono), spread over its transcript deltas; default a tone per delta. */
export type ItemPlan = { kind: 'message'; text: string; audio?: Int16Array } | { kind: 'call'; name: string; arguments: string; chunks: number; callId?: string; itemId?: string };

/** A barge-in: after `afterDeltas` argument deltas (`arguments`) or audio/text deltas (`audio`), `fire` runs and the response is cancelled. */
export interface Interrupt {
  phase: 'arguments' | 'audio';
  afterDeltas: number;
  fire(): void;
}

export type CancelReason = 'client_cancelled' | 'turn_detected';

export interface CallOutcome {
  callId: string;
  name: string;
  itemId: string;
  status: 'completed' | 'incomplete';
}

export interface ResponseOutcome {
  /** `aborted`: the connection closed under it (no response.done was sent). */
  status: 'completed' | 'cancelled' | 'aborted';
  reason?: CancelReason;
  calls: CallOutcome[];
  /** Whether the interrupt fired. */
  interrupted: boolean;
}

export class ActiveResponse {
  readonly id = newId('resp');
  cancelReason: CancelReason | undefined;
  ended = false;
  private readonly output: StoredItem[] = [];
  private readonly calls: CallOutcome[] = [];
  private deltas = 0;
  private audioMs = 0;
  private interrupted = false;

  constructor(
    private readonly host: ResponseHost,
    readonly params: ResponseCreateParams = {},
    readonly outOfBand = false,
  ) {}

  /** Sends response.created. */
  start(): void {
    this.host.send({ type: 'response.created', event_id: newId('event'), response: this.snapshot('in_progress') });
  }

  cancel(reason: CancelReason): void {
    this.cancelReason ??= reason;
  }

  /** Streams the items, then ends the response (completed, or cancelled at a delta). */
  async play(plan: readonly ItemPlan[], interrupt?: Interrupt): Promise<ResponseOutcome> {
    for (const step of plan) {
      if (this.stopped()) break;
      if (step.kind === 'message') await this.playMessage(step.text, interrupt, step.audio);
      else await this.playCall(step, interrupt);
    }
    return this.finish();
  }

  private stopped(): boolean {
    return this.cancelReason !== undefined || this.host.isClosed();
  }

  /** Counts a delta of the interrupt's phase; fires the barge-in when it is due. */
  private countDelta(phase: Interrupt['phase'], interrupt: Interrupt | undefined): boolean {
    if (interrupt?.phase !== phase || this.interrupted) return false;
    this.deltas += 1;
    if (this.deltas < interrupt.afterDeltas) return false;
    this.interrupted = true;
    interrupt.fire();
    this.cancel('turn_detected');
    return true;
  }

  private addItem(item: StoredItem): { outputIndex: number; previous: string | null } {
    const outputIndex = this.output.length;
    this.output.push(item);
    this.host.send({ type: 'response.output_item.added', event_id: newId('event'), response_id: this.id, output_index: outputIndex, item: structuredClone(item) });
    if (this.outOfBand) return { outputIndex, previous: null };
    const inserted = this.host.conversation.insert(item);
    const previous = 'previousItemId' in inserted ? inserted.previousItemId : null;
    this.host.send({ type: 'conversation.item.added', event_id: newId('event'), previous_item_id: previous, item: structuredClone(item) });
    return { outputIndex, previous };
  }

  private doneItem(item: StoredItem, at: { outputIndex: number; previous: string | null }, audioMs: number): void {
    this.output[at.outputIndex] = item;
    this.audioMs += audioMs;
    this.host.send({ type: 'response.output_item.done', event_id: newId('event'), response_id: this.id, output_index: at.outputIndex, item: structuredClone(item) });
    if (this.outOfBand) return;
    this.host.conversation.replace(item, audioMs);
    this.host.send({ type: 'conversation.item.done', event_id: newId('event'), previous_item_id: at.previous, item: structuredClone(item) });
  }

  private async playMessage(text: string, interrupt: Interrupt | undefined, voice?: Int16Array): Promise<void> {
    const audio = (this.params.output_modalities ?? this.host.conversation.session.output_modalities ?? ['audio'])[0] !== 'text';
    const item: AssistantMessageItem & StoredItem = { id: newId('item'), object: 'realtime.item', type: 'message', status: 'in_progress', role: 'assistant', content: [] };
    const added = this.addItem(item);
    const at = { response_id: this.id, item_id: item.id, output_index: added.outputIndex, content_index: 0 };
    const partType = audio ? 'audio' : 'text';
    this.host.send({ type: 'response.content_part.added', event_id: newId('event'), ...at, part: audio ? { type: partType, transcript: '' } : { type: partType, text: '' } });
    const format = this.params.audio?.output?.format ?? this.host.conversation.session.audio?.output?.format;
    let said = '';
    let ms = 0;
    const deltas = textDeltas(text);
    for (const [index, delta] of deltas.entries()) {
      if (this.stopped()) break;
      said += delta;
      if (audio) {
        this.host.send({ type: 'response.output_audio_transcript.delta', event_id: newId('event'), ...at, delta, obfuscation: obfuscation(delta) } as ServerEvent);
        const piece = voice?.subarray(Math.floor((index * voice.length) / deltas.length), Math.floor(((index + 1) * voice.length) / deltas.length));
        this.host.sendAudio(at, format, obfuscation(delta), piece);
        ms += piece ? piece.length / 24 : this.host.audioChunkMs;
      } else {
        this.host.send({ type: 'response.output_text.delta', event_id: newId('event'), ...at, delta, obfuscation: obfuscation(delta) } as ServerEvent);
      }
      if (this.countDelta('audio', interrupt)) break;
      await this.host.tick();
    }
    if (this.host.isClosed()) return;
    const complete = said === text && this.cancelReason === undefined;
    if (audio) {
      this.host.send({ type: 'response.output_audio.done', event_id: newId('event'), ...at });
      this.host.send({ type: 'response.output_audio_transcript.done', event_id: newId('event'), ...at, transcript: said });
    } else {
      this.host.send({ type: 'response.output_text.done', event_id: newId('event'), ...at, text: said });
    }
    this.host.send({ type: 'response.content_part.done', event_id: newId('event'), ...at, part: audio ? { type: 'audio', transcript: said } : { type: 'text', text: said } });
    const content: AssistantMessageItem['content'] = [audio ? { type: 'output_audio', transcript: said } : { type: 'output_text', text: said }];
    this.doneItem({ ...item, status: complete ? 'completed' : 'incomplete', content }, added, ms);
  }

  private async playCall(step: Extract<ItemPlan, { kind: 'call' }>, interrupt: Interrupt | undefined): Promise<void> {
    const callId = step.callId ?? newId('call');
    const item: FunctionCallItem & StoredItem = { id: step.itemId ?? newId('item'), object: 'realtime.item', type: 'function_call', status: 'in_progress', name: step.name, call_id: callId, arguments: '' };
    const added = this.addItem(item);
    const at = { response_id: this.id, item_id: item.id, output_index: added.outputIndex, call_id: callId };
    let sent = '';
    let cut = false;
    for (const delta of chunk(step.arguments, step.chunks)) {
      if (this.stopped()) break;
      sent += delta;
      this.host.send({ type: 'response.function_call_arguments.delta', event_id: newId('event'), ...at, delta, obfuscation: obfuscation(delta) } as ServerEvent);
      if (this.countDelta('arguments', interrupt)) {
        cut = true;
        break;
      }
      await this.host.tick();
    }
    if (this.host.isClosed()) return;
    const status = sent === step.arguments && !cut ? 'completed' : 'incomplete';
    this.host.send({ type: 'response.function_call_arguments.done', event_id: newId('event'), ...at, name: step.name, arguments: sent });
    this.doneItem({ ...item, status, arguments: sent }, added, 0);
    this.calls.push({ callId, name: step.name, itemId: item.id, status });
  }

  private finish(): ResponseOutcome {
    this.ended = true;
    const outcome: ResponseOutcome = {
      status: this.host.isClosed() ? 'aborted' : this.cancelReason ? 'cancelled' : 'completed',
      ...(this.cancelReason ? { reason: this.cancelReason } : {}),
      calls: this.calls,
      interrupted: this.interrupted,
    };
    if (outcome.status !== 'aborted') {
      this.host.send({ type: 'response.done', event_id: newId('event'), response: this.snapshot(this.cancelReason ? 'cancelled' : 'completed') });
      this.host.send({
        type: 'rate_limits.updated',
        event_id: newId('event'),
        rate_limits: [{ name: 'tokens', limit: 40000, remaining: 40000 - Math.min(39000, this.host.conversation.words() * 2), reset_seconds: 6.261 }],
      });
    }
    this.host.responseEnded(this);
    return outcome;
  }

  private snapshot(status: 'in_progress' | 'completed' | 'cancelled') {
    const output = status === 'in_progress' ? [] : structuredClone(this.output);
    const words = output.reduce((sum, item) => sum + JSON.stringify(item).split(/\s+/).length, 0);
    return responseObject({
      id: this.id,
      status,
      ...(status === 'cancelled' ? { statusDetails: { type: 'cancelled' as const, reason: this.cancelReason ?? null } } : {}),
      output,
      conversationId: this.outOfBand ? null : this.host.conversation.id,
      session: this.host.conversation.session,
      params: this.params,
      usage: status === 'in_progress' ? null : usageFor(this.host.conversation.words(), Math.ceil(words * 1.3), this.audioMs),
    });
  }
}
