import { describe, expect, it } from 'vitest';
import { StderrTail } from './stderrTail.js';

describe('StderrTail', () => {
  it('keeps the last lines, across chunks that split lines and UTF-8 characters', () => {
    const tail = new StderrTail({ maxLines: 3 });
    const bytes = Buffer.from('one\ntwo\nthree\nfour: café\nfive (unfinished');
    const cut = bytes.indexOf(Buffer.from('é')) + 1; // inside the two bytes of "é"
    tail.write(bytes.subarray(0, cut));
    tail.write(bytes.subarray(cut));
    expect(tail.lines()).toEqual(['three', 'four: café', 'five (unfinished']);
  });

  it('strips colour codes and skips blank lines', () => {
    const tail = new StderrTail();
    tail.write('\u001b[31mError:\u001b[0m Stripe API key not provided\r\n\n   \n');
    expect(tail.lines()).toEqual(['Error: Stripe API key not provided']);
  });

  it('is bounded in characters: old lines go first, and a huge line keeps its end', () => {
    const tail = new StderrTail({ maxLines: 100, maxChars: 100 });
    for (let i = 0; i < 50; i++) tail.write(`line ${i} ${'x'.repeat(20)}\n`);
    const kept = tail.lines();
    expect(kept.join('').length).toBeLessThanOrEqual(100);
    expect(kept.at(-1)).toMatch(/^line 49 /);
    tail.write(`${'y'.repeat(10_000)} the end\n`);
    expect(tail.lines()).toEqual([expect.stringMatching(/^…y+ the end$/)]);
    expect(tail.lines()[0]!.length).toBe(100);
  });

  it('keeps an unfinished line bounded too (a server that never writes a newline)', () => {
    const tail = new StderrTail({ maxChars: 50 });
    for (let i = 0; i < 1000; i++) tail.write('z'.repeat(100));
    expect(tail.lines()[0]!.length).toBeLessThanOrEqual(50);
  });
});
