/** The recorder's MCP taps (fetch against a real HTTP server on 127.0.0.1, stdio transports) and its redaction. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMemoryTransport } from '../protocol/memoryTransport.js';
import { Redactor } from '../redaction/index.js';
import type { RecordingHeader, RecordingRecordOf } from './format.js';
import { setup } from './recorderTestSupport.js';

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

  it('keeps answer headers named like Object.prototype properties ("__proto__", "constructor") as data', async () => {
    const { recorder, ofKind } = setup();
    const headers: Array<[string, string]> = [
      ['content-type', 'application/json'],
      ['__proto__', 'first'],
      ['constructor', 'second'],
      ['tostring', 'third'],
    ];
    const tapped = recorder.tapFetch('weather', async () => new Response('{"jsonrpc":"2.0","id":1,"result":{}}', { status: 200, headers }));
    await (await tapped(`${base}/json`, jsonPost(1))).text();
    const recorded = ofKind('http.response')[0]!.headers!;
    expect(Object.entries(recorded).sort()).toStrictEqual([...headers].sort());
    expect(Object.getPrototypeOf(recorded)).toBe(Object.prototype);
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
    expect((header as RecordingHeader).servers?.[0]?.url).toBe('http://127.0.0.1:4000/mcp?token=<redacted>');
    expect((header as RecordingHeader).proxy?.instructions).toBe('never say <redacted>');
    expect(records.map((record) => record.kind)).toStrictEqual(['ws.open', 'ws.message', 'http.request', 'http.response']);
    expect(records[1]).toMatchObject({ data: { delta: 'the token is <redacted>!' } });
    expect(records[2]).toMatchObject({ url: `${base}/json?key=<redacted>`, headers: { 'x-mcp-token': '<redacted>' }, body: { params: { arguments: { text: 'look up <redacted>' } } } });
    expect(records[3]).toMatchObject({ body: { result: { echoed: { id: 3, params: { arguments: { text: 'look up <redacted>' } } } } } });
  });

  it('replaces OpenAI keys and bearer tokens found anywhere, without being told them', async () => {
    const { recorder, lines, records } = setup();
    const transport = createMemoryTransport();
    recorder.tapTransport(transport, `wss://example.test/v1/realtime?key=${API_KEY}`);
    await transport.connect();
    transport.deliver({ type: 'error', error: { message: `Incorrect API key provided: ${API_KEY}. Header was Bearer abc.def-123` } });
    await (await recorder.tapFetch('weather', realFetch)(`${base}/json`, jsonPost(4, { 'x-debug': 'Bearer tok_9f8e7d6c' }))).text();
    for (const line of lines) {
      expect(line).not.toContain(API_KEY);
      expect(line).not.toContain('abc.def-123');
      expect(line).not.toContain('tok_9f8e7d6c');
    }
    expect(records()[0]).toMatchObject({ url: 'wss://example.test/v1/realtime?key=<redacted:api-key>' });
    expect(records()[1]).toMatchObject({ data: { error: { message: 'Incorrect API key provided: <redacted:api-key>. Header was Bearer <redacted>' } } });
    expect(records()[2]).toMatchObject({ headers: { 'x-debug': 'Bearer <redacted>' } });
  });

  it('redacts URL credentials it was never told about: the servers in the header, ws.open and every http.request', async () => {
    const { recorder, lines, parsed } = setup({ servers: [{ label: 'weather', url: 'http://bot:url-password-1@127.0.0.1:4000/mcp?api_key=url-key-2' }] });
    const transport = createMemoryTransport();
    recorder.tapTransport(transport, 'wss://example.test/v1/realtime?model=m&api-key=url-key-3');
    await transport.connect();
    await (await recorder.tapFetch('weather', realFetch)(`${base}/json?token=url-token-4&tenant=acme`, jsonPost(7))).text();
    for (const line of lines) expect(line).not.toMatch(/url-(password|key|token)-\d/);
    const [header, ...records] = parsed();
    expect((header as RecordingHeader).servers?.[0]?.url).toBe('http://<redacted>@127.0.0.1:4000/mcp?api_key=<redacted>');
    expect(records[0]).toMatchObject({ kind: 'ws.open', url: 'wss://example.test/v1/realtime?model=m&api-key=<redacted>' });
    expect(records[1]).toMatchObject({ kind: 'http.request', url: `${base}/json?token=<redacted>&tenant=acme` });
  });

  it('consults its redactor at every write: a secret registered later (a token function resolved) is redacted from then on', async () => {
    const redactor = new Redactor();
    const { recorder, lines, records } = setup({ redactor });
    expect(recorder.redactor).toBe(redactor);
    const transport = createMemoryTransport();
    recorder.tapTransport(transport);
    await transport.connect();
    transport.deliver({ type: 'response.output_audio_transcript.delta', delta: 'before: late-token-77' });
    redactor.add('late-token-77');
    transport.deliver({ type: 'response.output_audio_transcript.delta', delta: 'after: late-token-77' });
    expect(records().slice(1).map((record) => (record as { data: { delta: string } }).data.delta)).toStrictEqual(['before: late-token-77', 'after: <redacted>']);
    expect(lines.at(-1)).not.toContain('late-token-77');
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
