import { describe, expect, it } from 'vitest';
import { ProxyError } from '../errors.js';
import { failureLine } from './httpErrors.js';

describe('failureLine', () => {
  it('keeps a REST error that already says what failed, and prefixes anything else once', () => {
    const rest = new ProxyError('realtime_api_error', 'Failed to reject call rtc_1: OpenAI answered 404 (call_id_not_found): No session found. Please check the call id.');
    expect(failureLine('reject call rtc_1', rest)).toBe(rest.message);
    expect(failureLine('reject call rtc_1', new Error('socket hang up'))).toBe('Failed to reject call rtc_1: socket hang up');
    expect(failureLine('hang up call rtc_1', 'timeout')).toBe('Failed to hang up call rtc_1: timeout');
    // Another action's message is not taken for this one.
    expect(failureLine('accept call rtc_2', rest)).toBe(`Failed to accept call rtc_2: ${rest.message}`);
  });
});
