import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { SessionEventLog, streamSessionEvents } from './events.js';

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

describe('streamSessionEvents', () => {
  async function read(response: Response, until: (text: string) => boolean): Promise<string> {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!until(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await reader.cancel();
    return text;
  }

  it('resumes after Last-Event-ID, sends heartbeats while idle, and ends with the log', async () => {
    const log = new SessionEventLog();
    log.push('a', { n: 1 });
    log.push('b', { n: 2 });
    const app = new Hono().get('/events', (c) => streamSessionEvents(c, log, { heartbeatMs: 20 }));
    const resumed = await app.request('/events', { headers: { 'last-event-id': '1' } });
    expect(resumed.headers.get('content-type')).toBe('text/event-stream');
    const text = await read(resumed, (seen) => seen.includes(': keep-alive'));
    expect(text).toContain('event: b\ndata: {"id":2,"type":"b"');
    expect(text).not.toContain('event: a\n');
    const ending = app.request('/events');
    const body = (await ending).body!;
    log.push('c', {});
    log.end();
    const all = await new Response(body).text();
    expect(all.match(/^event: \w/gm)).toEqual(['event: a', 'event: b', 'event: c']);
  });

  it('cuts off a client that falls too far behind', async () => {
    const log = new SessionEventLog();
    const app = new Hono().get('/events', (c) => streamSessionEvents(c, log, { maxQueued: 2 }));
    const response = await app.request('/events');
    // Nobody reads: the stream stalls on its first write while events pile up.
    for (let i = 0; i < 10; i += 1) log.push('x', { i });
    const text = await new Response(response.body).text();
    expect(text).toContain('event: stream.overflow');
  });
});
