import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMemoryTransport } from '../protocol/memoryTransport.js';
import { parseRecordingLine, type RecordingHeader, type RecordingLine, type RecordingRecord, type RecordingRecordOf } from './format.js';
import { Recorder, type RecorderOptions } from './recorder.js';

const START = new Date('2026-01-02T03:04:05.678Z');
const ids = {
  event1: 'event_DAqQ80vZgvfK1YQv12OeU',
  event2: 'event_DAqq6pZhyailkcqK7Hte8',
  resp1: 'resp_CVtdlJbqWyMq8n2NXbQ5A',
  item1: 'item_CVtdlKP0v7dbQ8dWW4kgl',
  call1: 'call_x0VqkxT7lMeDcjk4',
};

/** A recorder writing to an array, on a clock the test moves by hand. */
function setup(options: Partial<RecorderOptions> = {}) {
  const lines: string[] = [];
  let sinkClosed = 0;
  let clock = 5000;
  const recorder = new Recorder({
    sink: { write: (line) => void lines.push(line), close: () => void sinkClosed++ },
    now: () => clock,
    startedAt: START,
    ...options,
  });
  /** Every line written, each validated by parseRecordingLine with its line number. */
  const parsed = (): RecordingLine[] =>
    lines.map((text, i) => {
      const result = parseRecordingLine(text, i + 1);
      if (!result.ok) expect.fail(result.message);
      return result.line;
    });
  const records = () => parsed().slice(1) as RecordingRecord[];
  const ofKind = <K extends RecordingRecord['kind']>(kind: K) => records().filter((record): record is RecordingRecordOf<K> => record.kind === kind);
  return {
    recorder,
    lines,
    parsed,
    records,
    ofKind,
    advance: (ms: number) => void (clock += ms),
    sinkClosed: () => sinkClosed,
  };
}

/** A deterministic stand-in for sha256: enough to see which payload was hashed. */
const fakeHash = (base64: string) => `hash(${base64})`;
const audioOf = (bytes: number, fill = 7) => Buffer.alloc(bytes, fill).toString('base64');
const audioDelta = (delta: string) => ({ type: 'response.output_audio.delta', event_id: ids.event1, response_id: ids.resp1, item_id: ids.item1, output_index: 0, content_index: 0, delta });

describe('Recorder: header and records', () => {
  it('writes the header first, with format, version, redaction profile, servers and proxy options', () => {
    const { parsed } = setup({
      model: 'gpt-realtime',
      description: 'one call',
      servers: [{ label: 'weather', transport: 'streamable-http', url: 'http://127.0.0.1:4000/mcp' }],
      proxy: { approval: { mode: 'always', timeoutMs: 300 }, timeouts: { defaultMs: 1000 }, allowedTools: ['lookup'] },
      meta: { scenario: 's1' },
      hash: fakeHash,
    });
    const lines = parsed();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toStrictEqual({
      kind: 'header',
      format: 'realtime-mcp-proxy/recording',
      version: 1,
      startedAt: '2026-01-02T03:04:05.678Z',
      clock: 'monotonic-ms',
      model: 'gpt-realtime',
      description: 'one call',
      redaction: { profile: 'default', ids: 'placeholders', audio: 'elided' },
      servers: [{ label: 'weather', transport: 'streamable-http', url: 'http://127.0.0.1:4000/mcp' }],
      proxy: { approval: { mode: 'always', timeoutMs: 300 }, timeouts: { defaultMs: 1000 }, allowedTools: ['lookup'] },
      meta: { scenario: 's1' },
    });
  });

  it('declares in the header the id and audio modes actually used (kept without a hash, raw ids)', () => {
    const header = setup({ ids: 'raw' }).parsed()[0] as RecordingHeader;
    expect(header.redaction).toStrictEqual({ profile: 'default', ids: 'raw', audio: 'kept' });
    expect(header.model).toBeNull();
    expect(header).not.toHaveProperty('servers');
    expect((setup({ hash: fakeHash, audio: 'sidecar' }).parsed()[0] as RecordingHeader).redaction.audio).toBe('sidecar');
  });

  it('refuses audio "elided" or "sidecar" without a hash, rather than writing a header its records contradict', () => {
    for (const audio of ['elided', 'sidecar'] as const) {
      expect(() => new Recorder({ sink: { write: () => undefined, close: () => undefined }, audio })).toThrow(`Failed to create a recorder: audio "${audio}" needs a hash function`);
    }
  });

  it('numbers records 1, 2, 3… and times them in ms since the recorder started, rounded to the microsecond', () => {
    const { recorder, records, advance } = setup();
    recorder.record({ peer: 'openai', dir: 'in', kind: 'ws.message', data: { type: 'a' } });
    advance(12.5);
    recorder.record({ peer: 'openai', dir: 'out', kind: 'ws.message', data: { type: 'b' } });
    advance(1.23456);
    recorder.record({ peer: 'host', dir: 'in', kind: 'approval.answer', approvalId: 'x1', approved: true });
    expect(records().map(({ seq, t }) => [seq, t])).toStrictEqual([
      [1, 0],
      [2, 12.5],
      [3, 13.735],
    ]);
  });
});

