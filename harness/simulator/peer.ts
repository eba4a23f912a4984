/**
 * The WebRTC media peer of a simulated call, as the call model uses it: the contract that
 * `webrtcPeer.ts` (werift, loaded lazily) implements and that tests fake (`fakePeer.ts`). Types only,
 * so the WebSocket mode and the CLI bundle never load a WebRTC stack.
 */

/** Voice activity on the caller's incoming audio track. `atMs`: since the track's first audio. */
export interface PeerSpeech {
  readonly type: 'started' | 'stopped';
  readonly atMs: number;
}

/** What the outgoing track did with the audio queued by `playAudio`. */
export interface PeerAudioPlayback {
  readonly type: 'started' | 'stopped' | 'cleared';
}

export interface SimulatorPeer {
  /** The SDP answer to send back (201, `application/sdp`). */
  readonly answerSdp: string;
  /** Resolves when the `oai-events` data channel opened. */
  readonly channelOpen: Promise<void>;
  /** A server event (JSON text) onto the data channel. */
  sendEvent(text: string): void;
  /** Client events (JSON text) from the data channel. Returns the unsubscribe function. */
  onClientEvent(listener: (text: string) => void): () => void;
  /** Voice activity detected on the incoming audio track. */
  onSpeech(listener: (speech: PeerSpeech) => void): () => void;
  /** 24 kHz mono PCM16 onto the outgoing Opus track (queued, played in real time). */
  playAudio(pcm: Int16Array): void;
  /** Drops what was queued and not played yet. */
  clearAudio(): void;
  onAudioPlayback(listener: (event: PeerAudioPlayback) => void): () => void;
  /** The peer connection closed (either side). */
  onClose(listener: () => void): () => void;
  close(): Promise<void>;
}

/** Answers an SDP offer with a new peer. Throws when the offer cannot be answered. */
export type AnswerOffer = (offerSdp: string) => Promise<SimulatorPeer>;
