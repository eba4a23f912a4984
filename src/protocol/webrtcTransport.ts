/**
 * A Realtime transport over WebRTC, for browsers: the `oai-events` data channel carries the JSON
 * events (decoded and encoded exactly as on the WebSocket), the microphone and the model's voice
 * travel on an Opus media track. The proxy and the machines run over it unchanged.
 */
import { Emitter } from '../emitter.js';
import { ProxyError } from '../errors.js';
import { Redactor } from '../redaction/index.js';
import type { ClientEvent } from './generated/types.js';
import { defaultAudioElement, defaultPeerConnection, iceGathered, streamOf } from './peerConnectionLike.js';
import type { AudioElementLike, DataChannelLike, MediaStreamLike, MediaStreamTrackLike, PeerConnectionLike, TrackEventLike } from './peerConnectionLike.js';
import type { RealtimeTransport, RealtimeTransportEventMap, SendResult, TransportCloseInfo, TransportState } from './transport.js';
import { emitInboundFrame, encodeOutbound } from './transportFrames.js';
import { applyTrackEnabled, openMicrophone, stopTracks, type Microphone, type MicrophoneOption } from './webrtcMicrophone.js';
import { connectFailed, createSdpExchange, type WebRtcSignaling } from './webrtcSignaling.js';

export type WebRtcTransportOptions = WebRtcSignaling & {
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** Default: `new RTCPeerConnection()`. In Node, a stack such as `@roamhq/wrtc`. */
  readonly createPeerConnection?: () => PeerConnectionLike;
  /** See MicrophoneOption. Default: getUserMedia({ audio: true }). */
  readonly microphone?: MicrophoneOption;
  /** Plays the remote audio (autoplay is set). Default: a new `<audio>` element where there is a document; `null`: none (use `remoteStream` or `onRemoteTrack`). */
  readonly audioElement?: AudioElementLike | null;
  /** Called with each remote track (the model's voice) and its streams. */
  readonly onRemoteTrack?: (track: MediaStreamTrackLike, streams: readonly MediaStreamLike[]) => void;
  /** The microphone track is enabled only while `setTalking(true)`. Default false (an open microphone, for server VAD). */
  readonly pushToTalk?: boolean;
  /** Fail `connect()` when the session is not open after this long; the microphone prompt is not counted (the user may take a while). Default 15 000 ms. */
  readonly connectTimeoutMs?: number;
  /** How long the offer waits for ICE candidates (it leaves with those gathered by then). 0 sends it at once, as agents-js does: OpenAI finds the browser through its checks. Default 500 ms. */
  readonly iceGatheringTimeoutMs?: number;
  /** A peer connection `disconnected` this long ends the session (it may come back before). Default 5 000 ms. */
  readonly disconnectedGraceMs?: number;
};

export interface WebRtcTransport extends RealtimeTransport {
  /** The call id (`rtc_…`) once the SDP was exchanged, when the answer said it: a server attaches its sideband with it. */
  readonly callId: string | undefined;
  /** The model's voice, once its track arrived. */
  readonly remoteStream: MediaStreamLike | undefined;
  readonly muted: boolean;
  /** Mutes the microphone (its track sends silence); the session stays up. */
  mute(on: boolean): void;
  /**
   * Push-to-talk (`pushToTalk: true`): the microphone is live only while talking. When the session's
   * turn detection is off, pressing sends `input_audio_buffer.clear` (the silence sent meanwhile) and
   * releasing sends `input_audio_buffer.commit`; asking for the response (`response.create`) is the
   * proxy's or the host's, never the transport's. With turn detection on, the server commits itself.
   * A repeated press or release (key auto-repeat) does nothing.
   */
  setTalking(on: boolean): SendResult;
}

/** Data channel states and codes of the close info (the WebSocket's, which is what the proxy reads). */
const NORMAL = 1000;
const ABNORMAL = 1006;

