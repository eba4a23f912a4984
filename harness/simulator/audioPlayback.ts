/**
 * The outgoing audio of the simulator's WebRTC peer: 24 kHz PCM16 from the script, resampled to
 * 48 kHz, cut into 20 ms frames, Opus-encoded and sent in real time (one frame every 20 ms against
 * the clock, not against the previous timer), with RTP sequence numbers and timestamps.
 *
 * When nothing is queued it sends nothing, as a sender with discontinuous transmission does: no
 * timer and no encoder work per idle call. Each talkspurt starts with the RTP marker bit and a
 * timestamp advanced by the time that passed (RFC 3551 §4.1, RFC 7587 §4.1), and ends with a few
 * frames of encoded silence, so the receiver's loss concealment fades from silence rather than
 * stretching the last syllable, and Opus's look-ahead (6.5 ms) of the last frame is flushed out.
 */
import { OPUS_FRAME_SAMPLES, OPUS_SAMPLE_RATE, type OpusEncoder } from './opus.js';

export type AudioPlaybackEvent = { type: 'started' | 'stopped' | 'cleared' };

export interface OutgoingRtp {
  payload: Buffer;
  sequenceNumber: number;
  timestamp: number;
  marker: boolean;
}

export interface AudioPlaybackOptions {
  encoder: OpusEncoder;
  /** Sends one Opus packet as RTP. */
  send(packet: OutgoingRtp): void;
  /** `started` when the first frame of a talkspurt is sent; then exactly one `stopped` (all of it sent and its time passed) or `cleared`. */
  onEvent(event: AudioPlaybackEvent): void;
  /** Milliseconds, monotonic. Default `performance.now()`. */
  now?: () => number;
}

export interface AudioPlayback {
  /** Queues 24 kHz mono PCM16. Nothing is sent before `ready()`. */
  play(pcm24k: Int16Array): void;
  /** Drops what was not sent yet; `cleared` if a talkspurt was under way. */
  clear(): void;
  /** The media path is up: queued audio starts. */
  ready(): void;
  /** Stops the timer and drops the queue; no event follows. */
  close(): void;
}

const FRAME_MS = (OPUS_FRAME_SAMPLES * 1000) / OPUS_SAMPLE_RATE;
/** Encoded silence after each talkspurt (60 ms). */
const TAIL_FRAMES = 3;
/** Behind the clock by more than this (a blocked event loop), skip ahead rather than send a burst. */
const MAX_CATCH_UP_MS = 200;

export function createAudioPlayback(options: AudioPlaybackOptions): AudioPlayback {
  const now = options.now ?? (() => performance.now());
  const silence = new Int16Array(OPUS_FRAME_SAMPLES);
  // Queued 48 kHz audio: whole chunks, and how far into the first one sending has got.
  const chunks: Int16Array[] = [];
  let headOffset = 0;
  let queuedSamples = 0;
  let previousSample = 0; // the upsampler's memory across play() calls
  let isReady = false;
  let closed = false;
  let talking = false;
  let tailFrames = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let nextDueMs = 0;
  // RTP numbering starts at random values (RFC 3550 §5.1).
  let sequenceNumber = Math.floor(Math.random() * 0x10000);
  let timestamp = Math.floor(Math.random() * 0x1_0000_0000);
  let lastSentMs: number | undefined;

  const emit = (type: AudioPlaybackEvent['type']): void => options.onEvent({ type });

  const takeFrame = (): Int16Array => {
    const frame = new Int16Array(OPUS_FRAME_SAMPLES); // zero-padded when the queue ends mid-frame
    let filled = 0;
    while (filled < OPUS_FRAME_SAMPLES && chunks.length > 0) {
      const head = chunks[0]!;
      const count = Math.min(OPUS_FRAME_SAMPLES - filled, head.length - headOffset);
      frame.set(head.subarray(headOffset, headOffset + count), filled);
      filled += count;
      headOffset += count;
      queuedSamples -= count;
      if (headOffset === head.length) {
        chunks.shift();
        headOffset = 0;
      }
    }
    return frame;
  };

  const sendFrame = (frame: Int16Array, marker: boolean, atMs: number): void => {
    if (lastSentMs !== undefined) {
      // Within a talkspurt one frame's worth; after a pause, the time that passed.
      const elapsed = marker ? Math.max(OPUS_FRAME_SAMPLES, Math.round(((atMs - lastSentMs) * OPUS_SAMPLE_RATE) / 1000)) : OPUS_FRAME_SAMPLES;
      timestamp = (timestamp + elapsed) >>> 0;
      sequenceNumber = (sequenceNumber + 1) & 0xffff;
    }
    lastSentMs = atMs;
    options.send({ payload: options.encoder.encode(frame), sequenceNumber, timestamp, marker });
  };

  const tick = (): void => {
    timer = undefined;
    if (closed) return;
    const nowMs = now();
    if (nowMs - nextDueMs > MAX_CATCH_UP_MS) nextDueMs = nowMs;
    while (nextDueMs <= nowMs) {
      if (queuedSamples > 0) {
        const marker = !talking && tailFrames === 0;
        if (!talking) {
          talking = true;
          tailFrames = 0;
          emit('started');
        }
        sendFrame(takeFrame(), marker, nextDueMs);
      } else {
        if (talking) {
          // The last frame was sent one frame ago: its time has passed.
          talking = false;
          tailFrames = TAIL_FRAMES;
          previousSample = 0;
          emit('stopped');
        }
        if (tailFrames === 0) return; // idle: no timer until play()
        tailFrames--;
        sendFrame(silence, false, nextDueMs);
      }
      if (closed) return; // a listener closed the peer
      nextDueMs += FRAME_MS;
    }
    timer = setTimeout(tick, Math.max(0, nextDueMs - now()));
  };

  const schedule = (): void => {
    if (timer !== undefined || closed || !isReady) return;
    nextDueMs = Math.max(nextDueMs, now());
    timer = setTimeout(tick, 0);
  };

  return {
    play(pcm24k) {
      if (closed || pcm24k.length === 0) return;
      const upsampled = new Int16Array(pcm24k.length * 2);
      for (let i = 0; i < pcm24k.length; i++) {
        const sample = pcm24k[i]!;
        // Linear interpolation, half a 48 kHz sample late: no look-ahead across play() calls.
        upsampled[2 * i] = (previousSample + sample) >> 1;
        upsampled[2 * i + 1] = sample;
        previousSample = sample;
      }
      chunks.push(upsampled);
      queuedSamples += upsampled.length;
      schedule();
    },
    clear() {
      if (closed) return;
      chunks.length = 0;
      headOffset = 0;
      queuedSamples = 0;
      previousSample = 0;
      if (talking) {
        talking = false;
        tailFrames = TAIL_FRAMES;
        emit('cleared');
      }
    },
    ready() {
      isReady = true;
      schedule();
    },
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      chunks.length = 0;
      queuedSamples = 0;
    },
  };
}
