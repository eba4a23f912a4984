/**
 * `answerWebRtcOffer`: the simulator's side of a WebRTC call, as `POST /v1/realtime/calls` answers
 * a browser. werift (pure TypeScript WebRTC) answers the offer with loopback host candidates only,
 * accepts the browser's `oai-events` data channel and relays text both ways; Opus audio flows both
 * ways through opusscript: the incoming track is decoded into an energy VAD (`onSpeech`), and
 * `playAudio` sends 24 kHz PCM in real time (`onAudioPlayback`).
 *
 * werift and opusscript are imported lazily (`lazyImport`): the simulator's WebSocket mode never
 * loads them and the CLI bundle does not contain them.
 */
import type { RTCDataChannel } from 'werift';
import { ProxyError } from '../../src/errors.js';
import { createAudioPlayback, type AudioPlaybackEvent, type OutgoingRtp } from './audioPlayback.js';
import { loadOpus, OPUS_SAMPLE_RATE, type OpusDecoder } from './opus.js';
import { checkWebRtcOffer } from './sdpOffer.js';
import { createSpeechDetector, type SpeechEvent } from './vad.js';
import { within } from './within.js';
import { closeDataChannelGracefully } from './closeDataChannel.js';
import { lazyImport } from './lazyImport.js';
import { Listeners } from './listeners.js';
import type { SimulatorPeer } from './peer.js';

export type { SimulatorPeer } from './peer.js';

export interface AnswerWebRtcOfferOptions {
  vad?: { thresholdDb?: number; silenceMs?: number };
  /** Where the peer says what happened that no listener hears (a refused packet, a throwing listener). Default: nowhere. */
  log?: (line: string) => void;
}

export const EVENTS_CHANNEL_LABEL = 'oai-events';
/** ICE gathering on loopback takes milliseconds; a stuck one must not hold the HTTP reply. */
const GATHER_TIMEOUT_MS = 5_000;
/** A browser that never connects (it dropped the answer) must not keep sockets open forever. */
const CONNECT_TIMEOUT_MS = 20_000;
const CLOSE_TIMEOUT_MS = 2_000;
const MAX_LOGGED_DECODE_ERRORS = 3;