describe('Recorder.tapTransport', () => {
  it('records open, server frames in, client events out and the close with its code and reason', async () => {
    const { recorder, records } = setup();
    const transport = createMemoryTransport();
    recorder.tapTransport(transport, 'wss://api.openai.com/v1/realtime?model=gpt-realtime');
    await transport.connect();
    transport.deliver({ type: 'session.created', event_id: 'e1', session: { type: 'realtime' } });
    transport.deliver('not json at all');
    expect(transport.send({ type: 'response.create' }).ok).toBe(true);
    transport.serverClose(4000, 'session_expired');
    expect(records().map(({ seq, t, ...rest }) => rest)).toStrictEqual([
      { peer: 'openai', dir: 'out', kind: 'ws.open', url: 'wss://api.openai.com/v1/realtime?model=gpt-realtime' },
      { peer: 'openai', dir: 'in', kind: 'ws.message', data: { type: 'session.created', event_id: '<id:event:1>', session: { type: 'realtime' } } },
      { peer: 'openai', dir: 'in', kind: 'ws.message', data: 'not json at all' },
      { peer: 'openai', dir: 'out', kind: 'ws.message', data: { type: 'response.create' } },
      { peer: 'openai', dir: 'in', kind: 'ws.close', code: 4000, reason: 'session_expired' },
    ]);
  });

  it('stops recording once the returned off function is called', async () => {
    const { recorder, records } = setup();
    const transport = createMemoryTransport();
    const off = recorder.tapTransport(transport);
    await transport.connect();
    transport.deliver({ type: 'session.created' });
    off();
    transport.deliver({ type: 'session.updated' });
    await transport.close();
    expect(records().map((record) => record.kind)).toStrictEqual(['ws.open', 'ws.message']);
  });

  it('elides audio deltas in both directions to { $elided, bytes, sha256 } with the decoded byte count', async () => {
    const hash = vi.fn(fakeHash);
    const { recorder, ofKind } = setup({ hash });
    const transport = createMemoryTransport();
    recorder.tapTransport(transport);
    await transport.connect();
    // 1..6 bytes: base64 with two, one and no padding characters.
    const payloads = [1, 2, 3, 4, 5, 6].map((bytes) => audioOf(bytes));
    for (const payload of payloads) transport.deliver(audioDelta(payload));
    transport.deliver({ type: 'response.audio.delta', delta: audioOf(10) });
    expect(transport.send({ type: 'input_audio_buffer.append', audio: audioOf(480) }).ok).toBe(true);

    const data = ofKind('ws.message').map((record) => record.data as Record<string, unknown>);
    expect(data.slice(0, 6).map((event) => event.delta)).toStrictEqual(payloads.map((payload, i) => ({ $elided: 'base64', bytes: i + 1, sha256: `hash(${payload})` })));
    expect(data[0]).toMatchObject({ type: 'response.output_audio.delta', item_id: '<id:item:1>', output_index: 0 });
    expect(data[6]!.delta).toStrictEqual({ $elided: 'base64', bytes: 10, sha256: `hash(${audioOf(10)})` });
    expect(data[7]).toStrictEqual({ type: 'input_audio_buffer.append', audio: { $elided: 'base64', bytes: 480, sha256: `hash(${audioOf(480)})` } });
    expect(hash).toHaveBeenCalledTimes(8);
  });

  it('leaves the same field of other event types alone (only audio events are elided)', async () => {
    const { recorder, ofKind } = setup({ hash: fakeHash });
    const transport = createMemoryTransport();
    recorder.tapTransport(transport);
    await transport.connect();
    transport.deliver({ type: 'response.output_audio_transcript.delta', delta: 'hello' });
    transport.deliver({ type: 'response.function_call_arguments.delta', delta: '{"a":' });
    expect(ofKind('ws.message').map((record) => (record.data as { delta: unknown }).delta)).toStrictEqual(['hello', '{"a":']);
  });

  it('hands each audio payload to onAudio in sidecar mode, and writes it inline in kept mode', async () => {
    const onAudio = vi.fn();
    const sidecar = setup({ hash: fakeHash, audio: 'sidecar', onAudio });
    const kept = setup({ hash: fakeHash, audio: 'kept', onAudio });
    for (const { recorder } of [sidecar, kept]) {
      const transport = createMemoryTransport();
      recorder.tapTransport(transport);
      await transport.connect();
      transport.deliver(audioDelta(audioOf(3, 1)));
      transport.deliver(audioDelta(audioOf(3, 2)));
    }
    expect(onAudio.mock.calls).toStrictEqual([
      [`hash(${audioOf(3, 1)})`, audioOf(3, 1)],
      [`hash(${audioOf(3, 2)})`, audioOf(3, 2)],
    ]);
    expect(sidecar.ofKind('ws.message').map((record) => (record.data as { delta: unknown }).delta)).toStrictEqual([
      { $elided: 'base64', bytes: 3, sha256: `hash(${audioOf(3, 1)})` },
      { $elided: 'base64', bytes: 3, sha256: `hash(${audioOf(3, 2)})` },
    ]);
    expect(kept.ofKind('ws.message').map((record) => (record.data as { delta: unknown }).delta)).toStrictEqual([audioOf(3, 1), audioOf(3, 2)]);
  });
});

