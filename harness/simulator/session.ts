/**
 * One simulated Realtime session: validates every client event with our strict codec, answers it as
 * the GA API does (session.updated, item events, errors, a spoken reply to an unclaimed
 * response.create), and gives the script player what it needs to drive the session (user turns,
 * responses, waiting for client events). It is served by channels (channels.ts): its own WebSocket,
 * or for a call the WebRTC data channel and any sideband WebSockets, all at once.
 */
import type { SimulatorChannel } from './channels.js';
import type { PeerSpeech } from './peer.js';
import { decodeClientEvent, type CodecError } from '../../src/protocol/codec.js';
import { betaEventNames } from '../../src/protocol/dialects.js';
import type { AudioFormat, ClientEvent, ConversationItem, RealtimeSession, RealtimeSessionConfig, ResponseCreateParams, ServerEvent } from '../../src/protocol/generated/types.js';
import { Conversation, isProblem, type Problem } from './conversation.js';
import { ActiveResponse, type ResponseHost } from './responses.js';
import { DEFAULT_REPLY } from './script.js';
import { SessionAudio, type AudioPosition, type SessionMedia } from './sessionMedia.js';
import { audioMs, base64Bytes, clientEventIdOf, codecErrorEvent, defaultSession, errorEvent, newId, renderReply, textDeltas } from './wire.js';

export type { SessionMedia } from './sessionMedia.js';

/** What the simulator sent: a GA server event, a beta-named one (betaNames), or an injected unknown event. */
export type SimulatorServerEvent = ServerEvent | { readonly type: string; readonly [field: string]: unknown };

/** A frame `decodeClientEvent` refused (answered with an `error` event). */
export interface RejectedFrame {
  readonly text: string;
  readonly error: CodecError;
}

/** A client event and the channel it came from (e.g. to check that a browser never sent a tool output). */
export interface ReceivedClientEvent {
  readonly channel: SimulatorChannel['kind'];
  readonly channelId: string;
  readonly event: ClientEvent;
}

/** A model that answers the user's turns on its own (the rehearsal model): what the session tells it. */
export interface SessionTurnModel {
  /** The client committed the input audio buffer (the user item was added). */
  userAudioCommitted(): void;
  /** A response.create no script step claimed: the response the model started, or undefined for the default reply. */
  responseRequested(params: ResponseCreateParams | undefined): ActiveResponse | undefined;
}

/** A step that cannot go on; the player reports it as the script's failure. */
export class StepFailure extends Error {}

export interface SessionSettings {
  index: number;
  model: string;
  query: Record<string, string>;
  deltaDelayMs: number;
  audioChunkMs: number;
  recordEvents: boolean;
  session?: Partial<RealtimeSession>;
  /** Session configs applied over the defaults, in order, before session.created (an ephemeral key's, a call's). */
  initialConfigs?: readonly RealtimeSessionConfig[];
  /** Default `events`. */
  media?: SessionMedia;
  /** Hold session.created this long after the owning channel opens (client events wait, as the API queues them). */
  sessionCreatedDelayMs?: number;
  log(line: string): void;
  onClientEvent(event: ClientEvent): void;
  onServerEvent(event: SimulatorServerEvent): void;
  onSessionUpdated(): void;
  /** The session ended (its socket closed, the call ended, or the script closed it). */
  onEnded?(closed: { code: number; reason: string }): void;
}

/** `owner`: the session's own WebSocket (its close ends the session); `attached`: a call's data channel or a sideband (its close only detaches it). */
export type ChannelRole = 'owner' | 'attached';

const GA_TO_BETA = new Map([...betaEventNames].map(([beta, ga]) => [ga, beta]));

