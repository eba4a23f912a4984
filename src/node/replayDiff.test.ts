import { describe, expect, it } from 'vitest';
import { describeDifference } from './replayDiff.js';

describe('describeDifference', () => {
  it('shows a missing key and caps long values', () => {
    const lines = describeDifference({ seq: 7, message: 'x', path: '/item/extra', expected: { type: 'a', item: { id: 1 } }, actual: { type: 'a', item: { id: 1, extra: { list: Array.from({ length: 20 }, (_, i) => i) } } } });
    expect(lines[0]).toBe('  record 7, at /item/extra (- recorded, + sent by the proxy):');
    expect(lines).toContain('  - (no /item/extra in the recording)');
    expect(lines.filter((line) => line.startsWith('  + '))).toHaveLength(8);
    expect(lines.some((line) => /… \(\d+ more lines\)/.test(line))).toBe(true);
  });
});