describe('Recorder: ids', () => {
  const frames = [
    { type: 'response.created', event_id: ids.event1, response: { id: ids.resp1, object: 'realtime.response' } },
    { type: 'response.output_item.done', event_id: ids.event2, response_id: ids.resp1, item: { id: ids.item1, type: 'function_call', call_id: ids.call1 } },
  ];

  it('replaces event, response, item and call ids with <id:kind:n>, the same id by the same placeholder in every record', async () => {
    const { recorder, ofKind } = setup();
    const transport = createMemoryTransport();
    recorder.tapTransport(transport);
    await transport.connect();
    for (const frame of frames) transport.deliver(frame);
    transport.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: ids.call1, output: '{}' } });
    expect(ofKind('ws.message').map((record) => record.data)).toStrictEqual([
      { type: 'response.created', event_id: '<id:event:1>', response: { id: '<id:resp:1>', object: 'realtime.response' } },
      { type: 'response.output_item.done', event_id: '<id:event:2>', response_id: '<id:resp:1>', item: { id: '<id:item:1>', type: 'function_call', call_id: '<id:call:1>' } },
      { type: 'conversation.item.create', item: { type: 'function_call_output', call_id: '<id:call:1>', output: '{}' } },
    ]);
  });

  it('keeps real ids with ids: raw, and then has no mapping', async () => {
    const { recorder, ofKind } = setup({ ids: 'raw' });
    const transport = createMemoryTransport();
    recorder.tapTransport(transport);
    await transport.connect();
    for (const frame of frames) transport.deliver(frame);
    expect(ofKind('ws.message').map((record) => record.data)).toStrictEqual(frames);
    expect(recorder.idMapping()).toStrictEqual({});
  });

  it('tells onIdPlaceholder about each new placeholder exactly once, matching idMapping()', async () => {
    const heard: Array<[string, string]> = [];
    const { recorder } = setup({ onIdPlaceholder: (placeholder, id) => heard.push([placeholder, id]) });
    const transport = createMemoryTransport();
    recorder.tapTransport(transport);
    await transport.connect();
    for (const frame of [...frames, ...frames]) transport.deliver(frame);
    expect(heard).toStrictEqual([
      ['<id:event:1>', ids.event1],
      ['<id:resp:1>', ids.resp1],
      ['<id:event:2>', ids.event2],
      ['<id:item:1>', ids.item1],
      ['<id:call:1>', ids.call1],
    ]);
    expect(recorder.idMapping()).toStrictEqual(Object.fromEntries(heard));
  });
});