export async function answerWebRtcOffer(offerSdp: string, options: AnswerWebRtcOfferOptions = {}): Promise<SimulatorPeer> {
  checkVadOptions(options.vad);
  const offer = checkWebRtcOffer(offerSdp);
  const log = options.log ?? (() => {});
  const [werift, opus] = await Promise.all([lazyImport<typeof import('werift')>('werift'), loadOpus()]);
  const { RTCPeerConnection, MediaStream, RtpHeader, RtpPacket, useOPUS } = werift;

  const pc = new RTCPeerConnection({
    // No STUN (werift defaults to Google's), loopback only: sockets bound to 127.0.0.1, and the
    // loopback address (which werift skips by default) gathered as a host candidate.
    iceServers: [],
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceUseIpv6: false,
    codecs: { audio: [useOPUS()], video: [] },
    // werift advertises 64 KB; a session.update with many tools is larger. Browsers take 256 KB.
    maxMessageSize: 262_144,
  });

  const clientEvents = new Listeners<string>('onClientEvent', log);
  const speechEvents = new Listeners<SpeechEvent>('onSpeech', log);
  const playbackEvents = new Listeners<AudioPlaybackEvent>('onAudioPlayback', log);
  const closeEvents = new Listeners<void>('onClose', log);

  let closing: Promise<void> | undefined;
  let resolveOpen!: () => void;
  let rejectOpen!: (error: Error) => void;
  const channelOpen = new Promise<void>((resolve, reject) => {
    resolveOpen = resolve;
    rejectOpen = reject;
  });
  channelOpen.catch(() => {}); // a peer nobody waits on may close before it opens

  // Data channel: sends are deferred and flushed together; werift sent messages written inside its
  // own callbacks before the channel-open acknowledgement, and they arrived on a retry ~1 s later.
  let channel: RTCDataChannel | undefined;
  const outbox: string[] = [];
  let flushScheduled = false;
  const flush = (): void => {
    flushScheduled = false;
    if (closing || channel?.readyState !== 'open') return;
    for (const text of outbox.splice(0)) {
      try {
        channel.send(text);
      } catch (cause) {
        log(`failed to send a server event on the data channel: ${messageOf(cause)}`);
      }
    }
  };
  const scheduleFlush = (): void => {
    if (flushScheduled || outbox.length === 0 || channel?.readyState !== 'open') return;
    flushScheduled = true;
    setImmediate(flush);
  };

  pc.onDataChannel.subscribe((candidate) => {
    if (candidate.label !== EVENTS_CHANNEL_LABEL || channel !== undefined) {
      log(`ignored a data channel labelled ${JSON.stringify(candidate.label)} (the events channel is "${EVENTS_CHANNEL_LABEL}")`);
      return;
    }
    channel = candidate;
    const opened = (): void => {
      resolveOpen();
      scheduleFlush();
    };
    candidate.stateChanged.subscribe((state) => {
      if (state === 'open') opened();
      else if (state === 'closed') void close('the data channel closed');
    });
    candidate.onMessage.subscribe((data) => {
      if (typeof data === 'string') clientEvents.emit(data);
      else log(`ignored a binary data-channel message (${data.length} bytes): client events are text`);
    });
    if (candidate.readyState === 'open') opened();
  });

  // Incoming audio: Opus → PCM → VAD. Audio time comes from RTP timestamps, so a gap (packets
  // lost, or a sender that stops between talkspurts) counts as quiet.
  const vad = createSpeechDetector(options.vad ?? {}, (event) => {
    if (!closing) speechEvents.emit(event);
  });
  let decoder: OpusDecoder | undefined;
  let opusPayloadType: number | undefined;
  let lastTimestamp: number | undefined;
  let positionSamples = 0;
  let decodeErrors = 0;
  const silenceMs = options.vad?.silenceMs ?? 500;
  // When packets stop coming altogether, speech in progress ends after the silence time.
  let stalled: ReturnType<typeof setTimeout> | undefined;
  const stopStalledTimer = (): void => {
    if (stalled !== undefined) clearTimeout(stalled);
    stalled = undefined;
  };

  const receive = (payloadType: number, timestamp: number, payload: Buffer): void => {
    if (closing || decoder === undefined || payloadType !== opusPayloadType || payload.length === 0) return;
    if (lastTimestamp !== undefined) {
      const elapsed = (timestamp - lastTimestamp) >>> 0;
      if (elapsed === 0 || elapsed >= 0x8000_0000) return; // a duplicate, or a packet that came late
      positionSamples += elapsed;
    }
    lastTimestamp = timestamp;
    let samples: Int16Array;
    try {
      samples = decoder.decode(payload);
    } catch (cause) {
      if (++decodeErrors <= MAX_LOGGED_DECODE_ERRORS) log(`dropped an audio packet libopus refused: ${messageOf(cause)}`);
      return;
    }
    vad.push(samples, (positionSamples * 1000) / OPUS_SAMPLE_RATE, OPUS_SAMPLE_RATE);
    if (!vad.speaking) stopStalledTimer();
    else if (stalled !== undefined) stalled.refresh();
    else
      stalled = setTimeout(() => {
        stalled = undefined;
        vad.flush();
      }, silenceMs);
  };

  pc.onTrack.subscribe((track) => {
    if (track.kind !== 'audio' || decoder !== undefined || closing) return;
    decoder = opus.createDecoder();
    track.onReceiveRtp.subscribe((rtp) => receive(rtp.header.payloadType, rtp.header.timestamp, rtp.payload));
  });

  // Outgoing audio: paced Opus frames straight to the sender (not through a werift track, whose
  // async forwarding would turn a failed send into an unhandled rejection).
  let sendRtp: ((packet: OutgoingRtp) => void) | undefined;
  const encoder = opus.createEncoder();
  const playback = createAudioPlayback({
    encoder,
    send: (packet) => sendRtp?.(packet),
    onEvent: (event) => playbackEvents.emit(event),
  });

  const connectTimer = setTimeout(() => void close(`the browser did not connect within ${CONNECT_TIMEOUT_MS / 1000} s`), CONNECT_TIMEOUT_MS);
  pc.connectionStateChange.subscribe((state) => {
    if (state === 'connected') {
      clearTimeout(connectTimer);
      playback.ready();
    } else if (state === 'failed' || state === 'closed') {
      void close(`the connection ${state}`);
    }
  });

  const close = (reason: string): Promise<void> => {
    if (closing) return closing;
    log(`WebRTC peer closing: ${reason}`);
    closing = (async () => {
      clearTimeout(connectTimer);
      stopStalledTimer();
      playback.close();
      outbox.length = 0;
      rejectOpen(new ProxyError('not_open', `Failed to open the WebRTC events channel: ${reason}. Please check that the browser created the "${EVENTS_CHANNEL_LABEL}" data channel before its offer.`));
      try {
        await closeDataChannelGracefully(pc, channel, log);
        await within(pc.close(), CLOSE_TIMEOUT_MS);
      } catch (cause) {
        log(`closing the peer connection failed: ${messageOf(cause)}`);
      }
      encoder.close();
      decoder?.close();
      closeEvents.emit();
      clientEvents.clear();
      speechEvents.clear();
      playbackEvents.clear();
      closeEvents.clear();
    })();
    return closing;
  };

  let answerSdp: string;
  try {
    await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    const transceiver = pc.getTransceivers().find((t) => t.kind === 'audio' && t.codecs.some(isOpus));
    if (transceiver === undefined) throw new Error('no audio transceiver negotiated Opus');
    opusPayloadType = transceiver.codecs.find(isOpus)?.payloadType;
    if (offer.audioDirection !== 'sendonly') {
      // The remote offer made the transceiver receive-only: send too, as one stream (the browser's
      // `ontrack` handlers read `event.streams[0]`).
      transceiver.setDirection(offer.audioDirection === 'recvonly' ? 'sendonly' : 'sendrecv');
      transceiver.sender.setStreams([new MediaStream()]);
      const sender = transceiver.sender;
      sendRtp = ({ payload, sequenceNumber, timestamp, marker }) => {
        const header = new RtpHeader({ payloadType: opusPayloadType, sequenceNumber, timestamp, marker });
        sender.sendRtp(new RtpPacket(header, payload)).catch((cause: unknown) => log(`failed to send an audio packet: ${messageOf(cause)}`));
      };
    }
    await pc.setLocalDescription(await pc.createAnswer());
    if (pc.iceGatheringState !== 'complete') {
      await within(pc.iceGatheringStateChange.watch((state) => state === 'complete'), GATHER_TIMEOUT_MS);
    }
    const sdp = pc.localDescription?.sdp;
    if (sdp === undefined) throw new Error('werift produced no local description');
    answerSdp = keepLoopbackCandidates(sdp);
  } catch (cause) {
    await close('answering failed');
    if (ProxyError.isInstance(cause)) throw cause;
    throw new ProxyError(
      'invalid_input',
      `Failed to answer the WebRTC offer: ${messageOf(cause)}. Please send the offer as RTCPeerConnection.createOffer() produced it, with an Opus audio track and the "${EVENTS_CHANNEL_LABEL}" data channel.`,
      { cause },
    );
  }

  return {
    answerSdp,
    channelOpen,
    sendEvent(text) {
      if (closing) return;
      if (typeof text !== 'string') throw new ProxyError('invalid_input', `Failed to send a server event: it is ${typeof text}, not text. Please send the event's JSON string.`);
      outbox.push(text);
      scheduleFlush();
    },
    onClientEvent: (listener) => clientEvents.add(listener),
    onSpeech: (listener) => speechEvents.add(listener),
    playAudio(pcm) {
      if (!(pcm instanceof Int16Array)) throw new ProxyError('invalid_input', 'Failed to play audio: it is not an Int16Array. Please pass 24 kHz mono PCM16 samples.');
      // Played (and reported) even when the browser receives no audio, so a script's turn ends.
      if (!closing) playback.play(pcm);
    },
    clearAudio: () => playback.clear(),
    onAudioPlayback: (listener) => playbackEvents.add(listener),
    onClose: (listener) => closeEvents.add(listener),
    close: () => close('closed by the simulator'),
  };
}

