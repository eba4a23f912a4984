import { describe, expect, it } from 'vitest';
import { compileSipPolicy } from './sipPolicy.js';

const from = (value: string) => [{ name: 'From', value }];

describe('compileSipPolicy', () => {
  it('accepts by default up to the concurrent-call cap, then answers busy', () => {
    const decide = compileSipPolicy({ maxConcurrentCalls: 2 });
    expect(decide(from('<sip:+15550001111@x>'), 1)).toEqual({ accept: true });
    expect(decide(from('<sip:+15550001111@x>'), 2)).toEqual({ accept: false, statusCode: 486, why: expect.stringContaining('2 phone calls are live') });
  });

  it('rejects what a deny rule matches and what no allow rule matches, header names in any case', () => {
    const decide = compileSipPolicy({ allow: [{ header: 'from', pattern: '@trusted\\.example>$' }], deny: [{ header: 'X-Spam', pattern: '^yes$' }], rejectStatusCode: 403 });
    expect(decide([{ name: 'FROM', value: '<sip:bob@trusted.example>' }], 0)).toEqual({ accept: true });
    expect(decide(from('<sip:eve@elsewhere.example>'), 0)).toEqual({ accept: false, statusCode: 403, why: 'no allow rule matched' });
    expect(decide([...from('<sip:bob@trusted.example>'), { name: 'x-spam', value: 'YES' }], 0)).toMatchObject({ accept: false, why: 'a deny rule matched (X-Spam ~ /^yes$/)' });
    expect(decide([{ name: 'From', value: 42 as unknown as string }], 0)).toMatchObject({ accept: false });
  });

  it('refuses a bad pattern, header or status when it is compiled', () => {
    expect(() => compileSipPolicy({ deny: [{ header: 'From', pattern: '(' }] })).toThrow(/^sip\.deny\[0\]\.pattern is not a regular expression/);
    expect(() => compileSipPolicy({ allow: [{ header: 'Fr om', pattern: 'x' }] })).toThrow('sip.allow[0].header is not a header name');
    expect(() => compileSipPolicy({ rejectStatusCode: 200 })).toThrow('sip.rejectStatusCode');
  });
});
