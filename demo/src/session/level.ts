/** The input level meter's value: the RMS of one frame of samples, scaled so speech fills most of the bar. */
export function levelOf(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let index = 0; index < samples.length; index += 1) {
    const sample = samples[index]!;
    if (Number.isFinite(sample)) sum += sample * sample;
  }
  const rms = Math.sqrt(sum / samples.length);
  // Speech peaks around 0.1–0.3 RMS: a square root spreads the quiet end.
  return Math.min(1, Math.sqrt(rms * 4));
}
