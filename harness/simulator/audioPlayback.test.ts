import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAudioPlayback, type AudioPlaybackEvent, type OutgoingRtp } from './audioPlayback.js';
import type { OpusEncoder } from './opus.js';

/** An "encoder" that keeps the frame itself, so tests can read what was sent. */
const frames = new WeakMap<Buffer, Int16Array>();
const fakeEncoder: OpusEncoder = {
  encode(frame) {
    const payload = Buffer.alloc(3);
    frames.set(payload, frame.slice());
    return payload;
  },
  close() {},
};

function setup() {
  const sent: Array<OutgoingRtp & { frame: Int16Array; atMs: number }> = [];
  const events: string[] = [];
  const playback = createAudioPlayback({
    encoder: fakeEncoder,
    send: (packet) => sent.push({ ...packet, frame: frames.get(packet.payload)!, atMs: Date.now() }),
    onEvent: (event: AudioPlaybackEvent) => events.push(`${event.type}@${Date.now()}`),
    now: () => Date.now(),
  });
  return { playback, sent, events };
}

const pcm24k = (ms: number, value = 1000): Int16Array => new Int16Array(ms * 24).fill(value);
const isSilent = (frame: Int16Array): boolean => frame.every((sample) => sample === 0);

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createAudioPlayback', () => {
  it('holds audio until ready, then sends 20 ms frames in real time with consecutive RTP numbers', async () => {
    const { playback, sent, events } = setup();
    playback.play(pcm24k(300));
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toHaveLength(0);

    playback.ready();
    await vi.advanceTimersByTimeAsync(100);
    expect(sent.length).toBeLessThanOrEqual(6); // paced, not sent in one burst
    await vi.advanceTimersByTimeAsync(1000);

    // 300 ms at 48 kHz = 15 frames, then 3 frames of silence.
    expect(sent).toHaveLength(18);
    expect(sent.slice(0, 15).every(({ frame }) => !isSilent(frame))).toBe(true);
    expect(sent.slice(15).every(({ frame }) => isSilent(frame))).toBe(true);
    expect(sent.map(({ atMs }) => atMs)).toEqual(sent.map((_, i) => 1000 + i * 20));
    expect(sent.map(({ marker }) => marker)).toEqual([true, ...Array(17).fill(false)]);
    for (let i = 1; i < sent.length; i++) {
      expect(sent[i]!.sequenceNumber).toBe((sent[i - 1]!.sequenceNumber + 1) & 0xffff);
      expect(sent[i]!.timestamp).toBe((sent[i - 1]!.timestamp + 960) >>> 0);
    }
    // started with the first frame; stopped when the last one's 20 ms had passed.
    expect(events).toEqual(['started@1000', 'stopped@1300']);
    expect(vi.getTimerCount()).toBe(0); // idle: no timer
  });

  it('starts a later talkspurt with the marker bit and a timestamp advanced by the time that passed', async () => {
    const { playback, sent, events } = setup();
    playback.ready();
    playback.play(pcm24k(40));
    await vi.advanceTimersByTimeAsync(1000);
    const last = sent.at(-1)!;
    playback.play(pcm24k(40));
    await vi.advanceTimersByTimeAsync(1000);
    const next = sent[sent.indexOf(last) + 1]!;
    expect(next.marker).toBe(true);
    expect(next.sequenceNumber).toBe((last.sequenceNumber + 1) & 0xffff);
    expect((next.timestamp - last.timestamp) >>> 0).toBe(((next.atMs - last.atMs) * 48) >>> 0);
    expect(events).toEqual(['started@0', 'stopped@40', 'started@1000', 'stopped@1040']);
  });

  it('upsamples 24 kHz to 48 kHz by linear interpolation, continuous across play() calls, and pads the last frame', async () => {
    const { playback, sent } = setup();
    playback.ready();
    playback.play(Int16Array.from([1000, 3000]));
    playback.play(Int16Array.from([5000]));
    await vi.advanceTimersByTimeAsync(100);
    expect(Array.from(sent[0]!.frame.subarray(0, 8))).toEqual([500, 1000, 2000, 3000, 4000, 5000, 0, 0]);
    expect(isSilent(sent[0]!.frame.subarray(6))).toBe(true);
  });

  it('clear() drops what was not sent: cleared instead of stopped, then silence; play() starts anew', async () => {
    const { playback, sent, events } = setup();
    playback.ready();
    playback.play(pcm24k(2000));
    await vi.advanceTimersByTimeAsync(100);
    playback.clear();
    await vi.advanceTimersByTimeAsync(1000);
    const loudFrames = sent.filter(({ frame }) => !isSilent(frame)).length;
    expect(loudFrames).toBeLessThanOrEqual(6);
    expect(sent.slice(loudFrames).every(({ frame }) => isSilent(frame))).toBe(true);
    expect(events).toEqual(['started@0', 'cleared@100']);

    playback.clear(); // nothing under way: no event
    playback.play(pcm24k(20));
    await vi.advanceTimersByTimeAsync(1000);
    expect(events).toEqual(['started@0', 'cleared@100', 'started@1100', 'stopped@1120']);
  });

  it('close() stops the timer and sends nothing more, with no event', async () => {
    const { playback, sent, events } = setup();
    playback.ready();
    playback.play(pcm24k(1000));
    await vi.advanceTimersByTimeAsync(100);
    const count = sent.length;
    playback.close();
    playback.play(pcm24k(100));
    await vi.advanceTimersByTimeAsync(2000);
    expect(sent).toHaveLength(count);
    expect(events).toEqual(['started@0']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('skips ahead instead of bursting when the event loop was blocked', async () => {
    const { playback, sent } = setup();
    playback.ready();
    playback.play(pcm24k(2000));
    await vi.advanceTimersByTimeAsync(0);
    vi.setSystemTime(Date.now() + 1000); // the clock jumps with no timer run, as under a blocked loop
    await vi.advanceTimersByTimeAsync(20);
    expect(sent.length).toBeLessThanOrEqual(3);
  });
});
