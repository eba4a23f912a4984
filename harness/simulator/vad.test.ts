import { describe, expect, it } from 'vitest';
import { createSpeechDetector, levelDbfs, type SpeechEvent } from './vad.js';

const RATE = 48_000;
const FRAME = 960; // 20 ms

function tone(amplitude: number): Int16Array {
  return Int16Array.from({ length: FRAME }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / RATE)));
}
const silence = new Int16Array(FRAME);
const loud = tone(8000); // about -15 dBFS
const faint = tone(30); // about -63 dBFS

/** Feeds 20 ms frames back to back from 0 ms; returns the events. */
function feed(frames: Int16Array[], options = {}): SpeechEvent[] {
  const events: SpeechEvent[] = [];
  const detector = createSpeechDetector(options, (event) => events.push(event));
  frames.forEach((frame, i) => detector.push(frame, i * 20, RATE));
  return events;
}
const times = (frame: Int16Array, count: number): Int16Array[] => Array.from({ length: count }, () => frame);

describe('levelDbfs', () => {
  it('measures RMS against full scale', () => {
    expect(levelDbfs(silence)).toBe(-Infinity);
    expect(levelDbfs(new Int16Array(FRAME).fill(-32768))).toBeCloseTo(0, 5);
    expect(levelDbfs(loud)).toBeCloseTo(-15.24, 1);
    expect(levelDbfs(new Int16Array(0))).toBe(-Infinity);
  });
});

describe('createSpeechDetector', () => {
  it('never reports speech for silence or faint noise, however long', () => {
    expect(feed([...times(silence, 500), ...times(faint, 500)])).toEqual([]);
  });

  it('starts where a loud run of at least 100 ms began and stops where it ended, after 500 ms of quiet', () => {
    const events = feed([...times(silence, 10), ...times(loud, 30), ...times(silence, 24)]);
    expect(events).toEqual([{ type: 'started', atMs: 200 }]); // 480 ms of quiet so far: not stopped yet
    expect(feed([...times(silence, 10), ...times(loud, 30), ...times(silence, 25)])).toEqual([
      { type: 'started', atMs: 200 },
      { type: 'stopped', atMs: 800 },
    ]);
  });

  it('ignores bursts shorter than 100 ms (a click) but bridges short dips inside speech', () => {
    expect(feed([...times(silence, 5), ...times(loud, 4), ...times(silence, 40)])).toEqual([]);
    const dips = [loud, loud, loud, silence, silence, loud, loud, loud, ...times(silence, 30)];
    expect(feed(dips)).toEqual([
      { type: 'started', atMs: 0 },
      { type: 'stopped', atMs: 160 },
    ]);
  });

  it('takes its threshold and silence duration from options', () => {
    expect(feed([...times(faint, 10), ...times(silence, 30)], { thresholdDb: -70 })).toEqual([
      { type: 'started', atMs: 0 },
      { type: 'stopped', atMs: 200 },
    ]);
    const short = feed([...times(loud, 10), ...times(silence, 10)], { silenceMs: 200 });
    expect(short).toEqual([
      { type: 'started', atMs: 0 },
      { type: 'stopped', atMs: 200 },
    ]);
  });

  it('counts a gap between frames (packets that never came) as quiet', () => {
    const events: SpeechEvent[] = [];
    const detector = createSpeechDetector({}, (event) => events.push(event));
    for (let i = 0; i < 10; i++) detector.push(loud, i * 20, RATE);
    detector.push(silence, 2000, RATE); // the next packet, 1.8 s later
    expect(events).toEqual([
      { type: 'started', atMs: 0 },
      { type: 'stopped', atMs: 200 },
    ]);
  });

  it('flush() ends speech in progress when audio stops coming', () => {
    const events: SpeechEvent[] = [];
    const detector = createSpeechDetector({}, (event) => events.push(event));
    for (let i = 0; i < 10; i++) detector.push(loud, i * 20, RATE);
    expect(detector.speaking).toBe(true);
    detector.flush();
    expect(detector.speaking).toBe(false);
    expect(events.at(-1)).toEqual({ type: 'stopped', atMs: 200 });
    detector.flush();
    expect(events).toHaveLength(2);
  });
});
