/**
 * The browser side of `webrtcPeer.test.ts`, run in a child process inside a loopback-only network
 * namespace (libwebrtc opens sockets on every interface). `@roamhq/wrtc` plays the browser: the
 * `oai-events` channel, a fake microphone (`RTCAudioSource`: silence, faint noise, a tone, silence)
 * and a speaker (`RTCAudioSink`); `answerWebRtcOffer` answers. Prints one JSON line of what it saw,
 * then closes the peer connection and exits (a process that created an RTCAudioSource can crash if
 * it ends on its own).
 */
import wrtc from '@roamhq/wrtc';
import type { SimulatorPeer } from './webrtcPeer.js';
import { answerWebRtcOffer } from './webrtcPeer.js';

const { RTCPeerConnection, MediaStream, nonstandard } = wrtc;
const STEP_TIMEOUT_MS = 4_000;
const MIC_RATE = 48_000;
const MIC_FRAME = 480; // 10 ms

type Speech = { type: string; atMs: number; phase: string };

const result = {
  answerHasLoopbackCandidate: false,
  answerHasOtherCandidate: false,
  browserReceived: [] as string[],
  simulatorReceived: [] as string[],
  speech: [] as Speech[],
  playback: [] as string[],
  loudSamplesHeard: 0,
  heardBeforePlay: 0,
  closeEventFired: false,
  secondCloseResolved: false,
  browserChannelClosed: false,
  remoteCloseFired: false,
  log: [] as string[],
  error: undefined as string | undefined,
};

function until<T>(what: string, register: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), STEP_TIMEOUT_MS);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

function tone(samples: number, rate: number, amplitude: number, offset = 0): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * 440 * (offset + i)) / rate));
  return out;
}

