import { describe, expect, it } from 'vitest';
import { ServeHttpError } from './httpErrors.js';
import { checkId, parseApprovalAnswer, parseAttach, parseSessionRequest } from './requests.js';

const why = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    if (error instanceof ServeHttpError) return `${error.status} ${error.message}`;
    throw error;
  }
  return 'accepted';
};

describe('request checks', () => {
  it('ids are 1–128 characters of A-Z, a-z, 0-9, "_" and "-"', () => {
    expect(checkId('rtc_abc-1', 'x')).toBe('rtc_abc-1');
    for (const bad of [undefined, '', 'a/b', '../x', 'a'.repeat(129), 'toString()', 'é']) expect(why(() => checkId(bad, 'the id'))).toMatch(/^400 Failed to read the request: the id must be/);
  });

  it('run-time servers: labels, URLs and headers checked, header values never quoted', () => {
    const secret = 'header-value-secret-9';
    expect(parseSessionRequest({ mcpServers: [{ label: 'a', url: 'https://x.example/mcp', headers: { 'X-Api-Key': secret } }], tools: ['a/t'] })).toEqual({
      mcpServers: [{ label: 'a', url: 'https://x.example/mcp', headers: { 'X-Api-Key': secret } }],
      tools: ['a/t'],
    });
    const refusals = [
      { mcpServers: {} },
      { mcpServers: [{ label: 'a b', url: 'https://x' }] },
      { mcpServers: [{ label: 'a', url: 'ftp://x' }] },
      { mcpServers: [{ label: 'a', url: 'https://x', headers: { Host: 'evil' } }] },
      { mcpServers: [{ label: 'a', url: 'https://x', headers: { 'X-Key': `${secret}\r\nInjected: 1` } }] },
      { mcpServers: [{ label: 'a', url: 'https://x', extra: 1 }] },
      { mcpServers: [{ label: 'a', url: 'https://x' }, { label: 'a', url: 'https://y' }] },
      { mcpServers: Array.from({ length: 9 }, (_, i) => ({ label: `s${i}`, url: 'https://x' })) },
      { tools: [] },
      { tools: ['no-slash'] },
      JSON.parse('{"__proto__": {"polluted": true}}'),
      [],
    ].map((body) => why(() => parseSessionRequest(body)));
    for (const refusal of refusals) {
      expect(refusal).toMatch(/^400 Failed to read the request: .*\. Please /);
      expect(refusal).not.toContain(secret);
    }
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    expect(parseSessionRequest({ mcpServers: [{ label: 'a', url: 'https://x', headers: JSON.parse('{"__proto__": "v"}') }] }).mcpServers[0]!.headers).toEqual(JSON.parse('{"__proto__": "v"}'));
  });

  it('approval answers and attach bodies', () => {
    expect(parseApprovalAnswer({ approved: false, reason: 'no', sticky: true })).toEqual({ approved: false, reason: 'no', sticky: true });
    expect(why(() => parseApprovalAnswer({ approved: 1 }))).toMatch(/^400 .*approved must be true or false/);
    expect(why(() => parseApprovalAnswer({ approved: true, reason: 'x'.repeat(501) }))).toMatch(/reason must be/);
    expect(parseAttach({ callId: 'rtc_1' })).toEqual({ callId: 'rtc_1' });
    expect(why(() => parseAttach({ callId: 'rtc 1' }))).toMatch(/callId must be/);
  });
});
