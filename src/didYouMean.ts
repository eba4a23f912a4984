/**
 * "Did you mean …?" for a name that matches nothing: the closest candidates by edit distance, when
 * they are close enough to be a typo (a third of the name's length, at least 1, at most 3 edits;
 * case-insensitive). Browser-safe: used by the tool settings and by the CLI's config file.
 */
import { distance } from 'fastest-levenshtein';

/** The candidates within typo distance of `name`, closest first (ties in the given order), at most `max`. */
export function closeNames(name: string, candidates: Iterable<string>, max = 3): string[] {
  const wanted = name.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(wanted.length / 3)));
  const scored: Array<{ candidate: string; score: number; order: number }> = [];
  let order = 0;
  for (const candidate of candidates) {
    const score = distance(wanted, candidate.toLowerCase());
    if (score > 0 && score <= limit) scored.push({ candidate, score, order: order++ });
    else if (score === 0 && candidate !== name) scored.push({ candidate, score, order: order++ }); // differs only in case
  }
  return scored
    .sort((a, b) => a.score - b.score || a.order - b.order)
    .slice(0, max)
    .map((entry) => entry.candidate);
}

/** ` (did you mean "a" or "b"?)`, or '' when nothing is close. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const close = closeNames(name, candidates);
  if (close.length === 0) return '';
  const quoted = close.map((candidate) => JSON.stringify(candidate));
  const last = quoted.pop()!;
  return ` (did you mean ${quoted.length > 0 ? `${quoted.join(', ')} or ${last}` : last}?)`;
}