/** The fake microphone: pushes one 10 ms frame per 10 ms of wall time, of whatever `phase` says. */
function startMicrophone(source: InstanceType<typeof nonstandard.RTCAudioSource>) {
  let phase: 'silence' | 'noise' | 'speech' = 'silence';
  let sent = 0;
  const started = performance.now();
  const timer = setInterval(() => {
    const due = Math.floor((performance.now() - started) / 10);
    for (; sent < due; sent++) {
      let samples: Int16Array;
      if (phase === 'speech') samples = tone(MIC_FRAME, MIC_RATE, 8000, sent * MIC_FRAME); // about -15 dBFS
      else if (phase === 'noise') samples = Int16Array.from({ length: MIC_FRAME }, () => Math.round((Math.random() - 0.5) * 60)); // about -65 dBFS
      else samples = new Int16Array(MIC_FRAME);
      source.onData({ samples, sampleRate: MIC_RATE, bitsPerSample: 16, channelCount: 1, numberOfFrames: MIC_FRAME });
    }
  }, 10);
  return {
    set(next: typeof phase) {
      phase = next;
    },
    stop: () => clearInterval(timer),
  };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function mainCall(): Promise<void> {
  const pc = new RTCPeerConnection({ iceServers: [] });
  const channel = pc.createDataChannel('oai-events');
  const source = new nonstandard.RTCAudioSource();
  const micTrack = source.createTrack();
  pc.addTrack(micTrack, new MediaStream([micTrack]));
  const mic = startMicrophone(source);
  let peer: SimulatorPeer | undefined;
  let currentPhase = 'silence';

  // The speaker: count loud samples of the simulator's audio.
  let playing = false;
  let onLoud: (() => void) | undefined;
  pc.ontrack = (event) => {
    const sink = new nonstandard.RTCAudioSink(event.track);
    sink.ondata = (data: { samples: Int16Array }) => {
      const loud = data.samples.filter((sample) => Math.abs(sample) > 1000).length;
      if (!playing) result.heardBeforePlay += loud;
      else result.loudSamplesHeard += loud;
      if (result.loudSamplesHeard > 4800) onLoud?.(); // 100 ms at 48 kHz
    };
  };

  const browserReceived = until<void>('two server events on the data channel', (resolve) => {
    channel.onmessage = (event) => {
      result.browserReceived.push(String(event.data));
      if (result.browserReceived.length === 2) resolve();
    };
  });

  try {
    await pc.setLocalDescription(await pc.createOffer());
    await until<void>('ICE gathering in the browser peer', (resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
    });
    peer = await answerWebRtcOffer(pc.localDescription!.sdp, { log: (line) => result.log.push(line) });
    const candidates = peer.answerSdp.split('\r\n').filter((line) => line.startsWith('a=candidate:'));
    result.answerHasLoopbackCandidate = candidates.some((line) => line.split(' ')[4] === '127.0.0.1');
    result.answerHasOtherCandidate = candidates.some((line) => line.split(' ')[4] !== '127.0.0.1');
    peer.onClose(() => (result.closeEventFired = true));
    peer.onSpeech((speech) => result.speech.push({ ...speech, phase: currentPhase }));
    peer.onAudioPlayback((event) => result.playback.push(event.type));
    // Sent before the channel opened: queued. The reply is sent from inside werift's callback.
    peer.sendEvent('{"type":"queued.before.open"}');
    peer.onClientEvent((text) => {
      result.simulatorReceived.push(text);
      peer!.sendEvent('{"type":"reply.from.callback"}');
    });
    await pc.setRemoteDescription({ type: 'answer', sdp: peer.answerSdp });
    await peer.channelOpen;
    await until<void>('the browser channel to open', (resolve) => (channel.readyState === 'open' ? resolve() : (channel.onopen = () => resolve())));
    channel.send('{"type":"hello.from.browser"}');
    await browserReceived;

    // Speech: a silent lead-in (digital silence, then faint noise) must not count; the tone must.
    await delay(400);
    currentPhase = 'noise';
    mic.set('noise');
    await delay(400);
    const stopped = until<void>('speech started then stopped', (resolve) => {
      peer!.onSpeech((speech) => speech.type === 'stopped' && resolve());
    });
    currentPhase = 'speech';
    mic.set('speech');
    await delay(600);
    currentPhase = 'after';
    mic.set('silence');
    await stopped;

    // Playback: 300 ms of tone reaches the browser's speaker, started then stopped.
    playing = true;
    const heard = until<void>('the browser to hear the simulator', (resolve) => (onLoud = resolve));
    const playbackStopped = until<void>('playback stopped', (resolve) => {
      peer!.onAudioPlayback((event) => event.type === 'stopped' && resolve());
    });
    peer.playAudio(tone(7200, 24_000, 8000));
    await Promise.all([heard, playbackStopped]);

    // Clearing: a long clip cut short reports cleared (and no stopped).
    const cleared = until<void>('playback cleared', (resolve) => {
      peer!.onAudioPlayback((event) => {
        if (event.type === 'started') peer!.clearAudio();
        if (event.type === 'cleared') resolve();
      });
    });
    peer.playAudio(tone(48_000, 24_000, 8000));
    await cleared;

    const browserClosed = until<void>('the browser channel to close', (resolve) => (channel.onclose = () => resolve()));
    await peer.close();
    await peer.close();
    result.secondCloseResolved = true;
    await browserClosed.then(() => (result.browserChannelClosed = true)).catch(() => {});
  } finally {
    mic.stop();
    await peer?.close();
    pc.close();
  }
}

/** A second call that the browser hangs up: the simulator's peer reports the close. */
async function remoteClose(): Promise<void> {
  const pc = new RTCPeerConnection({ iceServers: [] });
  pc.createDataChannel('oai-events');
  pc.addTransceiver('audio', { direction: 'recvonly' });
  try {
    await pc.setLocalDescription(await pc.createOffer());
    await until<void>('ICE gathering in the second browser peer', (resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
    });
    const peer = await answerWebRtcOffer(pc.localDescription!.sdp);
    const closed = until<void>('the close of the second peer', (resolve) => peer.onClose(resolve));
    await pc.setRemoteDescription({ type: 'answer', sdp: peer.answerSdp });
    await peer.channelOpen;
    pc.close();
    await closed;
    result.remoteCloseFired = true;
    await peer.close();
  } finally {
    pc.close();
  }
}

try {
  await mainCall();
  await remoteClose();
} catch (error) {
  result.error = error instanceof Error ? error.message : String(error);
}
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
