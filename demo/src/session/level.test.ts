import { describe, expect, it } from 'vitest';
import { levelOf } from './level';

describe('levelOf', () => {
  it('is 0 for silence and grows with loudness up to 1', () => {
    expect(levelOf(new Float32Array(128))).toBe(0);
    expect(levelOf([])).toBe(0);
    const quiet = levelOf(Float32Array.from({ length: 128 }, (_, index) => (index % 2 ? 0.01 : -0.01)));
    const loud = levelOf(Float32Array.from({ length: 128 }, (_, index) => (index % 2 ? 0.5 : -0.5)));
    expect(quiet).toBeGreaterThan(0);
    expect(loud).toBeGreaterThan(quiet);
    expect(levelOf([1, -1, NaN])).toBeLessThanOrEqual(1);
  });
});
