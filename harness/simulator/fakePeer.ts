/**
 * A `SimulatorPeer` without WebRTC, for tests of the call model: the test plays the browser (sends
 * client events on the "data channel", reports voice activity, drains the played audio) and reads
 * what the simulator sent. Playback: `started` when audio is first queued, `stopped` when the test
 * calls `drainAudio()`, `cleared` when the simulator clears queued audio.
 */
import type { ClientEvent } from '../../src/protocol/generated/types.js';
import type { AnswerOffer, PeerAudioPlayback, PeerSpeech, SimulatorPeer } from './peer.js';
import { eventReader, type EventReader } from './testSupport.js';

export const FAKE_ANSWER_SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:1\r\n';
export const FAKE_OFFER_SDP = 'v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:1\r\n';

class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();
  add(listener: (value: T) => void): () => void {
    this.set.add(listener);
    return () => void this.set.delete(listener);
  }
  emit(value: T): void {
    for (const listener of [...this.set]) listener(value);
  }
}

export class FakePeer implements SimulatorPeer {
  readonly answerSdp = FAKE_ANSWER_SDP;
  readonly channelOpen: Promise<void>;
  /** What the simulator sent on the data channel. */
  readonly events: EventReader = eventReader();
  /** Milliseconds of 24 kHz audio the simulator queued in total. */
  playedMs = 0;
  queuedMs = 0;
  closed = false;
  /** Playback events the peer reported, in order. */
  readonly playback: PeerAudioPlayback['type'][] = [];
  private readonly clientListeners = new Listeners<string>();
  private readonly speechListeners = new Listeners<PeerSpeech>();
  private readonly playbackListeners = new Listeners<PeerAudioPlayback>();
  private readonly closeListeners = new Listeners<void>();
  private openChannel: () => void = () => undefined;
  private playing = false;

  constructor(
    readonly offerSdp: string,
    options: { openChannel?: 'now' | 'manual' } = {},
  ) {
    this.channelOpen = new Promise((resolve) => (this.openChannel = resolve));
    if ((options.openChannel ?? 'now') === 'now') this.openChannel();
  }

  /** Opens the data channel (with `openChannel: 'manual'`). */
  open(): void {
    this.openChannel();
  }

  sendEvent(text: string): void {
    if (!this.closed) this.events.push(text);
  }

  onClientEvent(listener: (text: string) => void): () => void {
    return this.clientListeners.add(listener);
  }

  onSpeech(listener: (speech: PeerSpeech) => void): () => void {
    return this.speechListeners.add(listener);
  }

  playAudio(pcm: Int16Array): void {
    this.queuedMs += pcm.length / 24;
    if (this.playing) return;
    this.playing = true;
    this.report('started');
  }

  clearAudio(): void {
    if (!this.playing) return;
    this.playing = false;
    this.queuedMs = 0;
    this.report('cleared');
  }

  onAudioPlayback(listener: (event: PeerAudioPlayback) => void): () => void {
    return this.playbackListeners.add(listener);
  }

  onClose(listener: () => void): () => void {
    return this.closeListeners.add(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closeListeners.emit();
  }

  /* The browser's side */

  /** A client event on the data channel (as JSON text, like the real channel). */
  sendClientEvent(event: ClientEvent | Record<string, unknown>): void {
    this.clientListeners.emit(JSON.stringify(event));
  }

  /** Voice activity on the incoming audio, as the peer's VAD would report it. */
  speak(type: PeerSpeech['type'], atMs: number): void {
    this.speechListeners.emit({ type, atMs });
  }

  /** Plays out everything queued: `stopped`. */
  drainAudio(): void {
    if (!this.playing) return;
    this.playing = false;
    this.playedMs += this.queuedMs;
    this.queuedMs = 0;
    this.report('stopped');
  }

  private report(type: PeerAudioPlayback['type']): void {
    this.playback.push(type);
    this.playbackListeners.emit({ type });
  }
}

/** An `answerOffer` option that answers with fake peers, and the peers it made. */
export function fakePeers(options: { openChannel?: 'now' | 'manual'; fail?: string } = {}): { answerOffer: AnswerOffer; peers: FakePeer[] } {
  const peers: FakePeer[] = [];
  return {
    peers,
    answerOffer: async (offerSdp) => {
      if (options.fail !== undefined) throw new Error(options.fail);
      const peer = new FakePeer(offerSdp, options.openChannel ? { openChannel: options.openChannel } : {});
      peers.push(peer);
      return peer;
    },
  };
}
