/**
 * Where a session's output audio goes and where its user turns are heard: over WebSocket the audio
 * is base64 in `response.output_audio.delta` events; on a WebRTC call it goes onto the peer's track
 * (no delta events; `output_audio_buffer.*` follow the playback) and the peer's voice activity times
 * the user turns; on a SIP call both stay on the phone leg.
 */
import type { AudioFormat, ServerEvent } from '../../src/protocol/generated/types.js';
import type { PeerAudioPlayback, PeerSpeech, SimulatorPeer } from './peer.js';
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

  constructor(
    readonly media: SessionMedia,
    private readonly host: MediaHost,
  ) {
    if (media.kind !== 'peer') return;
    media.peer.onSpeech((speech) => this.heard(speech));
    media.peer.onAudioPlayback((playback) => this.played(playback));
  }

  /** One chunk (`audioChunkMs`) of a spoken message. */
  chunk(at: AudioPosition, format: AudioFormat | undefined, obfuscation: string): void {
    if (this.media.kind === 'events') {
      this.host.send({ type: 'response.output_audio.delta', event_id: newId('event'), ...at, delta: audioChunk(format, this.host.audioChunkMs), obfuscation } as ServerEvent);
      return;
    }
    if (this.media.kind !== 'peer' || this.host.isClosed()) return;
    this.audioResponseId = at.response_id;
    try {
      this.media.peer.playAudio(pcmChunk(this.host.audioChunkMs));
    } catch (error) {
      this.host.log(`playing audio on the peer failed: ${(error as Error).message}`);
    }
  }

  responseEnded(responseId: string, cancelledByTurn: boolean): void {
    this.lastResponseId = responseId;
    // On WebRTC the server owns the output buffer: a barge-in drops the audio not played yet.
    if (cancelledByTurn && this.audioResponseId === responseId) this.clearPeer();
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

  private heard(speech: PeerSpeech): void {
    if (this.host.isClosed()) return;
    this.host.log(`the caller's audio: speech ${speech.type} at ${speech.atMs} ms`);
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