export class SimulatorSession implements ResponseHost {
  readonly index: number;
  readonly model: string;
  readonly query: Record<string, string>;
  readonly clientEvents: ClientEvent[] = [];
  /** Every decoded client event with the channel it came from. */
  readonly clientEventLog: ReceivedClientEvent[] = [];
  readonly serverEvents: SimulatorServerEvent[] = [];
  readonly rejectedFrames: RejectedFrame[] = [];
  readonly conversation: Conversation;
  readonly audioChunkMs: number;
  readonly media: SessionMedia;
  /** The response of the default conversation, while one runs. */
  active: ActiveResponse | undefined;
  /** How many response.create events the client sent (refused ones included). */
  responseCreates = 0;
  /** Send beta-era event names (conversation.item.created, response.audio.delta, …). */
  beta = false;
  closed: { code: number; reason: string } | undefined;
  /** A scripted step waiting for response.create: returns the response it started, or undefined to let the default reply run. */
  claimant: ((params: ResponseCreateParams | undefined) => ActiveResponse | undefined) | undefined;
  /** The model answering turns on its own, in a rehearsal (no script). */
  turnModel: SessionTurnModel | undefined;
  private readonly channels = new Set<SimulatorChannel>();
  private readonly outOfBand = new Set<ActiveResponse>();
  private readonly waiters = new Set<() => void>();
  private updated = false;
  /** Client frames that arrived before session.created was sent (sessionCreatedDelayMs). */
  private heldFrames: Array<{ channel: SimulatorChannel; data: string | Buffer; isBinary: boolean }> | undefined;
  private readonly audio: SessionAudio;
  private inputBytes = 0;
  private clockMs = 0;

  constructor(private readonly settings: SessionSettings) {
    this.index = settings.index;
    this.model = settings.model;
    this.query = settings.query;
    this.audioChunkMs = settings.audioChunkMs;
    this.media = settings.media ?? { kind: 'events' };
    this.audio = new SessionAudio(this.media, this);
    this.conversation = new Conversation(defaultSession(settings.model, settings.session));
    for (const config of settings.initialConfigs ?? []) {
      const applied = this.conversation.update(config);
      if (isProblem(applied)) this.log(`an initial session config was not applied: ${applied.message}`);
    }
  }

  /**
   * Serves the session on a channel: session.created goes to it (to the owner after
   * sessionCreatedDelayMs), its client events act on the session, every later server event goes to it.
   */
  attach(channel: SimulatorChannel, role: ChannelRole): void {
    if (this.closed) {
      channel.close(1000, 'The session has ended.');
      return;
    }
    this.channels.add(channel);
    channel.onMessage((data, isBinary) => this.receive(channel, data, isBinary));
    channel.onClose((code, reason) => {
      this.channels.delete(channel);
      if (role === 'owner') this.end(code, reason);
      else if (!this.closed) this.log(`${channel.id} detached (${code}${reason ? ` ${reason}` : ''})`);
      this.notify();
    });
    const delayMs = role === 'owner' ? (this.settings.sessionCreatedDelayMs ?? 0) : 0;
    if (delayMs <= 0) {
      this.sendCreated(channel);
      return;
    }
    // The real API takes client events from the moment the socket opens, and answers them after
    // its session.created: they wait here until it is sent, then are handled in order.
    this.heldFrames = [];
    setTimeout(() => {
      const held = this.heldFrames ?? [];
      this.heldFrames = undefined;
      this.sendCreated(channel);
      if (held.length > 0) this.log(`handled ${held.length} client event(s) sent before session.created`);
      for (const frame of held) this.receive(frame.channel, frame.data, frame.isBinary);
    }, delayMs);
  }

  /** Channels serving the session now. */
  attached(): readonly SimulatorChannel[] {
    return [...this.channels];
  }

  /** session.created with the current session, to one channel (a sideband attaching later learns the session so). */
  private sendCreated(channel: SimulatorChannel): void {
    this.send({ type: 'session.created', event_id: newId('event'), session: structuredClone(this.conversation.session) }, channel);
  }

  isClosed(): boolean {
    return this.closed !== undefined;
  }

  log(line: string): void {
    this.settings.log(line);
  }

  /** Sends an event to every channel (or to `only`). */
  send(event: SimulatorServerEvent, only?: SimulatorChannel): void {
    if (this.closed) return;
    const targets = only ? [only] : [...this.channels];
    if (!targets.some((channel) => channel.isOpen())) return;
    let out = event;
    if (this.beta) {
      if (event.type === 'conversation.item.done') return; // beta servers sent conversation.item.created only
      const beta = GA_TO_BETA.get(event.type);
      if (beta !== undefined) out = { ...event, type: beta };
    }
    if (this.settings.recordEvents) this.serverEvents.push(out);
    this.settings.onServerEvent(out);
    const text = JSON.stringify(out);
    for (const channel of targets) channel.send(text);
  }

  /** One chunk of a spoken message's audio: an output_audio.delta over WebSocket, the track on WebRTC, nothing on SIP. */
  sendAudio(at: AudioPosition, format: AudioFormat | undefined, obfuscation: string, pcm?: Int16Array): void {
    this.audio.chunk(at, format, obfuscation, pcm);
  }

