/**
 * Where a session's output audio goes and where its user turns are heard: over WebSocket the audio
 * is base64 in `response.output_audio.delta` events; on a WebRTC call it goes onto the peer's track
 * (no delta events; `output_audio_buffer.*` follow the playback) and the peer's voice activity times
 * the user turns; on a SIP call both stay on the phone leg.
 */
import type { AudioFormat, ServerEvent } from '../../src/protocol/generated/types.js';
import type { PeerAudioPlayback, PeerSpeech, SimulatorPeer } from './peer.js';
import { createSpeechDetector, type SpeechDetector } from './vad.js';
import { pcm16Bytes } from './wav.js';
import { audioChunk, newId, pcmChunk } from './wire.js';

/** `events`: WebSocket; `peer`: a WebRTC call; `sip`: a SIP call. */
export type SessionMedia = { readonly kind: 'events' } | { readonly kind: 'peer'; readonly peer: SimulatorPeer } | { readonly kind: 'sip' };

export interface AudioPosition {
  readonly response_id: string;
  readonly item_id: string;
  readonly output_index: number;
  readonly content_index: number;
}

/** What the media needs from its session. */
export interface MediaHost {
  readonly audioChunkMs: number;
  isClosed(): boolean;
  send(event: ServerEvent): void;
  log(line: string): void;
  /** Wakes the session's waiters (voice activity arrived). */
  notify(): void;
}

export class SessionAudio {
  /** Voice activity on a WebRTC call's incoming audio, not yet taken by a user step. */
  private readonly speech: PeerSpeech[] = [];
  /** The response whose audio was queued last on a WebRTC call (output_audio_buffer.* name it). */
  private audioResponseId: string | undefined;
  private lastResponseId: string | undefined;
  /** Takes voice activity instead of the queue (the rehearsal model answers every turn). */
  private speechListener: ((speech: PeerSpeech) => void) | undefined;
  /** Server VAD over appended WebSocket audio (with a speech listener only): the detector and the audio time so far. */
  private inputVad: { detector: SpeechDetector; silenceMs: number; atMs: number } | undefined;
  private heardSinceCommit = false;

  constructor(
    readonly media: SessionMedia,
    private readonly host: MediaHost,
  ) {
    if (media.kind !== 'peer') return;
    media.peer.onSpeech((speech) => this.heard(speech));
    media.peer.onAudioPlayback((playback) => this.played(playback));
  }

  /** One chunk of a spoken message: `pcm` (24 kHz PCM16 mono) when given, else `audioChunkMs` of the tone. */
  chunk(at: AudioPosition, format: AudioFormat | undefined, obfuscation: string, pcm?: Int16Array): void {
    if (this.media.kind === 'events') {
      const delta = pcm ? encodeAudio(pcm, format) : audioChunk(format, this.host.audioChunkMs);
      this.host.send({ type: 'response.output_audio.delta', event_id: newId('event'), ...at, delta, obfuscation } as ServerEvent);
      return;
    }
    if (this.media.kind !== 'peer' || this.host.isClosed()) return;
    this.audioResponseId = at.response_id;
    try {
      this.media.peer.playAudio(pcm ?? pcmChunk(this.host.audioChunkMs));
    } catch (error) {
      this.host.log(`playing audio on the peer failed: ${(error as Error).message}`);
    }
  }

  responseEnded(responseId: string, cancelledByTurn: boolean): void {
    this.lastResponseId = responseId;
    // On WebRTC the server owns the output buffer: a barge-in drops the audio not played yet.
    if (cancelledByTurn && this.audioResponseId === responseId) this.clearPeer();
  }

  /** The caller started speaking over the model (server VAD with interrupt_response): a call's queued audio is dropped, as the API does. */
  interrupted(): void {
    this.clearPeer();
  }