describe('Recorder: approval answers and close', () => {
  it('records an approval answer from the host, its id as a placeholder, reason and sticky kept', () => {
    const { recorder, records } = setup();
    recorder.approval({ approvalId: 'appr_Q2Pz4R6xL9kWd', approved: false, reason: 'not today', sticky: true });
    recorder.approval({ approvalId: 'appr_Q2Pz4R6xL9kWd', approved: true });
    expect(records().map(({ seq, t, ...rest }) => rest)).toStrictEqual([
      { peer: 'host', dir: 'in', kind: 'approval.answer', approvalId: '<id:appr:1>', approved: false, reason: 'not today', sticky: true },
      { peer: 'host', dir: 'in', kind: 'approval.answer', approvalId: '<id:appr:1>', approved: true },
    ]);
  });

  it('writes nothing after close(), and closes the sink once however often close() is called', async () => {
    const { recorder, lines, sinkClosed } = setup();
    const transport = createMemoryTransport();
    recorder.tapTransport(transport);
    await transport.connect();
    const written = lines.length;
    await recorder.close();
    await recorder.close();
    transport.deliver({ type: 'session.created' });
    recorder.approval({ approvalId: 'a1', approved: true });
    recorder.record({ peer: 'openai', dir: 'in', kind: 'ws.message', data: 'late' });
    await transport.close();
    expect(lines).toHaveLength(written);
    expect(sinkClosed()).toBe(1);
  });
});

// A real HTTP server for tapFetch: JSON answers, SSE answers written in pieces, plain text.
const SSE_PARTS = [
  'event: message\nid: 1\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}\n\n',
  // One event split across two writes, in the middle of its data line.
  'id: 2\ndata: {"jsonrpc":"2.0","id":1,"res',
  'ult":{"content":[]}}\n\n: a comment\n\n',
  'data: line one\ndata: line two\n\n',
];
let server: Server;
let base = '';
let closedPort = 0;
const seenHeaders: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seenHeaders.push({ ...req.headers });
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', async () => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      if (path === '/json') {
        const request = JSON.parse(body) as { id: number };
        // A cookie sent comes back as set-cookie, so that a denied header is also seen in an answer.
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'f3c2a1b0-session', ...(req.headers.cookie ? { 'set-cookie': req.headers.cookie } : {}) });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: request.id, result: { echoed: request } }));
      } else if (path === '/sse') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const part of SSE_PARTS) {
          res.write(part);
          // Let each write go out on its own, so that the recorder sees the split event in two chunks.
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('plain words');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A port nobody listens on: bound, then released.
  const spare = createServer();
  await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
  closedPort = (spare.address() as AddressInfo).port;
  await new Promise<void>((resolve) => spare.close(() => resolve()));
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const realFetch = (input: string | URL | Request, init?: RequestInit) => fetch(input, init);
const jsonPost = (id: number, headers: Record<string, string> = {}, text = 'tea') => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
  body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'lookup', arguments: { text } } }),
});

