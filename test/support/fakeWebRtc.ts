/**
 * A fake RTCPeerConnection / RTCDataChannel / MediaStream for the WebRTC transport's unit tests:
 * the WebRTC API's shapes and event order (gathering after setLocalDescription, the data channel
 * opening after the answer is set, `close` events fired later, not inside the call), with the
 * server's side of the channel driven by the test. Real WebRTC runs in the lead's end-to-end test.
 */
import type { DataChannelLike, MediaStreamLike, MediaStreamTrackLike, PeerConnectionLike, SessionDescriptionLike, TrackEventLike } from '../../src/protocol/peerConnectionLike.js';

type Listener = (event: never) => void;

class Listeners {
  readonly #byType = new Map<string, Listener[]>();
  addEventListener(type: string, listener: Listener): void {
    this.#byType.set(type, [...(this.#byType.get(type) ?? []), listener]);
  }
  dispatch(type: string, event: unknown = {}): void {
    for (const listener of this.#byType.get(type) ?? []) (listener as (event: unknown) => void)(event);
  }
  count(type: string): number {
    return this.#byType.get(type)?.length ?? 0;
  }
}

const later = (action: () => void) => void setTimeout(action, 0);

export class FakeTrack implements MediaStreamTrackLike {
  enabled = true;
  readyState: 'live' | 'ended' = 'live';
  constructor(readonly kind = 'audio') {}
  stop(): void {
    this.readyState = 'ended';
  }
}

export class FakeStream implements MediaStreamLike {
  constructor(readonly tracks: FakeTrack[] = [new FakeTrack()]) {}
  getAudioTracks(): FakeTrack[] {
    return this.tracks.filter((track) => track.kind === 'audio');
  }
}

export class FakeDataChannel extends Listeners implements DataChannelLike {
  readyState: 'connecting' | 'open' | 'closing' | 'closed' = 'connecting';
  /** What the client sent, as text. */
  readonly sent: string[] = [];
  /** Makes the next send throw (a channel the browser already tore down). */
  throwOnSend: Error | undefined;
  constructor(
    readonly label: string,
    readonly init: { ordered?: boolean } | undefined,
  ) {
    super();
  }
  readonly #sentListeners: Array<(text: string) => void> = [];
  send(data: string): void {
    if (this.throwOnSend) throw this.throwOnSend;
    if (this.readyState !== 'open') throw new Error(`InvalidStateError: the channel is ${this.readyState}`);
    this.sent.push(data);
    for (const listener of this.#sentListeners) listener(data);
  }
  /** The server's side hears each client event (the scripted server of a test answers here). */
  onSent(listener: (text: string) => void): void {
    this.#sentListeners.push(listener);
  }
  close(): void {
    if (this.readyState === 'closed' || this.readyState === 'closing') return;
    this.readyState = 'closing';
    later(() => this.remoteClose());
  }
  /** The server's side. */
  remoteOpen(): void {
    this.readyState = 'open';
    this.dispatch('open');
  }
  remoteSend(data: unknown): void {
    this.dispatch('message', { data: typeof data === 'string' || data instanceof ArrayBuffer || ArrayBuffer.isView(data) ? data : JSON.stringify(data) });
  }
  remoteClose(): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.dispatch('close');
  }
  remoteError(message: string): void {
    this.dispatch('error', { error: new Error(message) });
  }
  /** The client's sent events, parsed. */
  sentEvents(): Array<{ type: string } & Record<string, unknown>> {
    return this.sent.map((text) => JSON.parse(text) as { type: string });
  }
}

export interface FakePeerBehaviour {
  /** Open the data channel once the answer is set (a reachable server). Default true. */
  autoOpen?: boolean;
  /** ICE gathering never completes (a network that hangs); the transport's bound must send the offer anyway. */
  gatheringHangs?: boolean;
  /** The SCTP limit per message (browsers: 256 KiB). */
  maxMessageSize?: number;
}

export class FakePeerConnection extends Listeners implements PeerConnectionLike {
  connectionState = 'new';
  iceGatheringState = 'new';
  localDescription: SessionDescriptionLike | null = null;
  remoteDescription: SessionDescriptionLike | null = null;
  sctp: { maxMessageSize: number } | null = null;
  readonly channels: FakeDataChannel[] = [];
  readonly transceivers: Array<{ trackOrKind: MediaStreamTrackLike | string; direction: string | undefined }> = [];
  closed = false;
  constructor(readonly behaviour: FakePeerBehaviour = {}) {
    super();
  }
  get channel(): FakeDataChannel {
    return this.channels[0]!;
  }
  createDataChannel(label: string, init?: { ordered?: boolean }): FakeDataChannel {
    const channel = new FakeDataChannel(label, init);
    this.channels.push(channel);
    return channel;
  }
  addTransceiver(trackOrKind: MediaStreamTrackLike | string, init?: { direction?: string }): unknown {
    this.transceivers.push({ trackOrKind, direction: init?.direction });
    return {};
  }
  async createOffer(): Promise<SessionDescriptionLike> {
    const media = this.transceivers.map((t) => `m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=${t.direction ?? 'sendrecv'}\r\n`).join('');
    return { type: 'offer', sdp: `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n${media}m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n` };
  }
  async setLocalDescription(description: { type: 'offer'; sdp: string }): Promise<void> {
    this.localDescription = description;
    this.iceGatheringState = 'gathering';
    if (this.behaviour.gatheringHangs) return;
    later(() => {
      if (this.closed) return;
      this.localDescription = { type: 'offer', sdp: `${description.sdp}a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host\r\n` };
      this.iceGatheringState = 'complete';
      this.dispatch('icegatheringstatechange');
    });
  }
  async setRemoteDescription(description: { type: 'answer'; sdp: string }): Promise<void> {
    // Like a browser: an answer that does not parse is refused.
    if (!description.sdp.includes('\nm=')) throw new Error('OperationError: Failed to parse SessionDescription. Expect line: m=');
    this.remoteDescription = description;
    this.setConnectionState('connecting');
    if (this.behaviour.autoOpen === false) return;
    later(() => {
      if (this.closed) return;
      this.setConnectionState('connected');
      this.sctp = { maxMessageSize: this.behaviour.maxMessageSize ?? 262_144 };
      this.channel.remoteOpen();
    });
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // As the spec says: close() fires no connectionstatechange, and its channels close abruptly, with no event.
    this.connectionState = 'closed';
    for (const channel of this.channels) channel.readyState = 'closed';
  }
  /** The network's side. */
  setConnectionState(state: string): void {
    this.connectionState = state;
    this.dispatch('connectionstatechange');
  }
  remoteTrack(event: TrackEventLike): void {
    this.dispatch('track', event);
  }
}

/** A factory that records every peer connection it made. */
export function fakePeerConnections(behaviour: FakePeerBehaviour = {}): { create: () => FakePeerConnection; made: FakePeerConnection[]; readonly last: FakePeerConnection } {
  const made: FakePeerConnection[] = [];
  return {
    create: () => {
      const peer = new FakePeerConnection(behaviour);
      made.push(peer);
      return peer;
    },
    made,
    get last() {
      return made[made.length - 1]!;
    },
  };
}

/** A minimal answer that parses (the fake looks for an m= line, as browsers do). */
export const ANSWER_SDP = 'v=0\r\no=- 9 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n';
