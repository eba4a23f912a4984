import { describe, expect, it } from 'vitest';
import { followSse } from './followSse';
import type { ServeEvent } from './serveTypes';

const message = (event: { id?: number; type: string; data?: unknown }) => `id: ${event.id ?? ''}\nevent: ${event.type}\ndata: ${JSON.stringify({ at: 1, data: null, ...event })}\n\n`;

/** A fetch that answers each request with the next script: a status and SSE chunks. */
function scriptedFetch(scripts: Array<{ status?: number; chunks?: string[]; body?: unknown; fail?: boolean }>) {
  const requests: Array<Record<string, string>> = [];
  const fetcher = (async (_url: string, init: RequestInit) => {
    requests.push({ ...(init.headers as Record<string, string>) });
    const script = scripts.shift();
    if (script === undefined || script.fail) throw new TypeError('fetch failed');
    if (script.status !== undefined && script.status !== 200) return Response.json(script.body ?? {}, { status: script.status });
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of script.chunks ?? []) controller.enqueue(encoder.encode(chunk));
        controller.close();
      },
    });
    return new Response(stream, { headers: { 'Content-Type': 'text/event-stream' } });
  }) as unknown as typeof fetch;
  return { fetcher, requests };
}

describe('followSse', () => {
  it('delivers checked events, resumes with Last-Event-ID after a drop, shows each id once, ends with the session', async () => {
    const first = message({ id: 1, type: 'inspect' }) + message({ id: 2, type: 'toolCall.started' }).slice(0, 20);
    const { fetcher, requests } = scriptedFetch([
      { chunks: [first] },
      { chunks: [message({ id: 1, type: 'inspect' }), message({ id: 2, type: 'toolCall.started' }), message({ id: 3, type: 'session.ended' })] },
    ]);
    const seen: ServeEvent[] = [];
    await followSse({ url: '/events?session=s1', headers: { Authorization: 'Bearer t' }, fetch: fetcher, signal: new AbortController().signal, onEvent: (event) => void seen.push(event), retryDelayMs: 1 });
    expect(seen.map((event) => [event.id, event.type])).toEqual([
      [1, 'inspect'],
      [2, 'toolCall.started'],
      [3, 'session.ended'],
    ]);
    expect(requests[0]!['Last-Event-ID']).toBeUndefined();
    expect(requests[1]!['Last-Event-ID']).toBe('1');
    expect(requests[1]!.Authorization).toBe('Bearer t');
  });

  it('drops hostile data with a warning that quotes none of it, and a throwing listener does not stop the stream', async () => {
    const hostile = ['data: not json\n\n', 'data: {"id":"__proto__","type":"x"}\n\n', 'data: [1,2]\n\n', `data: {"id":-4,"type":"x","secret":"sk-test-key"}\n\n`];
    const { fetcher } = scriptedFetch([{ chunks: [...hostile, message({ id: 1, type: 'inspect' }), message({ id: 2, type: 'session.ended' })] }]);
    const warnings: string[] = [];
    const seen: string[] = [];
    await followSse({
      url: '/events',
      headers: {},
      fetch: fetcher,
      signal: new AbortController().signal,
      warn: (text) => void warnings.push(text),
      onEvent: (event) => {
        seen.push(event.type);
        if (event.type === 'inspect') throw new Error('listener bug sk-test-key');
      },
    });
    expect(seen).toEqual(['inspect', 'session.ended']);
    expect(warnings).toHaveLength(5);
    expect(warnings.join('\n')).not.toContain('sk-test-key');
  });

  it("rejects with serve's message when it refuses the stream (no retry)", async () => {
    const { fetcher, requests } = scriptedFetch([{ status: 404, body: { error: { code: 'not_found', message: 'Failed to follow session s1: there is no such session.' } } }]);
    await expect(followSse({ url: '/events', headers: {}, fetch: fetcher, signal: new AbortController().signal, onEvent: () => undefined })).rejects.toThrow('Failed to follow session s1: there is no such session.');
    expect(requests).toHaveLength(1);
  });

  it('gives up after the reconnects when serve stays unreachable, and stops at once when aborted', async () => {
    const { fetcher, requests } = scriptedFetch([{ fail: true }, { fail: true }, { fail: true }]);
    await expect(followSse({ url: '/events', headers: {}, fetch: fetcher, signal: new AbortController().signal, onEvent: () => undefined, maxRetries: 2, retryDelayMs: 1 })).rejects.toThrow(/serve could not be reached \(2 reconnects\)/);
    expect(requests).toHaveLength(3);

    const controller = new AbortController();
    controller.abort();
    const idle = scriptedFetch([]);
    await followSse({ url: '/events', headers: {}, fetch: idle.fetcher, signal: controller.signal, onEvent: () => undefined });
    expect(idle.requests).toHaveLength(0);
  });
});
