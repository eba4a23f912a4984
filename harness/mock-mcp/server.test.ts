import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MockMcpConfig, MockMcpMode, MockTool } from './config.js';
import { createHarness, listAllTools, rejectionOf } from './testSupport.js';

const harness = createHarness();
afterEach(() => harness.cleanup());

const TOOLS: MockTool[] = [
  { name: 'echo', description: 'Echoes its arguments.', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } },
  { name: 'add', inputSchema: { type: 'object' }, result: { content: [{ type: 'text', text: '3' }], structuredContent: { sum: 3 } }, outputSchema: { type: 'object', properties: { sum: { type: 'number' } } } },
  { name: 'weather.today', title: 'Weather', annotations: { readOnlyHint: true } },
  { name: 'needs_task', execution: { taskSupport: 'required' } },
  { name: 'last' },
];

const MODES: MockMcpMode[] = ['stateful', 'stateless', 'sse'];

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });
}

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

describe.each(MODES)('mode %s', (mode) => {
  it('lists every tool over several pages and calls one', async () => {
    const server = await harness.start({ mode, tools: TOOLS, pageSize: 2, name: 'weather-mock', version: '2.0.0' });
    const { client } = await harness.connect(server);
    expect(client.getServerVersion()).toEqual({ name: 'weather-mock', version: '2.0.0' });
    expect(client.getServerCapabilities()?.tools).toEqual({ listChanged: true });
    const { tools, pages } = await listAllTools(client);
    expect(pages).toBe(3);
    expect(tools.map((tool) => tool.name)).toEqual(['echo', 'add', 'weather.today', 'needs_task', 'last']);
    expect(tools[0]).toEqual(TOOLS[0]);
    expect(tools[2]).toMatchObject({ title: 'Weather', annotations: { readOnlyHint: true }, inputSchema: { type: 'object' } });
    expect(tools[3]?.execution).toEqual({ taskSupport: 'required' });

    const echoed = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(echoed).toEqual({ content: [{ type: 'text', text: '{"text":"hi"}' }] });
    await client.callTool({ name: 'echo', arguments: { text: 'again' } });
    expect(server.callLog.map(({ tool, callNumber, outcome, arguments: args }) => ({ tool, callNumber, outcome, args }))).toEqual([
      { tool: 'echo', callNumber: 1, outcome: 'answered', args: { text: 'hi' } },
      { tool: 'echo', callNumber: 2, outcome: 'answered', args: { text: 'again' } },
    ]);
    if (mode === 'stateless') expect(server.callLog[0]?.sessionId).toBeUndefined();
    else expect(server.callLog[0]?.sessionId).toEqual(expect.any(String));
  });

  it('listDelayMs: answers each tools/list page after the delay, and calls without it', async () => {
    const server = await harness.start({ mode, tools: TOOLS, pageSize: 3, listDelayMs: 200 });
    const { client } = await harness.connect(server);
    let began = performance.now();
    const { pages } = await listAllTools(client);
    expect(pages).toBe(2);
    expect(performance.now() - began).toBeGreaterThanOrEqual(2 * 200 - 5);
    began = performance.now();
    await client.callTool({ name: 'echo', arguments: {} });
    expect(performance.now() - began).toBeLessThan(200);
  });

  it('answers a configured result (the tool with an outputSchema validates on the client)', async () => {
    const server = await harness.start({ mode, tools: TOOLS });
    const { client } = await harness.connect(server);
    await client.listTools();
    expect(await client.callTool({ name: 'add', arguments: {} })).toEqual({ content: [{ type: 'text', text: '3' }], structuredContent: { sum: 3 } });
  });

  it('answers an unknown tool with a -32602 error and logs it', async () => {
    const server = await harness.start({ mode, tools: TOOLS });
    const { client } = await harness.connect(server);
    const error = await rejectionOf(client.callTool({ name: 'nope', arguments: {} }));
    expect(error).toMatchObject({ code: -32602, message: 'MCP error -32602: Unknown tool: nope' });
    expect(server.callLog[0]).toMatchObject({ tool: 'nope', outcome: 'unknownTool' });
  });

  it('rejects a bad cursor with -32602', async () => {
    const server = await harness.start({ mode, tools: TOOLS, pageSize: 2 });
    const { client } = await harness.connect(server);
    expect(await rejectionOf(client.listTools({ cursor: 'garbage' }))).toMatchObject({ code: -32602 });
  });

  it('requires the bearer token when requireBearer is set, and logs only that authorization was sent', async () => {
    const server = await harness.start({ mode, tools: TOOLS, requireBearer: 'sekret' });
    const error = await rejectionOf(harness.connect(server));
    if (mode === 'sse') expect(error).toBeInstanceOf(SseError);
    else expect(error).toBeInstanceOf(StreamableHTTPError);
    expect((error as { code: number }).code).toBe(401);
    expect(server.requests[0]).toMatchObject({ status: 401, authorization: false });

    const wrong = await fetch(server.url, { method: mode === 'sse' ? 'GET' : 'POST', headers: { authorization: 'Bearer wrong' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await wrong.body?.cancel();

    const { client } = await harness.connect(server, { headers: { Authorization: 'Bearer sekret' } });
    expect((await client.listTools()).tools).toHaveLength(TOOLS.length);
    const authorized = server.requests.filter((request) => request.authorization);
    expect(authorized.length).toBeGreaterThan(1);
    expect(JSON.stringify(server.requests)).not.toContain('sekret');
  });

  it('echoRejectedCredentials: the 401 quotes the Authorization header it got', async () => {
    const server = await harness.start({ mode, tools: TOOLS, requireBearer: 'sekret', echoRejectedCredentials: true });
    const wrong = await fetch(server.url, { method: mode === 'sse' ? 'GET' : 'POST', headers: { authorization: 'Bearer ECHO-wrong-token' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Bearer ECHO-wrong-token');
  });

  it('sends list_changed to a connected client after setTools', async () => {
    const server = await harness.start({ mode, tools: TOOLS });
    if (mode === 'stateless') {
      // No session, no stream to send on: setTools only changes what the next tools/list returns.
      const { client } = await harness.connect(server);
      await server.setTools([{ name: 'only' }]);
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['only']);
      return;
    }
    const onChanged = vi.fn();
    const { client } = await harness.connect(server, { clientOptions: { listChanged: { tools: { onChanged, debounceMs: 0 } } } });
    await waitForStandaloneStream(server.requests, mode);
    await server.setTools([{ name: 'only' }]);
    await vi.waitFor(() => expect(onChanged).toHaveBeenCalled());
    expect(onChanged.mock.calls[0]?.[1]?.map((tool: { name: string }) => tool.name)).toEqual(['only']);
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['only']);
  });

  it('rejects bad tools given to setTools', async () => {
    const server = await harness.start({ mode, tools: TOOLS });
    await expect(server.setTools([{ name: '' }])).rejects.toThrow(/^Failed to load the mock MCP config: tools\[0\]\.name must be a non-empty string\. Please/);
  });

  it('close is idempotent and frees the port', async () => {
    const server = await harness.start({ mode, tools: TOOLS });
    await harness.connect(server);
    await Promise.all([server.close(), server.close()]);
    await server.close();
    await expect(fetch(server.url)).rejects.toThrow();
  });
});

/** The client opens its standalone stream (GET) after initialization; notifications sent earlier are lost. */
async function waitForStandaloneStream(requests: readonly { method: string; status?: number }[], mode: MockMcpMode): Promise<void> {
  if (mode === 'sse') return;
  await vi.waitFor(() => expect(requests.some((request) => request.method === 'GET' && request.status === 200)).toBe(true));
}

describe('stateful sessions', () => {
  it('answers an unknown session with 404 Session not found, and a request without one with 400', async () => {
    const server = await harness.start({ tools: TOOLS });
    const unknown = await post(server.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': 'nope' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
    const none = await post(server.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
    expect(none.status).toBe(400);
    await none.body?.cancel();
  });

  it('counts sessions and DELETEs', async () => {
    const server = await harness.start({ tools: TOOLS });
    const a = await harness.connect(server);
    await harness.connect(server);
    expect(server.sessionsCreated).toBe(2);
    await (a.transport as StreamableHTTPClientTransport).terminateSession();
    expect(server.deletesReceived).toBe(1);
    const after = await post(server.url, { jsonrpc: '2.0', id: 9, method: 'tools/list' }, { 'mcp-session-id': server.callLog[0]?.sessionId ?? 'x' });
    expect(after.status).toBe(404);
    await after.body?.cancel();
  });

  it('expireAllSessions makes the next request 404 (StreamableHTTPError), and a fresh client recovers', async () => {
    const server = await harness.start({ tools: TOOLS });
    const { client } = await harness.connect(server);
    await server.expireAllSessions();
    const error = await rejectionOf(client.listTools());
    expect(error).toBeInstanceOf(StreamableHTTPError);
    expect(error).toMatchObject({ code: 404 });
    expect((error as Error).message).toContain('Session not found');
    const fresh = await harness.connect(server);
    expect((await fresh.client.listTools()).tools).toHaveLength(TOOLS.length);
    expect(server.sessionsCreated).toBe(2);
  });

  it('serves plain JSON replies when jsonResponse is set', async () => {
    const server = await harness.start({ tools: TOOLS, jsonResponse: true });
    const response = await post(server.url, INITIALIZE);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.headers.get('mcp-session-id')).toEqual(expect.any(String));
    expect(await response.json()).toMatchObject({ id: 1, result: { serverInfo: { name: 'mock-mcp' } } });
    const { client } = await harness.connect(server);
    expect((await client.callTool({ name: 'echo', arguments: { a: 1 } })).content).toEqual([{ type: 'text', text: '{"a":1}' }]);
  });
});

describe('routing', () => {
  it('stateless answers GET and DELETE with 405', async () => {
    const server = await harness.start({ mode: 'stateless', tools: TOOLS });
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(server.url, { method, headers: { accept: 'text/event-stream' } });
      expect(response.status).toBe(405);
      await response.body?.cancel();
    }
    const { transport } = await harness.connect(server);
    expect((transport as StreamableHTTPClientTransport).sessionId).toBeUndefined();
  });

  it('Streamable HTTP servers answer GET /sse with 404', async () => {
    for (const mode of ['stateful', 'stateless'] as const) {
      const server = await harness.start({ mode, tools: TOOLS });
      const response = await fetch(server.url.replace('/mcp', '/sse'));
      expect(response.status).toBe(404);
      await response.body?.cancel();
    }
  });

  it('an sse server answers POST /mcp with 404 and POST /sse with 405, so Streamable HTTP clients fall back', async () => {
    const server = await harness.start({ mode: 'sse', tools: TOOLS });
    const mcp = await post(server.url.replace('/sse', '/mcp'), INITIALIZE);
    expect(mcp.status).toBe(404);
    await mcp.body?.cancel();

    const streamable = new Client({ name: 'fallback', version: '1' });
    const error = await rejectionOf(streamable.connect(new StreamableHTTPClientTransport(new URL(server.url))));
    expect(error).toBeInstanceOf(StreamableHTTPError);
    expect(error).toMatchObject({ code: 405 });
    const legacy = new Client({ name: 'fallback', version: '1' });
    await legacy.connect(new SSEClientTransport(new URL(server.url)));
    expect((await legacy.listTools()).tools).toHaveLength(TOOLS.length);
    await legacy.close();
    await streamable.close();
  });

  it('an sse server answers a POST for an unknown session with 404', async () => {
    const server = await harness.start({ mode: 'sse', tools: TOOLS });
    const response = await post(server.url.replace('/sse', '/message?sessionId=nope'), { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(response.status).toBe(404);
    await response.body?.cancel();
  });

  it('logs requests with their JSON-RPC methods and statuses', async () => {
    const server = await harness.start({ tools: TOOLS });
    const { client } = await harness.connect(server);
    await client.listTools();
    const posts = server.requests.filter((request) => request.method === 'POST');
    expect(posts.map((request) => [request.rpcMethods, request.status])).toEqual([
      [['initialize'], 200],
      [['notifications/initialized'], 202],
      [['tools/list'], 200],
    ]);
    expect(posts[2]?.headers['mcp-session-id']).toEqual(expect.any(String));
  });

  it('answers a body that is not JSON with 400 -32700', async () => {
    const server = await harness.start({ tools: TOOLS });
    const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: -32700 } });
  });
});

describe('names and ids from the wire are data', () => {
  const HOSTILE_TOOLS: MockTool[] = ['__proto__', 'constructor', 'toString'].map((name) => ({ name, inputSchema: { type: 'object' } }));

  it('lists, calls and counts tools named like Object.prototype properties; an unknown one of those names is unknown', async () => {
    const server = await harness.start({ tools: HOSTILE_TOOLS });
    const { client } = await harness.connect(server);
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['__proto__', 'constructor', 'toString']);
    for (const name of ['__proto__', 'constructor', 'toString', 'constructor']) {
      expect(await client.callTool({ name, arguments: { from: name } })).toEqual({ content: [{ type: 'text', text: JSON.stringify({ from: name }) }] });
    }
    expect(await rejectionOf(client.callTool({ name: 'hasOwnProperty', arguments: {} }))).toMatchObject({ code: -32602 });
    expect(server.callLog.map(({ tool, callNumber, outcome }) => [tool, callNumber, outcome])).toEqual([
      ['__proto__', 1, 'answered'],
      ['constructor', 1, 'answered'],
      ['toString', 1, 'answered'],
      ['constructor', 2, 'answered'],
      ['hasOwnProperty', 1, 'unknownTool'],
    ]);
  });

  it('answers a JSON-RPC request whose id is "__proto__" under that id, and notes its cancellation by that id', async () => {
    const server = await harness.start({ mode: 'stateless', jsonResponse: true, tools: [{ name: 'slow', faults: [{ kind: 'delay', ms: 60_000 }] }, ...HOSTILE_TOOLS] });
    const answered = await post(server.url, { jsonrpc: '2.0', id: '__proto__', method: 'tools/call', params: { name: 'toString', arguments: {} } });
    expect(await answered.json()).toEqual({ jsonrpc: '2.0', id: '__proto__', result: { content: [{ type: 'text', text: '{}' }] } });
    const client = new AbortController();
    const pending = fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'constructor', method: 'tools/call', params: { name: 'slow', arguments: {} } }),
      signal: client.signal,
    });
    await vi.waitFor(() => expect(server.callLog.map((call) => call.requestId)).toEqual(['__proto__', 'constructor']));
    await post(server.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'constructor', reason: 'barge-in' } });
    await vi.waitFor(() => expect(server.callLog[1]).toMatchObject({ tool: 'slow', requestId: 'constructor', cancelReason: 'barge-in' }));
    client.abort();
    await pending.catch(() => undefined);
  });
});

