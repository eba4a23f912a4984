import { describe, expect, it } from 'vitest';
import { SessionEventLog } from './events.js';

describe('SessionEventLog', () => {
  it('keeps the newest events for late clients, numbered, and hands them over from a Last-Event-ID', () => {
    const log = new SessionEventLog({ capacity: 3 });
    for (let i = 1; i <= 5; i += 1) log.push('toolCall.ended', { n: i });
    expect(log.since(0).map((event) => [event.id, (event.data as { n: number }).n])).toEqual([
      [3, 3],
      [4, 4],
      [5, 5],
    ]);
    expect(log.since(4).map((event) => event.id)).toEqual([5]);
  });

  it('sends new events to subscribers until it ends, then keeps nothing more', () => {
    const log = new SessionEventLog();
    const seen: string[] = [];
    let ended = 0;
    log.subscribe({ event: (event) => void seen.push(event.type), end: () => void (ended += 1) });
    log.push('a', {});
    log.end();
    log.push('b', {});
    log.end();
    expect([seen, ended, log.since(0).map((event) => event.type)]).toEqual([['a'], 1, ['a']]);
    let late = 0;
    log.subscribe({ event: () => undefined, end: () => void (late += 1) });
    expect(late).toBe(1);
  });

  it('keeps an oversized event as a summary of its scalar fields', () => {
    const log = new SessionEventLog({ maxEventBytes: 200 });
    log.push('toolCall.ended', { callId: 'call_1', code: 'ok', output: 'x'.repeat(1000) });
    expect(log.since(0)[0]!.data).toEqual({ truncated: true, bytes: expect.any(Number), callId: 'call_1', code: 'ok' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    log.push('x', cyclic);
    expect(log.since(1)[0]!.data).toEqual({ truncated: true, why: 'not serializable' });
  });
});
