import { describe, expect, it } from 'vitest';
import { loadOpus, OPUS_FRAME_SAMPLES } from './opus.js';
import { levelDbfs } from './vad.js';

const tone = (frame: number): Int16Array =>
  Int16Array.from({ length: OPUS_FRAME_SAMPLES }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * (frame * OPUS_FRAME_SAMPLES + i)) / 48_000)));

describe('loadOpus', () => {
  it('round-trips 20 ms frames at 48 kHz: a tone stays a tone, silence stays silent', async () => {
    const opus = await loadOpus();
    const encoder = opus.createEncoder();
    const decoder = opus.createDecoder();
    let decoded: Int16Array = new Int16Array(0);
    for (let frame = 0; frame < 10; frame++) decoded = decoder.decode(encoder.encode(tone(frame)));
    expect(decoded).toHaveLength(OPUS_FRAME_SAMPLES);
    expect(levelDbfs(decoded)).toBeGreaterThan(-17);
    for (let frame = 0; frame < 10; frame++) decoded = decoder.decode(encoder.encode(new Int16Array(OPUS_FRAME_SAMPLES)));
    expect(levelDbfs(decoded)).toBeLessThan(-60);
    encoder.close();
    decoder.close();
    encoder.close(); // twice is fine
  });

  it('refuses frames of the wrong size and packets no Opus packet can be', async () => {
    const opus = await loadOpus();
    const encoder = opus.createEncoder();
    const decoder = opus.createDecoder();
    expect(() => encoder.encode(new Int16Array(480))).toThrow(/960 samples, not 480/);
    expect(() => decoder.decode(new Uint8Array(0))).toThrow(/0 bytes/);
    expect(() => decoder.decode(new Uint8Array(5000))).toThrow(/5000 bytes/);
    encoder.close();
    decoder.close();
  });
});