describe('Recorder.tapFetch', () => {
  it('records a JSON POST as http.request then http.response under one rid, and the caller still reads the answer', async () => {
    const { recorder, records } = setup({ ids: 'raw' });
    const tapped = recorder.tapFetch('weather', realFetch);
    const response = await tapped(`${base}/json`, jsonPost(7));
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', id: 7, result: { echoed: { id: 7 } } });
    const [request, answer, ...more] = records();
    expect(more).toStrictEqual([]);
    expect(request).toMatchObject({
      seq: 1,
      peer: 'mcp:weather',
      dir: 'out',
      kind: 'http.request',
      rid: 'r1',
      method: 'POST',
      url: `${base}/json`,
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'lookup', arguments: { text: 'tea' } } },
    });
    expect(answer).toMatchObject({ seq: 2, peer: 'mcp:weather', dir: 'in', kind: 'http.response', rid: 'r1', status: 200, body: { jsonrpc: '2.0', id: 7 } });
    expect((answer as RecordingRecordOf<'http.response'>).headers).toMatchObject({ 'content-type': 'application/json', 'mcp-session-id': 'f3c2a1b0-session' });
  });

  it('gives each request its own rid, and the MCP session id one placeholder in answers and later requests', async () => {
    const { recorder, ofKind } = setup();
    const tapped = recorder.tapFetch('weather', realFetch);
    await (await tapped(`${base}/json`, jsonPost(1))).text();
    await (await tapped(`${base}/json`, jsonPost(2, { 'mcp-session-id': 'f3c2a1b0-session' }))).text();
    expect(ofKind('http.request').map((record) => record.rid)).toStrictEqual(['r1', 'r2']);
    expect(ofKind('http.response').map((record) => [record.rid, record.headers?.['mcp-session-id']])).toStrictEqual([
      ['r1', '<id:mcp-session:1>'],
      ['r2', '<id:mcp-session:1>'],
    ]);
    expect(ofKind('http.request')[1]!.headers?.['mcp-session-id']).toBe('<id:mcp-session:1>');
    // The server got the real session id: only the recording holds the placeholder.
    expect(seenHeaders.at(-1)?.['mcp-session-id']).toBe('f3c2a1b0-session');
  });

  it('records an SSE answer as one http.response then one sse.event per event, in order, while the caller reads the stream unchanged', async () => {
    const { recorder, records, ofKind } = setup();
    const tapped = recorder.tapFetch('weather', realFetch);
    const response = await tapped(`${base}/sse`, jsonPost(1));
    expect(await response.text()).toBe(SSE_PARTS.join(''));
    await vi.waitFor(() => expect(ofKind('sse.event')).toHaveLength(3));
    expect(records().map(({ t, ...rest }) => rest)).toStrictEqual([
      expect.objectContaining({ seq: 1, kind: 'http.request', rid: 'r1' }),
      { seq: 2, peer: 'mcp:weather', dir: 'in', kind: 'http.response', rid: 'r1', status: 200, headers: expect.objectContaining({ 'content-type': 'text/event-stream' }) },
      { seq: 3, peer: 'mcp:weather', dir: 'in', kind: 'sse.event', rid: 'r1', event: 'message', id: '1', data: { jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } } },
      { seq: 4, peer: 'mcp:weather', dir: 'in', kind: 'sse.event', rid: 'r1', id: '2', data: { jsonrpc: '2.0', id: 1, result: { content: [] } } },
      { seq: 5, peer: 'mcp:weather', dir: 'in', kind: 'sse.event', rid: 'r1', data: 'line one\nline two' },
    ]);
  });

  it('records a non-JSON, non-SSE answer without a body', async () => {
    const { recorder, records } = setup();
    const response = await recorder.tapFetch('weather', realFetch)(`${base}/text`);
    expect(await response.text()).toBe('plain words');
    const answer = records()[1] as RecordingRecordOf<'http.response'>;
    expect(records()[0]).toMatchObject({ kind: 'http.request', method: 'GET', url: `${base}/text` });
    expect(answer).toMatchObject({ kind: 'http.response', status: 200 });
    expect(answer).not.toHaveProperty('body');
  });

  it('records a fetch that rejects as an http.response of status 0 with the error, and passes the rejection on', async () => {
    const { recorder, records } = setup();
    let thrown: unknown;
    const tapped = recorder.tapFetch('down', (input, init) =>
      realFetch(input, init).catch((error: unknown) => {
        thrown = error;
        throw error;
      }),
    );
    const url = `http://127.0.0.1:${closedPort}/mcp`;
    const failure = await tapped(url, jsonPost(1)).then(
      () => expect.fail('the fetch should have rejected'),
      (error: unknown) => error,
    );
    expect(thrown).toBeInstanceOf(Error);
    expect(failure).toBe(thrown);
    expect(records().map(({ seq, t, ...rest }) => rest)).toStrictEqual([
      expect.objectContaining({ peer: 'mcp:down', kind: 'http.request', rid: 'r1', url }),
      { peer: 'mcp:down', dir: 'in', kind: 'http.response', rid: 'r1', status: 0, body: { error: (thrown as Error).message } },
    ]);
  });
});