function checkVadOptions(vad: AnswerWebRtcOfferOptions['vad']): void {
  const bad = (why: string): ProxyError => new ProxyError('invalid_options', `Failed to answer the WebRTC offer: ${why}. Please fix the simulator's VAD options.`);
  if (vad === undefined) return;
  if (typeof vad !== 'object' || vad === null) throw bad('vad is not an object');
  const { thresholdDb, silenceMs } = vad;
  if (thresholdDb !== undefined && !(typeof thresholdDb === 'number' && thresholdDb >= -120 && thresholdDb <= 0)) {
    throw bad(`vad.thresholdDb is ${String(thresholdDb)}, not a level from -120 to 0 dBFS`);
  }
  if (silenceMs !== undefined && !(typeof silenceMs === 'number' && silenceMs >= 0 && silenceMs <= 60_000)) {
    throw bad(`vad.silenceMs is ${String(silenceMs)}, not a duration from 0 to 60000 ms`);
  }
}

function isOpus(codec: { mimeType: string }): boolean {
  return codec.mimeType.toLowerCase() === 'audio/opus';
}

/** The answer's candidates on 127.0.0.1 only: werift also lists the machine's other addresses, whose sockets are bound to loopback here. */
export function keepLoopbackCandidates(sdp: string): string {
  return sdp
    .split('\r\n')
    .filter((line) => !line.startsWith('a=candidate:') || line.split(' ')[4] === '127.0.0.1')
    .join('\r\n');
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
