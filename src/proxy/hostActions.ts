/**
 * The embedding API: what an app does with a session beside the tools (send audio and text,
 * interrupt, change the session), compared with `@openai/agents-realtime`'s `RealtimeSession`
 * (`sendAudio`, `sendMessage`, `interrupt`, `updateSessionConfig`…).
 *
 * Audio never passes through a machine: an append is encoded and sent on the transport here. What
 * the machines own goes through them: `response.create` (the response machine: never two in
 * flight, none over an active response), `response.cancel` (sent once, for an active response),
 * `session.update` (one in flight; the host's fields are never reverted by the proxy's own updates)
 * and the barge-in rules for running calls. What only the edge knows stays here: which assistant
 * audio item is playing and how much of it arrived (for `conversation.item.truncate`), and the
 * session's audio formats (from `session.created` / `session.updated`).
 *
 * No method throws, whatever it is given or whenever it is called: each returns a `SendResult`.
 * Before the session's first `session.update` is out (`connecting`: before `start()` resolves) and
 * after it ended, sends are refused with `not_open`; only `updateSession` is taken while connecting
 * (the first update carries it). Nothing is queued: after `await proxy.start()` every method works.
 */
import { ProxyError } from '../errors.js';
import type { DecodedServerEvent } from '../protocol/codec.js';
import type { ClientEvent } from '../protocol/generated/types.js';
import type { RealtimeTransport, SendResult } from '../protocol/transport.js';
import type { SessionEndReason, SessionEvent } from '../machines/session.js';
import type { SessionPatch } from '../machines/sessionUpdate.js';
import { base64ByteLength } from '../base64.js';
import { audioPayload, type AudioInput } from './audioPayload.js';
import { isAudioEvent } from './options.js';
import { checkSessionPatch } from './sessionPatch.js';
import { checkAllowlistShape, type ToolAllowlist } from './toolSettings.js';

/** Beyond any context window (gpt-realtime: 32k tokens ≈ 128k characters): such a message is a mistake. */
export const MAX_TEXT_CHARS = 200_000;

export interface RealtimeMcpProxyEmbedding {
  /**
   * Appends the user's audio (`input_audio_buffer.append`): PCM16 bytes in the session's input
   * format (24 kHz mono by default) or their base64. Refused with `not_supported` when the
   * transport carries audio on a media track (WebRTC, SIP): feed the microphone track instead.
   */
  sendAudio(audio: AudioInput): SendResult;
  /** Ends the user's turn (`input_audio_buffer.commit`, push-to-talk); `respond: true` then asks the model to answer (default false: server VAD answers by itself). */
  commitAudio(options?: { respond?: boolean }): SendResult;
  /** Drops the audio appended since the last commit (`input_audio_buffer.clear`). */
  clearAudio(): SendResult;
  /** A user text message (`conversation.item.create`); `respond` (default true) asks the model to answer it, once no response is active. */
  sendText(text: string, options?: { respond?: boolean }): SendResult;
  /**
   * Stops the model: cancels the active response (if one is), then, over a WebSocket, truncates
   * the assistant audio being played at `audioEndMs` (how much the host's player played of it: only
   * the host knows; without it nothing is truncated and the model believes the user heard it all),
   * or over WebRTC/SIP clears the output buffer. Running calls, their turns and open approvals hear
   * it as they hear the user speak (barge-in rules). Call it from a stop button, or on
   * `input_audio_buffer.speech_started` to truncate what the user did not hear.
   */
  interrupt(options?: { audioEndMs?: number }): SendResult;
  /**
   * Changes session fields (instructions, voice, turn detection…): sent in a `session.update` once
   * no other is in flight, and never reverted by the proxy's own updates (a catalog change sends
   * only the tools). `type`, `model`, `tools` and `tool_choice` are refused (`invalid_options`). A
   * refusal by the server arrives as `realtime.error`. An empty patch sends nothing.
   */
  updateSession(patch: SessionPatch): SendResult;
  /**
   * Replaces the allowlist (`allowedTools`: "server/tool" keys, or a function of the tool) mid-session:
   * the tools offered are worked out again (same limits, same names) and sent in one
   * `session.update` once no other is in flight; a call to a tool left out is refused
   * (`not_allowed`). A key naming no listed tool is refused (`invalid_input`, with a "did you
   * mean") and nothing changes. Before `start()` has listed the tools, it replaces the
   * `allowedTools` option (checked as it is, at start). Host tools are not affected.
   */
  setAllowedTools(allowed: ToolAllowlist): SendResult;
}

export interface HostActionsDeps {
  /** For its audio mode (`media`: no audio in events). */
  transport: RealtimeTransport;
  /** The session's one way onto the transport (it reports `realtime.sent`); never throws. */
  send(event: ClientEvent): SendResult;
  /** The session's stage: `connecting`, `configuring`, `ready` or `closed`. */
  stage(): string;
  end(): SessionEndReason | undefined;
  tell(event: SessionEvent): void;
  /** Checks an allowlist of the right shape against the catalog and, if it names only listed tools, offers the tools it allows. */
  allowTools(allowed: ToolAllowlist): SendResult;
}

