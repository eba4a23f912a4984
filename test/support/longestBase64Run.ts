/** The longest run of base64 characters (`A–Z a–z 0–9 + / = _ -`) in an output, as the model would read it. */
export function longestBase64Run(output: string): number {
  let longest = 0;
  for (const run of output.match(/[A-Za-z0-9+/=_-]+/g) ?? []) longest = Math.max(longest, run.length);
  return longest;
}
