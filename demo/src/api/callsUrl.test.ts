import { describe, expect, it } from 'vitest';
import { baseUrlOfCallsUrl } from './callsUrl';

describe('baseUrlOfCallsUrl', () => {
  it('gives the base the transport appends /realtime/calls to', () => {
    expect(baseUrlOfCallsUrl('http://127.0.0.1:4010/v1/realtime/calls')).toBe('http://127.0.0.1:4010/v1');
    expect(baseUrlOfCallsUrl('https://api.openai.com/v1/realtime/calls/')).toBe('https://api.openai.com/v1');
  });
  it('refuses anything else', () => {
    expect(baseUrlOfCallsUrl(undefined)).toBeUndefined();
    expect(baseUrlOfCallsUrl('javascript:x/realtime/calls')).toBeUndefined();
    expect(baseUrlOfCallsUrl('http://h/v1/other')).toBeUndefined();
  });
});