/** The assistant audio item the host is playing, as far as its deltas arrived. */
interface PlayingItem {
  itemId: string;
  contentIndex: number;
  bytes: number;
  /** Its `response.output_audio.done` came: the audio is whole. */
  done: boolean;
}

const G711 = new Set(['audio/pcmu', 'audio/pcma']);

type Loose = { [field: string]: unknown };
const field = (value: unknown, ...path: string[]): unknown => path.reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as Loose)[key] : undefined), value);

const ok: SendResult = { ok: true };
const refused = (code: 'not_open' | 'not_supported' | 'invalid_input', message: string): SendResult => ({ ok: false, error: new ProxyError(code, message) });

/**
 * The embedding API of one session, and what the edge learns for it from the server's events.
 * A class: its methods are built once for the process, not as closures for every session (an idle
 * session held ~1.4 KB of them). Each public method catches what its arguments throw, so none
 * throws; the proxy hands them to the host as its own methods (see createRealtimeMcpProxy).
 */
export class HostActions implements RealtimeMcpProxyEmbedding {
  readonly #deps: HostActionsDeps;
  #inputIsG711 = false;
  #outputIsG711 = false;
  #playing: PlayingItem | undefined = undefined;

  constructor(deps: HostActionsDeps) {
    this.#deps = deps;
  }

