import { describe, expect, it } from 'vitest';
import { RateLimiter } from './limits.js';

describe('RateLimiter', () => {
  it('lets a burst through, then one request per refill interval, per client', () => {
    let now = 0;
    const limiter = new RateLimiter({ requestsPerMinute: 60, burst: 2, now: () => now });
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 1]);
    expect(limiter.take('b')).toBe(0);
    now += 1_000;
    expect([limiter.take('a'), limiter.take('a')]).toEqual([0, 1]);
    now += 60_000;
    // Idle for long: back to the burst, never more.
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 1]);
  });

  it('says how long to wait, in whole seconds', () => {
    const limiter = new RateLimiter({ requestsPerMinute: 6, burst: 1, now: () => 0 });
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(10);
  });

  it('forgets the idlest client past 10 000, so a flood of addresses cannot grow it', () => {
    let now = 0;
    const limiter = new RateLimiter({ requestsPerMinute: 60, burst: 1, now: () => now });
    limiter.take('first');
    for (let i = 0; i < 10_000; i += 1) limiter.take(`client-${i}`);
    expect(limiter.size).toBe(10_000);
    // "first" was forgotten: it starts with a full bucket again.
    now += 1;
    expect(limiter.take('first')).toBe(0);
  });
});
