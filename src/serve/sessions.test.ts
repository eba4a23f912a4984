import { afterEach, describe, expect, it, vi } from 'vitest';
import { Redactor } from '../redaction/index.js';
import type { RealtimeMcpProxy } from '../proxy/createRealtimeMcpProxy.js';
import { SessionRegistry } from './sessions.js';

const neverAttached = (): RealtimeMcpProxy => {
  throw new Error('not attached in this test');
};

describe('SessionRegistry: pending sessions', () => {
  afterEach(() => void vi.useRealTimers());

  it('drops a session still pending after its TTL, and keeps it until then', async () => {
    vi.useFakeTimers();
    const ended: string[] = [];
    const registry = new SessionRegistry({ maxSessions: 2 });
    const session = registry.create('client_secret', { redactor: new Redactor(), createProxy: neverAttached, pendingTtlMs: 1_000, onEnded: (s) => ended.push(s.id) });
    await vi.advanceTimersByTimeAsync(999);
    expect(registry.get(session.id)).toBe(session);
    expect(session.state).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(registry.get(session.id)).toBeUndefined();
    expect(ended).toEqual([session.id]);
    expect(registry.size).toBe(0);
  });

  it('refuses a session past maxSessions with 503, pending ones counted', () => {
    const registry = new SessionRegistry({ maxSessions: 1 });
    registry.create('call', { redactor: new Redactor(), createProxy: neverAttached });
    expect(() => registry.create('call', { redactor: new Redactor(), createProxy: neverAttached })).toThrow(/1 sessions are open/);
  });
});