  async tick(): Promise<void> {
    await new Promise((resolve) => (this.settings.deltaDelayMs > 0 ? setTimeout(resolve, this.settings.deltaDelayMs) : setImmediate(resolve)));
  }

  /** Starts a response (response.created is sent at once, so a response.create now gets an error). */
  beginResponse(params: ResponseCreateParams = {}): ActiveResponse {
    const outOfBand = params.conversation === 'none';
    const response = new ActiveResponse(this, params, outOfBand);
    if (outOfBand) this.outOfBand.add(response);
    else this.active = response;
    response.start();
    return response;
  }

  responseEnded(response: ActiveResponse): void {
    if (this.active === response) this.active = undefined;
    this.audio.responseEnded(response.id, response.cancelReason === 'turn_detected');
    this.outOfBand.delete(response);
    this.notify();
  }

  /** The user starts speaking (VAD): speech_started, with the id the user item will get. */
  speechStarted(atMs?: number): { itemId: string; startMs: number } {
    const turn = { itemId: newId('item'), startMs: atMs ?? this.clockMs + 300 };
    this.send({ type: 'input_audio_buffer.speech_started', event_id: newId('event'), audio_start_ms: turn.startMs, item_id: turn.itemId });
    return turn;
  }

  /** The user stops: speech_stopped, committed, the user item, and its transcription. */
  finishUserTurn(turn: { itemId: string; startMs: number }, text: string, endAtMs?: number): void {
    const endMs = endAtMs ?? turn.startMs + Math.max(600, textDeltas(text).length * 350);
    this.clockMs = endMs + 200;
    this.send({ type: 'input_audio_buffer.speech_stopped', event_id: newId('event'), audio_end_ms: endMs, item_id: turn.itemId });
    const item: ConversationItem = { id: turn.itemId, object: 'realtime.item', type: 'message', status: 'completed', role: 'user', content: [{ type: 'input_audio', transcript: null }] };
    const inserted = this.conversation.insert(item);
    const previous = 'previousItemId' in inserted ? inserted.previousItemId : null;
    this.send({ type: 'input_audio_buffer.committed', event_id: newId('event'), previous_item_id: previous, item_id: turn.itemId });
    this.send({ type: 'conversation.item.added', event_id: newId('event'), previous_item_id: previous, item: structuredClone(item) });
    this.send({ type: 'conversation.item.done', event_id: newId('event'), previous_item_id: previous, item: structuredClone(item) });
    const at = { item_id: turn.itemId, content_index: 0 };
    for (const delta of textDeltas(text)) this.send({ type: 'conversation.item.input_audio_transcription.delta', event_id: newId('event'), ...at, delta });
    const audioTokens = Math.ceil((endMs - turn.startMs) / 100);
    const textTokens = Math.ceil(textDeltas(text).length * 1.3);
    this.send({
      type: 'conversation.item.input_audio_transcription.completed',
      event_id: newId('event'),
      ...at,
      transcript: text,
      usage: { type: 'tokens', total_tokens: audioTokens + textTokens, input_tokens: audioTokens, input_token_details: { text_tokens: 0, audio_tokens: audioTokens }, output_tokens: textTokens },
    });
    this.conversation.replace({ ...item, id: turn.itemId, content: [{ type: 'input_audio', transcript: text }] });
  }

