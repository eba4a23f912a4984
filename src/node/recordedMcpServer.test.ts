import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RecordingRecord } from '../recording/format.js';
import { readRecordingLines } from './readRecording.js';
import { createRecordedMcpServer, type RecordedMcpServer } from './recordedMcpServer.js';

const SSE = { 'content-type': 'text/event-stream', 'mcp-session-id': 'session-1' };
let seq = 0;
const request = (rid: string, method: 'POST' | 'GET' | 'DELETE', body?: Record<string, unknown>): RecordingRecord => ({
  seq: ++seq,
  t: seq,
  peer: 'mcp:weather',
  dir: 'out',
  kind: 'http.request',
  rid,
  method,
  url: 'http://127.0.0.1:4000/mcp',
  ...(body ? { body: { jsonrpc: '2.0', ...body } } : {}),
});
const response = (rid: string, status: number, headers: Record<string, string>, body?: unknown): RecordingRecord => ({
  seq: ++seq,
  t: seq,
  peer: 'mcp:weather',
  dir: 'in',
  kind: 'http.response',
  rid,
  status,
  headers,
  ...(body !== undefined ? { body } : {}),
});
const event = (rid: string, data: unknown, name?: string): RecordingRecord => ({ seq: ++seq, t: seq, peer: 'mcp:weather', dir: 'in', kind: 'sse.event', rid, ...(name ? { event: name } : {}), data });
const result = (id: number, text: string) => ({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }] } });
const post = (server: RecordedMcpServer, body: Record<string, unknown>, init: RequestInit = {}) =>
  server.fetch(server.url('weather'), { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', ...body }), ...init });

let server: RecordedMcpServer | undefined;
let mismatches: string[] = [];
const start = (waitMs = 2000) => {
  mismatches = [];
  server = createRecordedMcpServer({ onMismatch: (message) => mismatches.push(message), waitMs });
  return server;
};
afterEach(() => server?.close());

describe('createRecordedMcpServer', () => {
  it('serves a recorded session to the real SDK client: tools listed and a call answered as recorded', async () => {
    const mock = start();
    let label = '';
    for await (const line of readRecordingLines('recordings/single-call.jsonl')) {
      if (line.kind === 'header') label = line.servers![0]!.label;
      else mock.feed(line);
    }
    mock.finish();
    const client = new Client({ name: 'test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(mock.url(label)), { fetch: mock.fetch }));
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['lookup']);
    const called = await client.callTool({ name: 'lookup', arguments: { text: 'tea' } });
    expect(called.content).toEqual([{ type: 'text', text: '{"text":"tea"}' }]);
    await client.close();
    expect(mismatches).toEqual([]);
  });

  it('answers with the recorded JSON body under the id of the request being answered', async () => {
    const mock = start();
    mock.feed(request('r1', 'POST', { id: 7, method: 'tools/call' }));
    mock.feed(response('r1', 200, { 'content-type': 'application/json' }, result(7, 'sunny')));
    const answer = await post(mock, { id: 42, method: 'tools/call' });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual(result(42, 'sunny'));
  });

  it('streams recorded SSE events, waiting for each to be fed, and ends the stream with the answer', async () => {
    const mock = start();
    mock.feed(request('r1', 'POST', { id: 1, method: 'tools/call' }));
    const pending = post(mock, { id: 5, method: 'tools/call' });
    let answered = false;
    void pending.then(() => (answered = true));
    await vi.waitFor(() => expect(mock.waiting).toBe(1)); // the request is in, waiting for its answer
    expect(answered).toBe(false);
    mock.feed(response('r1', 200, SSE));
    const answer = await pending;
    expect(answer.headers.get('mcp-session-id')).toBe('session-1');
    const text = answer.text();
    mock.feed(event('r1', { jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } }));
    mock.feed(event('r1', result(1, 'sunny')));
    mock.feed(event('r1', result(1, 'never sent: the stream ended with the answer')));
    const events = (await text).trim().split('\n\n');
    expect(events).toHaveLength(2);
    expect(events[1]).toBe(`data: ${JSON.stringify(result(5, 'sunny'))}`);
  });

  it('lets concurrent POSTs claim their own JSON-RPC method when they leave in another order than recorded', async () => {
    const mock = start();
    mock.feed(request('list', 'POST', { id: 1, method: 'tools/list' }));
    mock.feed(request('call', 'POST', { id: 2, method: 'tools/call' }));
    mock.feed(response('list', 200, { 'content-type': 'application/json' }, { jsonrpc: '2.0', id: 1, result: { tools: [] } }));
    mock.feed(response('call', 200, { 'content-type': 'application/json' }, result(2, 'sunny')));
    const call = await post(mock, { id: 2, method: 'tools/call' });
    const list = await post(mock, { id: 1, method: 'tools/list' });
    expect(await call.json()).toEqual(result(2, 'sunny'));
    expect(await list.json()).toEqual({ jsonrpc: '2.0', id: 1, result: { tools: [] } });
    expect(mismatches).toEqual([]);
  });

  it('reports a POST whose method the recording has not got where another is due, and answers 500', async () => {
    const mock = start();
    mock.feed(request('r1', 'POST', { id: 1, method: 'tools/list' }));
    const answer = await post(mock, { id: 1, method: 'tools/call' });
    expect(answer.status).toBe(500);
    expect(mismatches).toEqual([expect.stringContaining('the proxy sent POST tools/call where the recording has POST tools/list (seq')]);
  });

  it('answers what nobody recorded once the recording is over: DELETE 200, GET 405, a notification 202, a request 500', async () => {
    const mock = start();
    mock.finish();
    expect((await mock.fetch(mock.url('weather'), { method: 'DELETE' })).status).toBe(200);
    const get = await mock.fetch(mock.url('weather'), { method: 'GET' });
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST, DELETE']);
    expect((await post(mock, { method: 'notifications/initialized' })).status).toBe(202);
    expect(mismatches).toEqual([]);
    expect((await post(mock, { id: 3, method: 'tools/call' })).status).toBe(500);
    expect(mismatches).toEqual([expect.stringContaining('the proxy sent POST tools/call, which the recording does not have')]);
  });

  it('never answers a call the recording never answered: the caller aborts, or closing fails it like a closed connection', async () => {
    const mock = start(50);
    mock.feed(request('r1', 'POST', { id: 1, method: 'tools/call' }));
    mock.feed(request('r2', 'POST', { id: 2, method: 'tools/call' }));
    const controller = new AbortController();
    let answered = false;
    const aborted = post(mock, { id: 1, method: 'tools/call' }, { signal: controller.signal });
    const closed = post(mock, { id: 2, method: 'tools/call' });
    void Promise.race([aborted, closed]).then(() => (answered = true), () => undefined); // they end by rejecting, below
    await vi.waitFor(() => expect(mock.waiting).toBe(2)); // both wait for an answer the recording has not got…
    await vi.waitFor(() => expect(mock.waiting).toBe(0)); // …until waitMs passes: then they stay unanswered
    expect(answered).toBe(false);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    mock.close();
    await expect(closed).rejects.toThrow('fetch failed');
    await expect(post(mock, { id: 3, method: 'tools/call' })).rejects.toThrow('fetch failed');
  });

  it('drops the connection where the recording has status 0', async () => {
    const mock = start();
    mock.feed(request('r1', 'POST', { id: 1, method: 'tools/call' }));
    mock.feed(response('r1', 0, {}));
    await expect(post(mock, { id: 1, method: 'tools/call' })).rejects.toThrow('fetch failed');
  });

  it('errors an open event stream when the caller aborts, and when the server closes', async () => {
    const mock = start();
    mock.feed(request('r1', 'GET'));
    mock.feed(response('r1', 200, SSE));
    mock.feed(request('r2', 'GET'));
    mock.feed(response('r2', 200, SSE));
    const controller = new AbortController();
    const first = await mock.fetch(mock.url('weather'), { method: 'GET', signal: controller.signal });
    const second = await mock.fetch(mock.url('weather'), { method: 'GET' });
    const firstText = first.text();
    const secondText = second.text();
    controller.abort();
    await expect(firstText).rejects.toMatchObject({ name: 'AbortError' });
    mock.close();
    await expect(secondText).rejects.toThrow('fetch failed');
  });

  it('holds an event of a GET stream until the POSTs recorded before it were made, and rewrites a legacy endpoint', async () => {
    const mock = start();
    mock.feed(request('get', 'GET'));
    mock.feed(response('get', 200, SSE));
    mock.feed(event('get', '/message?sessionId=abc', 'endpoint'));
    mock.feed(request('init', 'POST', { id: 1, method: 'initialize' }));
    mock.feed(response('init', 202, {}));
    mock.feed(event('get', { jsonrpc: '2.0', id: 1, result: { protocolVersion: '2025-11-25' } }, 'message'));
    const stream = await mock.fetch(mock.url('weather'), { method: 'GET' });
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    expect((await reader.read()).value).toBe(`event: endpoint\ndata: ${mock.url('weather')}/messages?sessionId=abc\n\n`);
    let held = true;
    const next = reader.read().then((chunk) => {
      held = false;
      return chunk.value;
    });
    await vi.waitFor(() => expect(mock.waiting).toBe(1)); // the stream waits for the POST recorded before its next event
    expect(held).toBe(true);
    expect((await post(mock, { id: 1, method: 'initialize' })).status).toBe(202);
    expect(await next).toContain('"protocolVersion":"2025-11-25"');
    await reader.cancel();
  });
});
