/**
 * The parts of the WebRTC API the WebRTC transport uses, written out so that the browser's classes,
 * a Node stack (`@roamhq/wrtc`) and a test fake all fit without casts. Only standard names: no
 * `on*` properties are set (a host's own handlers on a peer connection it created are left alone).
 * Also where the runtime's own come from, and the wait for ICE candidates.
 */
import { ProxyError } from '../errors.js';

export interface MediaStreamTrackLike {
  readonly kind: string;
  /** false sends silence (muted); the track stays negotiated. */
  enabled: boolean;
  stop(): void;
}

export interface MediaStreamLike {
  getAudioTracks(): MediaStreamTrackLike[];
}

export interface DataChannelLike {
  /** 'connecting' | 'open' | 'closing' | 'closed'. */
  readonly readyState: string;
  send(data: string): void;
  close(): void;
  addEventListener(type: 'open' | 'close', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  addEventListener(type: 'error', listener: (event: { readonly error?: unknown }) => void): void;
}

export interface TrackEventLike {
  readonly track: MediaStreamTrackLike;
  readonly streams: readonly MediaStreamLike[];
}

export interface SessionDescriptionLike {
  readonly type: string;
  readonly sdp?: string;
}

export interface PeerConnectionLike {
  /** 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed'. */
  readonly connectionState: string;
  /** 'new' | 'gathering' | 'complete'. */
  readonly iceGatheringState: string;
  /** After setLocalDescription: the offer with the candidates gathered so far. */
  readonly localDescription: SessionDescriptionLike | null;
  /** Present once negotiated in browsers; bounds one data-channel message. */
  readonly sctp?: { readonly maxMessageSize: number } | null;
  createDataChannel(label: string, init?: { ordered?: boolean }): DataChannelLike;
  addTransceiver(trackOrKind: MediaStreamTrackLike | string, init?: { direction?: string }): unknown;
  createOffer(): Promise<SessionDescriptionLike>;
  setLocalDescription(description: { type: 'offer'; sdp: string }): Promise<void>;
  setRemoteDescription(description: { type: 'answer'; sdp: string }): Promise<void>;
  close(): void;
  addEventListener(type: 'connectionstatechange' | 'icegatheringstatechange', listener: () => void): void;
  addEventListener(type: 'track', listener: (event: TrackEventLike) => void): void;
}

/** Where the remote audio plays (an `<audio>` element: autoplay on, the remote stream as its source). */
export interface AudioElementLike {
  autoplay: boolean;
  srcObject: unknown;
}

/** Resolves when ICE gathering completes, or after `timeoutMs` with what was gathered (the offer goes either way). */
export function iceGathered(peer: PeerConnectionLike, timeoutMs: number): Promise<void> {
  if (timeoutMs <= 0 || peer.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    peer.addEventListener('icegatheringstatechange', () => {
      if (peer.iceGatheringState !== 'complete') return;
      clearTimeout(timer);
      resolve();
    });
  });
}

export function defaultPeerConnection(): () => PeerConnectionLike {
  const Native = (globalThis as { RTCPeerConnection?: new () => PeerConnectionLike }).RTCPeerConnection;
  if (Native === undefined) {
    throw new ProxyError(
      'invalid_options',
      'Failed to open the WebRTC session: this runtime has no RTCPeerConnection. Please pass createPeerConnection (in Node, a WebRTC stack such as @roamhq/wrtc).',
    );
  }
  return () => new Native();
}

export function defaultAudioElement(): AudioElementLike | undefined {
  const doc = (globalThis as { document?: { createElement(tag: 'audio'): AudioElementLike } }).document;
  return doc === undefined ? undefined : doc.createElement('audio');
}

/** A stream around a lone track (a peer that sent no stream id), where the runtime can make one. */
export function streamOf(track: MediaStreamTrackLike): MediaStreamLike | undefined {
  const Native = (globalThis as { MediaStream?: new (tracks: MediaStreamTrackLike[]) => MediaStreamLike }).MediaStream;
  return Native === undefined ? undefined : new Native([track]);
}
