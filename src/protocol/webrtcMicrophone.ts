/** The WebRTC transport's microphone: where it comes from, who owns it, and what enables its track. */
import { ProxyError } from '../errors.js';
import type { Redactor } from '../redaction/index.js';
import type { MediaStreamLike, MediaStreamTrackLike } from './peerConnectionLike.js';
import { connectFailed } from './webrtcSignaling.js';

/**
 * - a stream: yours; the transport never stops its tracks (a level meter or a recorder may still use it);
 * - a function (e.g. your own getUserMedia call): opened for the transport, stopped on close;
 * - `null`: no microphone, the session only receives audio (a `recvonly` transceiver);
 * - left out: `navigator.mediaDevices.getUserMedia({ audio: true })`, stopped on close.
 */
export type MicrophoneOption = MediaStreamLike | (() => Promise<MediaStreamLike>) | null;

export interface Microphone {
  readonly track: MediaStreamTrackLike;
  /** Tracks of a stream the transport opened are stopped on close; the host's are not. */
  readonly owned: boolean;
  readonly stream: MediaStreamLike;
}

/** Opens the microphone the option names; undefined for `null`. Fails with `connect_failed` (refused, none found) or `invalid_options` (no getUserMedia here). */
export async function openMicrophone(option: MicrophoneOption | undefined, redactor: Redactor): Promise<Microphone | undefined> {
  if (option === null) return undefined;
  if (option !== undefined && typeof option !== 'function') return withTrack(option, false);
  const open = option ?? defaultGetUserMedia();
  let stream: MediaStreamLike;
  try {
    stream = await open();
  } catch (cause) {
    const name = cause instanceof Error ? cause.name : '';
    const detail = redactor.text(cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause));
    const please =
      name === 'NotAllowedError' || name === 'SecurityError'
        ? 'allow microphone access for this page (it must be served over https or from localhost), or pass microphone: null to only listen'
        : name === 'NotFoundError' || name === 'OverconstrainedError'
          ? 'connect a microphone, or pass microphone: null to only listen'
          : 'check the microphone, or pass microphone: null to only listen';
    throw connectFailed(`the microphone could not be opened (${detail})`, please, { cause: redactor.error(cause) });
  }
  return withTrack(stream, true);
}

function withTrack(stream: MediaStreamLike, owned: boolean): Microphone {
  const track = typeof stream?.getAudioTracks === 'function' ? stream.getAudioTracks()[0] : undefined;
  if (track === undefined) {
    if (owned) stopTracks(stream);
    throw new ProxyError(
      'invalid_options',
      'Failed to open the WebRTC session: the microphone stream has no audio track. Please pass a stream from getUserMedia({ audio: true }), or microphone: null to only listen.',
    );
  }
  return { stream, track, owned };
}

function defaultGetUserMedia(): () => Promise<MediaStreamLike> {
  const devices = (globalThis as { navigator?: { mediaDevices?: { getUserMedia?: (constraints: { audio: boolean }) => Promise<MediaStreamLike> } } }).navigator?.mediaDevices;
  if (typeof devices?.getUserMedia !== 'function') {
    throw new ProxyError(
      'invalid_options',
      'Failed to open the WebRTC session: this runtime has no navigator.mediaDevices.getUserMedia (outside a browser, or a page not served over https). Please pass microphone (a MediaStream, or a function that opens one), or microphone: null to only listen.',
    );
  }
  return () => devices.getUserMedia!({ audio: true });
}

/** Stops every audio track of a stream the transport opened; a track that throws does not keep the others live. */
export function stopTracks(stream: MediaStreamLike): void {
  let tracks: MediaStreamTrackLike[] = [];
  try {
    tracks = stream.getAudioTracks();
  } catch {
    return;
  }
  for (const track of tracks) {
    try {
      track.stop();
    } catch {
      // A host object that throws on stop: the others are still stopped.
    }
  }
}

/**
 * What enables the track: not muted, and in push-to-talk mode only while the talk button is held.
 * A disabled track sends silence: the peer connection and the session stay up.
 */
export function applyTrackEnabled(track: MediaStreamTrackLike | undefined, state: { muted: boolean; pushToTalk: boolean; talking: boolean }): void {
  if (track === undefined) return;
  try {
    track.enabled = !state.muted && (!state.pushToTalk || state.talking);
  } catch {
    // A track that refuses the change (a host object): nothing better to do here.
  }
}