describe('Recorder: redaction', () => {
  const SECRET = 'mcp-token-5f1e2d3c4b';
  const API_KEY = `sk-proj-${'A1b2C3d4'.repeat(4)}`;

  it('replaces a named secret wherever it appears: recording header, frame, URL, HTTP header, MCP bodies', async () => {
    const { recorder, lines, parsed } = setup({
      secrets: [SECRET],
      servers: [{ label: 'weather', url: `http://127.0.0.1:4000/mcp?token=${SECRET}` }],
      proxy: { instructions: `never say ${SECRET}` },
    });
    const transport = createMemoryTransport();
    recorder.tapTransport(transport);
    await transport.connect();
    transport.deliver({ type: 'response.output_audio_transcript.delta', delta: `the token is ${SECRET}!` });
    const tapped = recorder.tapFetch('weather', realFetch);
    // The JSON answer echoes the request, so the secret is in the request and the response bodies.
    const response = await tapped(`${base}/json?key=${SECRET}`, jsonPost(3, { 'x-mcp-token': SECRET }, `look up ${SECRET}`));
    expect(JSON.stringify(await response.json())).toContain(SECRET);
    expect(seenHeaders.at(-1)?.['x-mcp-token']).toBe(SECRET);

    for (const line of lines) expect(line).not.toContain(SECRET);
    const [header, ...records] = parsed();
    expect((header as RecordingHeader).servers?.[0]?.url).toBe('http://127.0.0.1:4000/mcp?token=<secret>');
    expect((header as RecordingHeader).proxy?.instructions).toBe('never say <secret>');
    expect(records.map((record) => record.kind)).toStrictEqual(['ws.open', 'ws.message', 'http.request', 'http.response']);
    expect(records[1]).toMatchObject({ data: { delta: 'the token is <secret>!' } });
    expect(records[2]).toMatchObject({ url: `${base}/json?key=<secret>`, headers: { 'x-mcp-token': '<secret>' }, body: { params: { arguments: { text: 'look up <secret>' } } } });
    expect(records[3]).toMatchObject({ body: { result: { echoed: { id: 3, params: { arguments: { text: 'look up <secret>' } } } } } });
  });

  it('replaces OpenAI keys and bearer tokens found anywhere, without being told them', async () => {
    const { recorder, lines, records } = setup();
    const transport = createMemoryTransport();
    recorder.tapTransport(transport, `wss://example.test/v1/realtime?key=${API_KEY}`);
    await transport.connect();
    transport.deliver({ type: 'error', error: { message: `Incorrect API key provided: ${API_KEY}. Header was Bearer abc.def-123` } });
    await (await recorder.tapFetch('weather', realFetch)(`${base}/json`, jsonPost(4, { 'x-forwarded-auth': 'Bearer tok_9f8e7d6c' }))).text();
    for (const line of lines) {
      expect(line).not.toContain(API_KEY);
      expect(line).not.toContain('abc.def-123');
      expect(line).not.toContain('tok_9f8e7d6c');
    }
    expect(records()[0]).toMatchObject({ url: 'wss://example.test/v1/realtime?key=<secret:api-key>' });
    expect(records()[1]).toMatchObject({ data: { error: { message: 'Incorrect API key provided: <secret:api-key>. Header was Bearer <secret>' } } });
    expect(records()[2]).toMatchObject({ headers: { 'x-forwarded-auth': 'Bearer <secret>' } });
  });

  it('never writes the value of an Authorization header, whatever its scheme', async () => {
    const { recorder, lines, ofKind } = setup();
    await (await recorder.tapFetch('weather', realFetch)(`${base}/json`, jsonPost(5, { Authorization: 'Token 0a1b2c3d4e' }))).text();
    for (const line of lines) expect(line).not.toContain('0a1b2c3d4e');
    expect(ofKind('http.request')[0]!.headers?.authorization).toBe('<redacted>');
  });

  it('never writes the values of denied headers (cookie, x-api-key, openai-*), sent or received', async () => {
    const { recorder, lines, ofKind } = setup();
    const denied = { cookie: 'sid=cookie-value-1', 'x-api-key': 'apikey-value-2', 'openai-organization': 'org-value-3' };
    await (await recorder.tapFetch('weather', realFetch)(`${base}/json`, jsonPost(6, denied))).text();
    for (const line of lines) for (const value of Object.values(denied)) expect(line).not.toContain(value);
    expect(ofKind('http.request')[0]!.headers).toMatchObject({ cookie: '<redacted>', 'x-api-key': '<redacted>', 'openai-organization': '<redacted>' });
    expect(ofKind('http.response')[0]!.headers).toMatchObject({ 'set-cookie': '<redacted>' });
  });
});