  /** Answers `output_audio_buffer.clear`; false over WebSocket, where the event does not exist. */
  clear(activeResponseId: string | undefined): boolean {
    if (this.media.kind === 'events') return false;
    if (this.media.kind === 'peer') {
      this.clearPeer(); // output_audio_buffer.cleared comes from the peer's playback
      return true;
    }
    const responseId = activeResponseId ?? this.lastResponseId;
    if (responseId !== undefined) this.host.send({ type: 'output_audio_buffer.cleared', event_id: newId('event'), response_id: responseId });
    return true;
  }

  /** The next voice activity of `type` (older events of the other type are dropped), or undefined when none is waiting. */
  takeSpeech(type: PeerSpeech['type']): PeerSpeech | undefined {
    while (this.speech.length > 0) {
      const next = this.speech.shift() as PeerSpeech;
      if (next.type === type) return next;
    }
    return undefined;
  }

  /** Voice activity goes to `listener` from now on, not to the queue user steps take from. */
  listenForSpeech(listener: (speech: PeerSpeech) => void): void {
    this.speechListener = listener;
  }

  /**
   * Appended input audio over WebSocket, with server VAD on and a speech listener: a level detector
   * (the peer's, `vad.ts`) finds where speech starts and stops. 24 kHz PCM16 only (G.711 input is
   * not decoded).
   */
  inputAudio(base64: string, format: AudioFormat | undefined, silenceMs: number): void {
    if (this.media.kind !== 'events' || !this.speechListener || (format?.type ?? 'audio/pcm') !== 'audio/pcm') return;
    if (!this.inputVad || this.inputVad.silenceMs !== silenceMs) {
      this.inputVad = { detector: createSpeechDetector({ silenceMs }, (speech) => this.heard(speech)), silenceMs, atMs: this.inputVad?.atMs ?? 0 };
    }
    const bytes = Buffer.from(base64, 'base64');
    const samples = new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.length - (bytes.length % 2))));
    const frame = 480; // 20 ms at 24 kHz: the detector measures a frame's level
    for (let at = 0; at < samples.length; at += frame) {
      const piece = samples.subarray(at, at + frame);
      this.inputVad.detector.push(piece, this.inputVad.atMs, 24_000);
      this.inputVad.atMs += piece.length / 24;
    }
  }

  /**
   * Whether the caller spoke since the last call (a WebRTC call's input buffer is its track: a
   * push-to-talk client commits it with VAD off, often before the detector saw the speech end).
   */
  takeHeardSpeech(): boolean {
    const heard = this.heardSinceCommit;
    this.heardSinceCommit = false;
    return heard;
  }

  private heard(speech: PeerSpeech): void {
    if (this.host.isClosed()) return;
    this.host.log(`the caller's audio: speech ${speech.type} at ${speech.atMs} ms`);
    if (speech.type === 'started') this.heardSinceCommit = true;
    if (this.speechListener) {
      try {
        this.speechListener(speech);
      } catch (error) {
        this.host.log(`the speech listener failed: ${(error as Error).message}`);
      }
      return;
    }
    this.speech.push(speech);
    this.host.notify();
  }

  private played(playback: PeerAudioPlayback): void {
    const responseId = this.audioResponseId ?? this.lastResponseId;
    if (responseId !== undefined) this.host.send({ type: `output_audio_buffer.${playback.type}`, event_id: newId('event'), response_id: responseId } as ServerEvent);
  }

  private clearPeer(): void {
    if (this.media.kind !== 'peer') return;
    try {
      this.media.peer.clearAudio();
    } catch (error) {
      this.host.log(`clearing the peer's audio failed: ${(error as Error).message}`);
    }
  }
}

/** 24 kHz PCM16 in the session's output format, base64: as is for audio/pcm; G.711 silence of the same length for pcmu/pcma (no G.711 encoder here). */
function encodeAudio(pcm: Int16Array, format: AudioFormat | undefined): string {
  if ((format?.type ?? 'audio/pcm') === 'audio/pcm') return pcm16Bytes(pcm).toString('base64');
  return Buffer.alloc(Math.round(pcm.length / 3), format?.type === 'audio/pcmu' ? 0xff : 0xd5).toString('base64');
}
