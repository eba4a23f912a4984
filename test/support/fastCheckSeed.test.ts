import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('fast-check in npm test', () => {
  it.skipIf(process.env.FUZZ_EXPLORE === '1')('replays the same cases on every run (no seed given)', () => {
    const draw = (): number[] => fc.sample(fc.integer(), { numRuns: 8 });
    expect(draw()).toEqual(draw());
  });

  it.skipIf(process.env.FUZZ_EXPLORE === '1')('lets a property that names its own seed keep it', () => {
    const draw = (seed: number): number[] => fc.sample(fc.integer(), { seed, numRuns: 8 });
    expect(draw(1)).not.toEqual(draw(2));
  });
});