describe('Recorder.tapMcpTransport', () => {
  it('records each JSON-RPC message both ways, the answer before the handler sees it', async () => {
    const { recorder, lines, records } = setup();
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    serverSide.onmessage = (message) => {
      if ('id' in message && 'method' in message) void serverSide.send({ jsonrpc: '2.0', id: message.id, result: { tools: [] } });
    };
    const tapped = recorder.tapMcpTransport('memory', clientSide);
    const received: Array<[JSONRPCMessage, number]> = [];
    tapped.onmessage = (message) => void received.push([message, lines.length]);
    await serverSide.start();
    await tapped.start();
    await tapped.send({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
    await tapped.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    expect(received).toStrictEqual([[{ jsonrpc: '2.0', id: 1, result: { tools: [] } }, 3]]);
    expect(records().map(({ seq, t, ...rest }) => rest)).toStrictEqual([
      { peer: 'mcp:memory', dir: 'out', kind: 'jsonrpc.message', data: { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} } },
      { peer: 'mcp:memory', dir: 'in', kind: 'jsonrpc.message', data: { jsonrpc: '2.0', id: 1, result: { tools: [] } } },
      { peer: 'mcp:memory', dir: 'out', kind: 'jsonrpc.message', data: { jsonrpc: '2.0', method: 'notifications/initialized' } },
    ]);
  });

  it('passes onclose and onerror through to the inner transport', async () => {
    const { recorder } = setup();
    const [clientSide] = InMemoryTransport.createLinkedPair();
    const tapped = recorder.tapMcpTransport('memory', clientSide);
    const onclose = vi.fn();
    const onerror = vi.fn();
    tapped.onclose = onclose;
    tapped.onerror = onerror;
    expect(clientSide.onclose).toBe(onclose);
    expect(clientSide.onerror).toBe(onerror);
    await tapped.close();
    // (The SDK's InMemoryTransport calls onclose more than once on a linked pair: only "called" is checked.)
    expect(onclose).toHaveBeenCalled();
    expect(onerror).not.toHaveBeenCalled();
  });

  it('carries a real SDK client–server session, recording the handshake and a tool call', async () => {
    const { recorder, ofKind } = setup({ ids: 'raw' });
    const mcp = new McpServer({ name: 'memory', version: '1.0.0' });
    mcp.registerTool('ping', { description: 'answers pong' }, async () => ({ content: [{ type: 'text', text: 'pong' }] }));
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await mcp.connect(serverSide);
    const client = new Client({ name: 'test', version: '1' });
    await client.connect(recorder.tapMcpTransport('memory', clientSide));
    const called = await client.callTool({ name: 'ping', arguments: {} });
    expect(called.content).toStrictEqual([{ type: 'text', text: 'pong' }]);
    await client.close();
    const messages = ofKind('jsonrpc.message').map(({ dir, data }) => [dir, data.method ?? `result of ${String(data.id)}`]);
    expect(messages).toStrictEqual([
      ['out', 'initialize'],
      ['in', 'result of 0'],
      ['out', 'notifications/initialized'],
      ['out', 'tools/call'],
      ['in', 'result of 1'],
    ]);
    expect(ofKind('jsonrpc.message').at(-1)!.data).toMatchObject({ result: { content: [{ type: 'text', text: 'pong' }] } });
  });
});