  sendAudio(audio: AudioInput): SendResult {
    try {
      const closed = this.#notOpen('send audio');
      if (closed) return closed;
      if (this.#deps.transport.audio === 'media') {
        return refused('not_supported', "Failed to send audio: this session's audio travels on a media track or a phone leg (the transport's audio is 'media'), not in events. Please feed the microphone track instead.");
      }
      const payload = audioPayload(audio, !this.#inputIsG711);
      if (!payload.ok) return refused('invalid_input', `Failed to send audio: ${payload.why}. Please ${payload.fix}.`);
      return this.#deps.send({ type: 'input_audio_buffer.append', audio: payload.base64 });
    } catch (cause) {
      return argumentsThrew('send audio', cause);
    }
  }

  commitAudio(options?: { respond?: boolean }): SendResult {
    try {
      const respond = respondOption(options, false, 'commit the audio');
      if (typeof respond !== 'boolean') return respond;
      const closed = this.#notOpen('commit the audio');
      if (closed) return closed;
      const result = this.#deps.send({ type: 'input_audio_buffer.commit' });
      if (result.ok && respond) this.#deps.tell({ type: 'host.responseRequested' });
      return result;
    } catch (cause) {
      return argumentsThrew('commit the audio', cause);
    }
  }

  clearAudio(): SendResult {
    try {
      return this.#notOpen('clear the audio') ?? this.#deps.send({ type: 'input_audio_buffer.clear' });
    } catch (cause) {
      return argumentsThrew('clear the audio', cause);
    }
  }

  sendText(text: string, options?: { respond?: boolean }): SendResult {
    try {
      const respond = respondOption(options, true, 'send the text');
      if (typeof respond !== 'boolean') return respond;
      if (typeof text !== 'string') return refused('invalid_input', `Failed to send the text: it is ${text === null ? 'null' : `a ${typeof text}`}, not a string. Please pass the user's message as a string.`);
      if (text.trim().length === 0) return refused('invalid_input', 'Failed to send the text: it is empty. Please send a message with words in it.');
      if (text.length > MAX_TEXT_CHARS) return refused('invalid_input', `Failed to send the text: it is ${text.length} characters, over ${MAX_TEXT_CHARS} (more than the model's context holds). Please send a shorter message.`);
      const closed = this.#notOpen('send the text');
      if (closed) return closed;
      const result = this.#deps.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } });
      // After the item: the response machine's create (now, or once the active response is done) follows it on the wire.
      if (result.ok && respond) this.#deps.tell({ type: 'host.responseRequested' });
      return result;
    } catch (cause) {
      return argumentsThrew('send the text', cause);
    }
  }

  interrupt(options?: { audioEndMs?: number }): SendResult {
    try {
      let audioEndMs: number | undefined;
      if (options !== undefined) {
        if (typeof options !== 'object' || options === null) return refused('invalid_input', `Failed to interrupt: the options are ${options === null ? 'null' : `a ${typeof options}`}. Please pass { audioEndMs } or nothing.`);
        const given = (options as { audioEndMs?: unknown }).audioEndMs;
        if (given !== undefined && (typeof given !== 'number' || !Number.isFinite(given) || given < 0)) {
          return refused('invalid_input', `Failed to interrupt: audioEndMs is ${typeof given === 'number' ? String(given) : `a ${typeof given}`}. Please pass how many milliseconds of the assistant's audio were played, as a finite number ≥ 0.`);
        }
        audioEndMs = given;
      }
      const closed = this.#notOpen('interrupt');
      if (closed) return closed;
      // The cancel first (the machine sends it now, if a response is active), then what was not heard.
      this.#deps.tell({ type: 'host.interrupt' });
      if (this.#deps.transport.audio === 'media') return this.#deps.send({ type: 'output_audio_buffer.clear' });
      const item = this.#playing;
      if (audioEndMs === undefined || item === undefined) return ok;
      this.#playing = undefined;
      const receivedMs = Math.floor(item.bytes / (this.#outputIsG711 ? 8 : 48));
      // Heard to the end: nothing to drop (a truncate past the audio's length would be refused).
      if (item.done && audioEndMs >= receivedMs) return ok;
      return this.#deps.send({ type: 'conversation.item.truncate', item_id: item.itemId, content_index: item.contentIndex, audio_end_ms: Math.min(Math.floor(audioEndMs), receivedMs) });
    } catch (cause) {
      return argumentsThrew('interrupt', cause);
    }
  }

  updateSession(patch: SessionPatch): SendResult {
    try {
      const closed = this.#notOpen('update the session', true);
      if (closed) return closed;
      const checked = checkSessionPatch(patch);
      if (!checked.ok) return checked;
      if (checked.patch) this.#deps.tell({ type: 'host.sessionUpdate', patch: checked.patch });
      return ok;
    } catch (cause) {
      return argumentsThrew('update the session', cause);
    }
  }

  setAllowedTools(allowed: ToolAllowlist): SendResult {
    try {
      const closed = this.#notOpen('change the allowed tools', true);
      if (closed) return closed;
      const checked = checkAllowlistShape(allowed);
      if (!checked.ok) return refused('invalid_input', `Failed to change the allowed tools: ${checked.why}. Please ${checked.please}.`);
      return this.#deps.allowTools(checked.allowlist);
    } catch (cause) {
      return argumentsThrew('change the allowed tools', cause);
    }
  }

  /** What the edge learns from the server's events: the audio formats, and the assistant audio playing. */
  observe(event: DecodedServerEvent): void {
    const type = event.type;
    if (isAudioEvent(event)) {
      const itemId = field(event, 'item_id');
      const contentIndex = field(event, 'content_index');
      const delta = field(event, 'delta');
      if (typeof itemId !== 'string' || typeof contentIndex !== 'number' || typeof delta !== 'string') return;
      let playing = this.#playing;
      if (playing?.itemId !== itemId || playing.contentIndex !== contentIndex) this.#playing = playing = { itemId, contentIndex, bytes: 0, done: false };
      playing.bytes += base64ByteLength(delta);
    } else if (type === 'response.output_audio.done') {
      // Decoded events carry GA names whatever came over the wire (beta `response.audio.done` included).
      if (this.#playing !== undefined && field(event, 'item_id') === this.#playing.itemId) this.#playing.done = true;
    } else if (type === 'session.created' || type === 'session.updated') {
      const input = field(event, 'session', 'audio', 'input', 'format', 'type');
      const output = field(event, 'session', 'audio', 'output', 'format', 'type');
      if (typeof input === 'string') this.#inputIsG711 = G711.has(input);
      if (typeof output === 'string') this.#outputIsG711 = G711.has(output);
    }
  }

  /** Refused unless the session's first update is out and it has not ended. */
  #notOpen(what: string, alsoWhileConnecting = false): SendResult | undefined {
    const stage = this.#deps.stage();
    if (stage === 'configuring' || stage === 'ready' || (alsoWhileConnecting && stage === 'connecting')) return undefined;
    if (stage === 'connecting') return refused('not_open', `Failed to ${what}: the session is not open yet (start() has not resolved). Please await proxy.start() first.`);
    const end = this.#deps.end();
    return refused('not_open', `Failed to ${what}: the session has ended${end ? ` (${end.reason})` : ''}. Please start a new session.`);
  }
}

function respondOption(options: unknown, fallback: boolean, what: string): boolean | SendResult {
  if (options === undefined) return fallback;
  if (typeof options !== 'object' || options === null) return refused('invalid_input', `Failed to ${what}: the options are ${options === null ? 'null' : `a ${typeof options}`}. Please pass { respond: true } or { respond: false }, or nothing.`);
  const respond = (options as { respond?: unknown }).respond;
  if (respond === undefined) return fallback;
  if (typeof respond !== 'boolean') return refused('invalid_input', `Failed to ${what}: respond is ${JSON.stringify(respond) ?? typeof respond}, not true or false. Please pass a boolean.`);
  return respond;
}

/** An argument whose getter (or Proxy trap) threw is refused like any bad argument. */
function argumentsThrew(what: string, cause: unknown): SendResult {
  return { ok: false, error: new ProxyError('invalid_input', `Failed to ${what}: reading its arguments threw (${cause instanceof Error ? cause.message : String(cause)}). Please pass plain values.`, { cause }) };
}