  /**
   * Resolves with `check()`'s first defined value: now, or after a client event or a response's end.
   * Rejects with a StepFailure on timeout or when the connection closes.
   */
  waitFor<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (finish: () => void): void => {
        clearTimeout(timer);
        this.waiters.delete(attempt);
        finish();
      };
      const attempt = (): void => {
        if (this.closed) return settle(() => reject(new StepFailure(`the connection closed (code ${this.closed?.code}) while waiting for ${what}`)));
        let value: T | undefined;
        try {
          value = check();
        } catch (error) {
          return settle(() => reject(error as Error));
        }
        if (value !== undefined) settle(() => resolve(value));
      };
      timer = setTimeout(() => settle(() => reject(new StepFailure(`timed out after ${timeoutMs} ms waiting for ${what}`))), timeoutMs);
      this.waiters.add(attempt);
      attempt();
    });
  }

  /** Waits `ms` (returns early when the connection closes). */
  pause(ms: number): Promise<void> {
    return this.waitFor(() => undefined, ms, 'nothing').catch(() => undefined);
  }

  /**
   * Voice activity goes to `listener` (not to the queue `takeSpeech` reads): a call's incoming
   * audio, or over WebSocket the appended audio while server VAD is on.
   */
  listenForSpeech(listener: (speech: PeerSpeech) => void): void {
    this.audio.listenForSpeech(listener);
  }

  /** Drops the input audio buffer's contents (server VAD committed it). */
  inputCommittedByServer(): void {
    this.inputBytes = 0;
    this.audio.takeHeardSpeech();
  }

  /** The user started speaking over the model (server VAD, interrupt_response): a call's queued audio is dropped. */
  interruptOutputAudio(): void {
    this.audio.interrupted();
  }

  /** The next voice activity of `type` a WebRTC call's peer reported, or undefined when none is waiting. */
  takeSpeech(type: PeerSpeech['type']): PeerSpeech | undefined {
    return this.audio.takeSpeech(type);
  }

  /** Ends the session from the server side: every channel closes with `code` and `reason`. */
  end(code: number, reason: string): void {
    const channels = [...this.channels];
    this.channels.clear();
    // Ended first: closing a channel may end the call, which must find the session ended with this reason.
    this.onClosed(code, reason);
    for (const channel of channels) channel.close(code, reason);
  }

  private onClosed(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = { code, reason };
    this.log(`session ended (${code}${reason ? ` ${reason}` : ''})`);
    try {
      this.settings.onEnded?.(this.closed);
    } catch (error) {
      this.log(`onEnded failed: ${(error as Error).message}`);
    }
    this.notify();
  }

  /** Wakes every waitFor (a client event, a response's end, voice activity arrived). */
  notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private receive(channel: SimulatorChannel, data: string | Buffer, isBinary: boolean): void {
    if (this.closed) return;
    if (this.heldFrames !== undefined) {
      this.heldFrames.push({ channel, data, isBinary });
      return;
    }
    const decoded = decodeClientEvent(isBinary || typeof data === 'string' ? data : data.toString('utf8'));
    if (!decoded.ok) {
      const text = typeof data === 'string' ? data : data.toString('utf8');
      this.rejectedFrames.push({ text, error: decoded.error });
      this.log(`refused a client frame: ${decoded.error.message}`);
      this.send(codecErrorEvent(decoded.error, clientEventIdOf(text)));
      return;
    }
    const event = decoded.event;
    if (this.settings.recordEvents) {
      this.clientEvents.push(event);
      this.clientEventLog.push({ channel: channel.kind, channelId: channel.id, event });
    }
    if (event.type === 'response.create') this.responseCreates += 1;
    this.settings.onClientEvent(event);
    this.handle(event);
    this.notify();
  }

  private fail(event: ClientEvent, problem: Problem): void {
    this.send(errorEvent(problem.code, problem.message, problem.param, event.event_id ?? null));
  }

  private handle(event: ClientEvent): void {
    const c = this.conversation;
    switch (event.type) {
      case 'session.update': {
        const result = c.update(event.session);
        if (isProblem(result)) return this.fail(event, result);
        this.send({ type: 'session.updated', event_id: newId('event'), session: structuredClone(result) });
        if (!this.updated) {
          this.updated = true;
          this.settings.onSessionUpdated();
        }
        return;
      }
      case 'input_audio_buffer.append': {
        this.inputBytes += base64Bytes(event.audio);
        const detection = c.session.audio?.input?.turn_detection;
        if (this.turnModel && detection) this.audio.inputAudio(event.audio, c.session.audio?.input?.format, detection.type === 'server_vad' ? (detection.silence_duration_ms ?? 500) : 500);
        return;
      }
      case 'input_audio_buffer.commit': {
        const ms = audioMs(this.inputBytes, c.session.audio?.input?.format);
        // On a WebRTC call the buffer fills from the track: speech heard since the last commit counts.
        const heardOnTrack = this.media.kind === 'peer' && this.audio.takeHeardSpeech();
        if (ms < 100 && !heardOnTrack) {
          const message = `Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has ${ms.toFixed(2)}ms of audio.`;
          return this.fail(event, { code: 'input_audio_buffer_commit_empty', message, param: null });
        }
        this.inputBytes = 0;
        const item: ConversationItem = { id: newId('item'), object: 'realtime.item', type: 'message', status: 'completed', role: 'user', content: [{ type: 'input_audio', transcript: null }] };
        const inserted = c.insert(item);
        const previous = 'previousItemId' in inserted ? inserted.previousItemId : null;
        this.send({ type: 'input_audio_buffer.committed', event_id: newId('event'), previous_item_id: previous, item_id: item.id as string });
        this.send({ type: 'conversation.item.added', event_id: newId('event'), previous_item_id: previous, item: structuredClone(item) });
        this.send({ type: 'conversation.item.done', event_id: newId('event'), previous_item_id: previous, item: structuredClone(item) });
        this.turnModel?.userAudioCommitted();
        return;
      }
      case 'input_audio_buffer.clear':
        this.inputBytes = 0;
        this.send({ type: 'input_audio_buffer.cleared', event_id: newId('event') });
        return;
      case 'conversation.item.create': {
        const problem = c.checkClientItem(event.item);
        if (problem) return this.fail(event, problem);
        const hasStatus = event.item.type === 'message' || event.item.type === 'function_call' || event.item.type === 'function_call_output';
        const inserted = c.insert({ ...(hasStatus ? { object: 'realtime.item', status: 'completed' } : {}), ...event.item } as ConversationItem, event.previous_item_id);
        if (isProblem(inserted)) return this.fail(event, inserted);
        const { item, previousItemId } = inserted;
        this.send({ type: 'conversation.item.added', event_id: newId('event'), previous_item_id: previousItemId, item: structuredClone(item) });
        this.send({ type: 'conversation.item.done', event_id: newId('event'), previous_item_id: previousItemId, item: structuredClone(item) });
        return;
      }
      case 'conversation.item.retrieve': {
        const item = c.get(event.item_id);
        if (!item) return this.fail(event, { code: 'item_not_found', param: 'item_id', message: `Item with item_id not found: ${event.item_id}` });
        this.send({ type: 'conversation.item.retrieved', event_id: newId('event'), item: structuredClone(item) });
        return;
      }
      case 'conversation.item.truncate': {
        const problem = c.truncate(event.item_id, event.content_index, event.audio_end_ms);
        if (problem) return this.fail(event, problem);
        this.send({ type: 'conversation.item.truncated', event_id: newId('event'), item_id: event.item_id, content_index: event.content_index, audio_end_ms: event.audio_end_ms });
        return;
      }
      case 'conversation.item.delete': {
        const problem = c.delete(event.item_id);
        if (problem) return this.fail(event, problem);
        this.send({ type: 'conversation.item.deleted', event_id: newId('event'), item_id: event.item_id });
        return;
      }
      case 'response.create':
        return this.responseCreate(event);
      case 'response.cancel': {
        const target = event.response_id === undefined ? this.active : [this.active, ...this.outOfBand].find((r) => r?.id === event.response_id);
        if (!target || target.ended) return this.fail(event, { code: 'response_cancel_not_active', param: null, message: 'Cancellation failed: no active response found' });
        target.cancel('client_cancelled');
        return;
      }
      case 'output_audio_buffer.clear':
        if (this.audio.clear(this.active?.id)) return;
        return this.fail(event, { code: 'invalid_value', param: 'type', message: 'output_audio_buffer.clear is only supported on WebRTC and SIP connections.' });
    }
  }

  private responseCreate(event: Extract<ClientEvent, { type: 'response.create' }>): void {
    const outOfBand = event.response?.conversation === 'none';
    if (!outOfBand && this.active) {
      const message = `Conversation already has an active response in progress: ${this.active.id}. Wait until the response is finished before creating a new one.`;
      return this.fail(event, { code: 'conversation_already_has_active_response', param: null, message });
    }
    if (!outOfBand && this.claimant && this.claimant(event.response)) return;
    if (!outOfBand && this.turnModel?.responseRequested(event.response)) return;
    const response = this.beginResponse(event.response);
    this.log(`response.create from the client: default reply ${response.id}`);
    void response.play([{ kind: 'message', text: this.defaultReply(outOfBand) }]);
  }

  /** Quotes the function outputs that arrived since the last assistant message, else a plain "Okay.". */
  private defaultReply(outOfBand: boolean): string {
    const outputs = outOfBand ? [] : this.conversation.outputsSinceAssistant();
    return outputs.length > 0 ? renderReply(DEFAULT_REPLY, outputs) : 'Okay.';
  }
}
