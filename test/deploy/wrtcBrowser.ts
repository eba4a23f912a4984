/**
 * The browser of the deployment tests, played in Node by `@roamhq/wrtc` (libwebrtc, as in Chrome):
 * a peer connection on loopback, a fake microphone (`RTCAudioSource`, 10 ms frames of silence or a
 * loud tone), a speaker (`RTCAudioSink`) that counts what it hears, and a fetch that keeps every
 * answer the browser got (status, headers, body) for the secrets scan. Only for child processes in
 * a loopback-only namespace (`test/support/loopbackNamespace.ts`); such a process must close its
 * peer connections, then `process.exit()` (one that created an RTCAudioSource can crash at exit).
 */
import wrtc from '@roamhq/wrtc';
import type { MediaStreamLike, MediaStreamTrackLike, PeerConnectionLike } from '../../src/protocol/peerConnectionLike.js';

const { RTCPeerConnection, MediaStream, nonstandard } = wrtc;
const MIC_RATE = 48_000;
const MIC_FRAME = MIC_RATE / 100; // 10 ms
/** Louder than this counts as heard: the simulator's voice is a 440 Hz tone of amplitude 1200. */
const HEARD_THRESHOLD = 600;

export const createWrtcPeerConnection = (): PeerConnectionLike => new RTCPeerConnection({ iceServers: [] }) as unknown as PeerConnectionLike;

export type MicrophonePhase = 'silence' | 'speech';

export interface FakeMicrophone {
  readonly stream: MediaStreamLike;
  /** 10 ms frames pushed so far, by phase. */
  readonly frames: Record<MicrophonePhase, number>;
  set(phase: MicrophonePhase): void;
  stop(): void;
}

/** Pushes one 10 ms frame per 10 ms of wall time: digital silence, or a 440 Hz tone at about -15 dBFS ("speech"). */
export function startFakeMicrophone(): FakeMicrophone {
  const source = new nonstandard.RTCAudioSource();
  const track = source.createTrack();
  const stream = new MediaStream([track]);
  const frames: Record<MicrophonePhase, number> = { silence: 0, speech: 0 };
  let phase: MicrophonePhase = 'silence';
  let sent = 0;
  const started = performance.now();
  const timer = setInterval(() => {
    const due = Math.floor((performance.now() - started) / 10);
    for (; sent < due; sent++) {
      const samples = new Int16Array(MIC_FRAME);
      if (phase === 'speech') for (let i = 0; i < MIC_FRAME; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * (sent * MIC_FRAME + i)) / MIC_RATE));
      source.onData({
        samples,
        sampleRate: MIC_RATE,
        bitsPerSample: 16,
        channelCount: 1,
        numberOfFrames: MIC_FRAME,
      });
      frames[phase] += 1;
    }
  }, 10);
  return {
    stream: stream as unknown as MediaStreamLike,
    frames,
    set: (next) => void (phase = next),
    stop: () => {
      clearInterval(timer);
      track.stop();
    },
  };
}

export interface FakeSpeaker {
  /** For the transport's `onRemoteTrack`. */
  readonly attach: (track: MediaStreamTrackLike) => void;
  /** Samples heard, and those above HEARD_THRESHOLD, per phase the test named. */
  readonly heard: Record<string, { samples: number; loud: number }>;
  /** What the sink delivers (libwebrtc decides: 48 kHz mono here). */
  readonly format: { sampleRate?: number; channelCount?: number };
  /** Counts what comes next under `phase`. */
  phase(name: string): void;
  /** Resolves once `loud` samples were heard in the current phase (or rejects after `timeoutMs`). */
  untilLoud(loud: number, timeoutMs: number): Promise<void>;
  stop(): void;
}

export function startFakeSpeaker(firstPhase: string): FakeSpeaker {
  const heard: FakeSpeaker['heard'] = {};
  let current = firstPhase;
  let waiter: { loud: number; resolve: () => void } | undefined;
  const sinks: Array<InstanceType<typeof nonstandard.RTCAudioSink>> = [];
  const format: FakeSpeaker['format'] = {};
  const count = (samples: Int16Array) => {
    const entry = (heard[current] ??= { samples: 0, loud: 0 });
    entry.samples += samples.length;
    for (const sample of samples) if (Math.abs(sample) > HEARD_THRESHOLD) entry.loud += 1;
    if (waiter && entry.loud >= waiter.loud) {
      waiter.resolve();
      waiter = undefined;
    }
  };
  return {
    attach(track) {
      const sink = new nonstandard.RTCAudioSink(track as unknown as MediaStreamTrack);
      sink.ondata = (data: { samples: Int16Array; sampleRate: number; channelCount: number }) => {
        format.sampleRate = data.sampleRate;
        format.channelCount = data.channelCount;
        count(data.samples);
      };
      sinks.push(sink);
    },
    heard,
    format,
    phase: (name) => void (current = name),
    untilLoud(loud, timeoutMs) {
      if ((heard[current]?.loud ?? 0) >= loud) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the browser heard ${heard[current]?.loud ?? 0} loud samples in ${timeoutMs} ms, not ${loud}`)), timeoutMs);
        waiter = {
          loud,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      });
    },
    stop: () => sinks.forEach((sink) => sink.stop()),
  };
}

export interface SeenAnswer {
  readonly url: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A fetch that keeps every answer, read in full (the caller still gets an unread copy). */
export function recordingFetch(): {
  fetch: typeof fetch;
  answers: SeenAnswer[];
} {
  const answers: SeenAnswer[] = [];
  const recording: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    answers.push({
      url: String(input instanceof Request ? input.url : input),
      status: response.status,
      headers,
      body: await response.clone().text(),
    });
    return response;
  };
  return { fetch: recording, answers };
}

/** A promise the test settles with `done()`; it rejects, naming `what`, after `timeoutMs`. */
export function deadline(what: string, timeoutMs: number): { promise: Promise<void>; done: () => void } {
  let done!: () => void;
  const promise = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    done = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return { promise, done };
}

/**
 * Ends a probe the one safe way: run it, record a failure in its result, run every cleanup (the
 * last registered first; one that throws does not stop the rest), print the result as the last
 * stdout line, then exit — a process that made an RTCAudioSource can crash ending on its own.
 */
export async function finishProbe(main: () => Promise<void>, result: Record<string, unknown>, cleanups: Array<() => unknown>): Promise<never> {
  try {
    await main();
  } catch (error) {
    result.error = error instanceof Error ? `${error.message}\n${error.stack}` : String(error);
  }
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch {
      // The rest is cleaned up all the same.
    }
  }
  return new Promise<never>(() => process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0)));
}