describe('listChangedAfterCalls', () => {
  it.each(MODES)('%s: every Nth call toggles listChangedTool and the calling client hears list_changed', async (mode) => {
    const server = await harness.start({ mode, tools: TOOLS, listChangedAfterCalls: 2, listChangedTool: 'last' });
    const { client } = await harness.connect(server);
    const notified = vi.fn();
    client.setNotificationHandler(ToolListChangedNotificationSchema, notified);
    await client.callTool({ name: 'echo', arguments: {} });
    expect(notified).not.toHaveBeenCalled();
    await client.callTool({ name: 'echo', arguments: {} });
    await vi.waitFor(() => expect(notified).toHaveBeenCalledTimes(1));
    expect((await client.listTools()).tools.map((tool) => tool.name)).not.toContain('last');
    await client.callTool({ name: 'echo', arguments: {} });
    await client.callTool({ name: 'echo', arguments: {} });
    await vi.waitFor(() => expect(notified).toHaveBeenCalledTimes(2));
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('last');
  });

  it('without listChangedTool, adds mock_list_changed; other sessions hear it on their standalone stream', async () => {
    const server = await harness.start({ tools: TOOLS, listChangedAfterCalls: 1 });
    const onChanged = vi.fn();
    const other = await harness.connect(server, { clientOptions: { listChanged: { tools: { onChanged, debounceMs: 0 } } } });
    const { client } = await harness.connect(server);
    await waitForStandaloneStream(server.requests, 'stateful');
    await vi.waitFor(() => expect(server.requests.filter((r) => r.method === 'GET' && r.status === 200)).toHaveLength(2));
    await client.callTool({ name: 'echo', arguments: {} });
    await vi.waitFor(() => expect(onChanged).toHaveBeenCalled());
    expect(onChanged.mock.calls[0]?.[1]?.map((tool: { name: string }) => tool.name)).toContain('mock_list_changed');
    expect(other.errors).toEqual([]);
  });
});

describe('startMockMcpServer', () => {
  it('rejects a bad config', async () => {
    await expect(harness.start({ tools: [{ name: 'a', faults: [{ kind: 'delay', ms: -1 }] }] } as MockMcpConfig)).rejects.toThrow(
      'Failed to load the mock MCP config: tools[0].faults[0].ms must be an integer ≥ 0 (got -1). Please',
    );
  });
});