/**
 * @example
 * const transport = createWebRtcTransport({ clientSecret: () => fetch('/session', { method: 'POST' }).then((r) => r.json()).then((s) => s.value) });
 * const proxy = createRealtimeMcpProxy({ transport, servers: [] });
 * await proxy.start();
 */
export function createWebRtcTransport(options: WebRtcTransportOptions): WebRtcTransport {
  const emitter = new Emitter<RealtimeTransportEventMap>();
  // The key, header values and URL credentials never show in errors or close reasons.
  const redactor = new Redactor();
  const sdp = createSdpExchange(options, { fetch: options.fetch, redactor });
  const pushToTalk = options.pushToTalk === true;
  let state: TransportState = 'idle';
  let callId: string | undefined;
  let remoteStream: MediaStreamLike | undefined;
  const audio = { muted: false, pushToTalk, talking: false };
  // Unknown until the server says: the default session has server VAD, which commits by itself.
  let turnDetectionOff = false;

  let microphone: Microphone | undefined;
  let peer: PeerConnectionLike | undefined;
  let channel: DataChannelLike | undefined;
  let audioElement: AudioElementLike | undefined;
  const abort = new AbortController();
  let connectTimer: ReturnType<typeof setTimeout> | undefined;
  let disconnectedTimer: ReturnType<typeof setTimeout> | undefined;
  let resolveClosed!: (info: TransportCloseInfo) => void;
  const closed = new Promise<TransportCloseInfo>((resolve) => (resolveClosed = resolve));
  let rejectConnect: ((error: ProxyError) => void) | undefined;
  let channelOpened: (() => void) | undefined;

  emitter.on('event', (event) => {
    if (event.type !== 'session.created' && event.type !== 'session.updated') return;
    const input = (event.session as { audio?: { input?: { turn_detection?: unknown } } }).audio?.input;
    if (input !== undefined && 'turn_detection' in input) turnDetectionOff = input.turn_detection === null;
  });

  /** Everything this transport opened, released whatever throws; safe to run twice. */
  function release(): void {
    clearTimeout(connectTimer);
    clearTimeout(disconnectedTimer);
    abort.abort();
    attempt(() => channel?.close());
    if (microphone?.owned) stopTracks(microphone.stream);
    attempt(() => peer?.close());
    attempt(() => {
      if (audioElement !== undefined && remoteStream !== undefined && audioElement.srcObject === remoteStream) audioElement.srcObject = null;
    });
  }

  /** The one way a session ends: resources released, `close` once. `emitClose` is false for a connect that failed before any peer connection existed. */
  function end(info: TransportCloseInfo, emitClose = true): void {
    if (state === 'closed') return;
    state = 'closed';
    release();
    resolveClosed(info);
    if (emitClose) emitter.emit('close', info);
  }

  function failConnect(error: ProxyError, info: TransportCloseInfo = { code: ABNORMAL, reason: error.message, wasClean: false }): void {
    const reject = rejectConnect;
    rejectConnect = undefined;
    end(info, peer !== undefined);
    reject?.(error);
  }

  function onPeerState(): void {
    if (state === 'closed' || peer === undefined) return;
    const connection = peer.connectionState;
    if (connection === 'connected') clearTimeout(disconnectedTimer);
    else if (connection === 'failed' || connection === 'closed') {
      const why = connection === 'failed' ? 'the peer connection failed (ICE found no working path)' : 'the peer connection closed';
      if (state === 'connecting') failConnect(connectFailed(why, 'check the network: a firewall or VPN may block UDP'));
      else end({ code: ABNORMAL, reason: why, wasClean: false });
    } else if (connection === 'disconnected' && state === 'open') {
      clearTimeout(disconnectedTimer);
      const graceMs = options.disconnectedGraceMs ?? 5_000;
      disconnectedTimer = setTimeout(() => {
        if (peer?.connectionState === 'disconnected') end({ code: ABNORMAL, reason: `the peer connection was disconnected for ${graceMs} ms`, wasClean: false });
      }, graceMs);
    }
  }

  function onTrack(event: TrackEventLike): void {
    if (state === 'closed') return;
    remoteStream = event.streams[0] ?? remoteStream ?? streamOf(event.track);
    if (audioElement !== undefined && remoteStream !== undefined) {
      attempt(() => {
        audioElement!.autoplay = true;
        audioElement!.srcObject = remoteStream;
      });
    }
    try {
      options.onRemoteTrack?.(event.track, event.streams);
    } catch (cause) {
      emitter.emit('error', new ProxyError('listener_error', `Failed to run onRemoteTrack: ${redactor.text(String(cause))}. Please fix the callback; the session goes on.`, { cause }));
    }
  }

  function openChannel(connection: PeerConnectionLike): DataChannelLike {
    const opened = connection.createDataChannel('oai-events', { ordered: true });
    opened.addEventListener('open', () => channelOpened?.());
    opened.addEventListener('message', (event) => {
      if (state === 'open') emitInboundFrame(emitter, event.data);
    });
    opened.addEventListener('close', () => {
      if (state === 'connecting') failConnect(connectFailed('the data channel closed before it opened', 'check the network and try again'));
      else if (state === 'open') end({ code: NORMAL, reason: 'the data channel closed', wasClean: true });
    });
    opened.addEventListener('error', (event) => {
      if (state !== 'open') return;
      const detail = redactor.text(event.error instanceof Error ? event.error.message : 'data channel error');
      emitter.emit('error', new ProxyError('socket_error', `Failed to keep the WebRTC data channel: ${detail}. Please check the network; the session cannot be resumed.`));
    });
    return opened;
  }

  async function open(): Promise<void> {
    // What can be refused without the user is refused before the microphone is asked for.
    sdp.checkKey();
    const create = options.createPeerConnection ?? defaultPeerConnection();
    const opened = await openMicrophone(options.microphone, redactor);
    if (state !== 'connecting') {
      // close() or the end came while the user was asked: the microphone opened too late to be released with the rest.
      if (opened?.owned) stopTracks(opened.stream);
      return;
    }
    microphone = opened;
    applyTrackEnabled(microphone?.track, audio);
    const timeoutMs = options.connectTimeoutMs ?? 15_000;
    connectTimer = setTimeout(() => failConnect(connectFailed(`no session within ${timeoutMs} ms`, 'check the network and the signaling server')), timeoutMs);
    try {
      peer = create();
    } catch (cause) {
      throw connectFailed(`the peer connection could not be created (${redactor.text(String(cause))})`, 'check createPeerConnection', { cause });
    }
    peer.addEventListener('connectionstatechange', onPeerState);
    peer.addEventListener('track', onTrack);
    audioElement = options.audioElement === undefined ? defaultAudioElement() : (options.audioElement ?? undefined);
    channel = openChannel(peer);
    if (microphone) peer.addTransceiver(microphone.track, { direction: 'sendrecv' });
    else peer.addTransceiver('audio', { direction: 'recvonly' });
    const offer = await peer.createOffer();
    if (typeof offer?.sdp !== 'string') throw connectFailed('the peer connection made no SDP offer', 'check createPeerConnection');
    await peer.setLocalDescription({ type: 'offer', sdp: offer.sdp });
    await iceGathered(peer, options.iceGatheringTimeoutMs ?? 500);
    if (state !== 'connecting') return;
    const answer = await sdp.exchange(peer.localDescription?.sdp ?? offer.sdp, { signal: abort.signal });
    if (state !== 'connecting') return;
    callId = answer.callId;
    try {
      await peer.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    } catch (cause) {
      throw connectFailed(`the peer connection refused the SDP answer (${redactor.text(String(cause)).slice(0, 300)})`, 'check that the SDP answer is passed on as it came from OpenAI', { cause });
    }
  }

  function connect(): Promise<void> {
    if (state !== 'idle') {
      return Promise.reject(new ProxyError('not_open', `Failed to connect: this transport is ${state}. Please create a new transport for a new session (a Realtime session cannot be resumed).`));
    }
    state = 'connecting';
    return new Promise<void>((resolve, reject) => {
      rejectConnect = reject;
      channelOpened = () => {
        if (state !== 'connecting') return;
        clearTimeout(connectTimer);
        state = 'open';
        rejectConnect = undefined;
        resolve();
        emitter.emit('open');
      };
      open().catch((cause: unknown) => {
        if (state !== 'connecting') return;
        failConnect(ProxyError.isInstance(cause) ? cause : connectFailed(redactor.text(String(cause)), 'check the WebRTC options', { cause: redactor.error(cause) }));
      });
    });
  }

  function send(event: ClientEvent): SendResult {
    const type = String((event as { type?: unknown })?.type);
    if (type === 'input_audio_buffer.append') {
      return {
        ok: false,
        error: new ProxyError(
          'not_supported',
          'Failed to send "input_audio_buffer.append": over WebRTC the microphone travels on the media track, not in events. Please give the transport a microphone (or use the WebSocket transport to send audio in events).',
        ),
      };
    }
    if (state !== 'open' || channel === undefined || channel.readyState !== 'open') {
      return { ok: false, error: new ProxyError('not_open', `Failed to send "${type}": the transport is ${state}. Please wait for connect() to resolve, and do not send after close.`) };
    }
    const encoded = encodeOutbound(event);
    if (!encoded.ok) return encoded;
    const limit = peer?.sctp?.maxMessageSize;
    if (typeof limit === 'number' && limit > 0 && encoded.text.length * 3 > limit) {
      const bytes = new TextEncoder().encode(encoded.text).length;
      if (bytes > limit)
        return {
          ok: false,
          error: new ProxyError(
            'invalid_event',
            `Failed to send "${type}": ${bytes} bytes exceed the data channel's limit of ${limit} bytes per message. Please send less at once (fewer tools, shorter instructions).`,
          ),
        };
    }
    try {
      channel.send(encoded.text);
    } catch (cause) {
      return { ok: false, error: new ProxyError('socket_error', `Failed to send "${type}": the data channel threw (${redactor.text(String(cause))}). Please check the connection.`, { cause }) };
    }
    // After the send: a recorder never holds a frame that did not leave (a data channel send is queued, so no answer can come first).
    emitter.emit('frame', 'out', encoded.text);
    return { ok: true };
  }

  function close(code = NORMAL, reason = ''): Promise<TransportCloseInfo> {
    const info = { code, reason, wasClean: true };
    if (state === 'connecting') failConnect(new ProxyError('not_open', 'Failed to connect: close() was called before the connection opened. Please create a new transport to connect again.'), info);
    else end(info, state === 'open');
    return closed;
  }

  function mute(on: boolean): void {
    audio.muted = on === true;
    applyTrackEnabled(microphone?.track, audio);
  }

  function setTalking(on: boolean): SendResult {
    if (!pushToTalk) return { ok: false, error: new ProxyError('invalid_options', 'Failed to set talking: this transport is not in push-to-talk mode. Please create it with pushToTalk: true.') };
    if (audio.talking === (on === true)) return { ok: true };
    audio.talking = on === true;
    applyTrackEnabled(microphone?.track, audio);
    if (!turnDetectionOff || state !== 'open') return { ok: true };
    return send({ type: audio.talking ? 'input_audio_buffer.clear' : 'input_audio_buffer.commit' });
  }

  return {
    audio: 'media',
    get state() {
      return state;
    },
    get callId() {
      return callId;
    },
    get remoteStream() {
      return remoteStream;
    },
    get muted() {
      return audio.muted;
    },
    connect,
    send,
    close,
    on: (event, listener) => emitter.on(event, listener),
    mute,
    setTalking,
  };
}

function attempt(action: () => void): void {
  try {
    action();
  } catch {
    // Teardown of host objects goes on whatever one of them throws.
  }
}
