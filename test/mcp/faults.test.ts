/**
 * Every fault the mock MCP server can inject, through the whole MCP layer (connection → catalog →
 * caller), ends in the right typed ToolCallResult: one per call, never an exception, and the
 * session goes on. HTTP error statuses and huge results are checked through the whole proxy in
 * test/faults/mcpServer.faults.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startMockMcpServer, type MockMcpConfig, type MockMcpServer, type MockTool } from '../../harness/mock-mcp/index.js';
import { ToolCatalog, type ToolCatalogDiff } from '../../src/mcp/catalog.js';
import { McpConnection } from '../../src/mcp/connection.js';
import { ToolCaller, type ToolCallerOptions } from '../../src/mcp/toolCaller.js';
import type { McpServerConfig, ToolCallResult } from '../../src/mcp/types.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const echo: MockTool = { name: 'echo', inputSchema: { type: 'object', properties: { text: { type: 'string' } } }, annotations: { readOnlyHint: true } };

async function mockSession(config: MockMcpConfig, server: Partial<McpServerConfig> = {}, options: ToolCallerOptions = {}) {
  const mock = await startMockMcpServer(config);
  const connection = new McpConnection({ label: 'mock', url: mock.url, ...server }, { transportMemory: new Map() });
  const catalog = new ToolCatalog([connection], { cache: false });
  const caller = new ToolCaller(catalog, options);
  const errors: string[] = [];
  connection.on('error', (e) => errors.push(e.message));
  cleanups.push(async () => {
    catalog.close();
    await connection.close();
    await mock.close();
  });
  await catalog.load();
  return { mock, connection, catalog, caller, errors };
}

const tool = (name: string, extra: Partial<MockTool> = {}): MockTool => ({ name, inputSchema: { type: 'object' }, ...extra });

function errorOf(result: ToolCallResult): { code: string; message: string } {
  return JSON.parse(result.output).error;
}

describe('faults injected by the mock, as ToolCallResults', () => {
  it('delay: answers late but within the deadline', async () => {
    const { caller } = await mockSession({ tools: [tool('slow', { faults: [{ kind: 'delay', ms: 150 }] })] });
    const result = await caller.call('slow', '{"x":1}');
    expect(result.code).toBe('ok');
    expect(result.timings.durationMs).toBeGreaterThanOrEqual(140);
    expect(JSON.parse(result.output)).toEqual({ x: 1 });
  });

  it('hang + deadline: timeout, and the server is told to cancel', async () => {
    const { caller, mock } = await mockSession({ tools: [tool('stuck', { faults: [{ kind: 'hang' }] }), echo] }, { toolTimeoutsMs: { stuck: 200 } });
    const result = await caller.call('stuck', '{}');
    expect(result.code).toBe('timeout');
    await vi.waitFor(() => expect(mock.callLog[0]?.outcome).toBe('cancelled'));
    expect((await caller.call('echo', '{"text":"next"}')).code).toBe('ok');
  });

  it('hang + abort (barge-in): cancelled, not timeout, and the server is told', async () => {
    const { caller, mock } = await mockSession({ tools: [tool('stuck', { faults: [{ kind: 'hang' }] })] });
    const abort = new AbortController();
    // The barge-in comes while the server holds the call.
    void vi.waitFor(() => expect(mock.callLog[0]?.outcome).toBe('pending')).then(() => abort.abort(new Error('user barge-in')));
    const result = await caller.call('stuck', '{}', { signal: abort.signal, callId: 'call_7' });
    expect(result.code).toBe('cancelled');
    expect(result.message).toContain('user barge-in');
    await vi.waitFor(() => expect(mock.callLog[0]?.outcome).toBe('cancelled'));
  });

  it('isError: tool_error with the tool text for the model', async () => {
    const { caller } = await mockSession({ tools: [tool('fails', { faults: [{ kind: 'isError', text: 'city not found' }] })] });
    const result = await caller.call('fails', '{}');
    expect(result.code).toBe('tool_error');
    expect(errorOf(result)).toEqual({ code: 'tool_error', message: 'city not found' });
    expect(result.mcpResult?.isError).toBe(true);
  });

  it.each([
    [-32603, 'database down', 'protocol_error'],
    [-32602, 'bad city', 'invalid_arguments'],
  ])('throw %i: %s', async (code, message, expected) => {
    const { caller } = await mockSession({ tools: [tool('throws', { faults: [{ kind: 'throw', code, message }] })] });
    const result = await caller.call('throws', '{}');
    expect(result.code).toBe(expected);
    expect(errorOf(result).message).toContain(message);
  });

  it('expireSession: a read-only tool is retried once on a new session', async () => {
    const { caller, mock, connection, catalog } = await mockSession({ tools: [tool('lookup', { annotations: { readOnlyHint: true }, faults: [{ kind: 'expireSession', on: { call: 1 } }] })] });
    const changed = vi.fn();
    catalog.on('changed', changed);
    const before = connection.sessionId;
    const result = await caller.call('lookup', '{"q":1}');
    expect(result.code).toBe('ok');
    expect(connection.sessionId).not.toBe(before);
    expect(mock.sessionsCreated).toBe(2);
    expect(mock.callLog.map((c) => c.outcome)).toEqual(['fault:expireSession', 'answered']);
  });

  it('expireSession: a tool that is not idempotent is sent again too (the refused request never ran)', async () => {
    const { caller, mock } = await mockSession({ tools: [tool('pay', { faults: [{ kind: 'expireSession', on: { call: 1 } }] })] });
    const result = await caller.call('pay', '{"amount":5}');
    expect(result.code).toBe('ok');
    expect(mock.callLog.map((c) => c.outcome)).toEqual(['fault:expireSession', 'answered']);
    expect(mock.sessionsCreated).toBe(2);
  });

  it('expireSession over legacy SSE: the session is re-opened and a read-only call retried', async () => {
    const { caller, mock, connection } = await mockSession({
      mode: 'sse',
      tools: [tool('lookup', { annotations: { readOnlyHint: true }, faults: [{ kind: 'expireSession', on: { call: 1 } }] })],
    });
    expect(connection.transportKind).toBe('sse');
    expect((await caller.call('lookup', '{}')).code).toBe('ok');
    expect(mock.sessionsCreated).toBe(2);
  });

  it('expireSession every time: never loops (session_expired after one retry)', async () => {
    const { caller, mock } = await mockSession({ tools: [tool('lookup', { annotations: { idempotentHint: true }, faults: [{ kind: 'expireSession' }] })] });
    const result = await caller.call('lookup', '{}');
    expect(result.code).toBe('session_expired');
    expect(result.message).toMatch(/refused the new session as well \(HTTP 404\), so the request did not run/);
    expect(mock.callLog).toHaveLength(2);
    expect(mock.sessionsCreated).toBeLessThanOrEqual(3);
  });

  it('malformedSse: a prompt protocol_error that says what was wrong (not the deadline), and the session goes on', async () => {
    const { caller } = await mockSession({ tools: [tool('garbled', { faults: [{ kind: 'malformedSse', on: { call: 1 } }] })] }, { toolTimeoutsMs: { garbled: 20_000 } });
    const result = await caller.call('garbled', '{}');
    expect(result.code).toBe('protocol_error');
    expect(result.message).toMatch(/answer was unreadable: an event's data is not JSON \(".*this is not JSON.*"\)\. Please/);
    expect(result.message).not.toMatch(/timeoutMs/);
    expect(result.timings.durationMs).toBeLessThan(5_000);
    expect((await caller.call('garbled', '{}')).code).toBe('ok');
  });

  it('progress: progress events with the call id, then the answer', async () => {
    const { caller } = await mockSession({ tools: [tool('work', { faults: [{ kind: 'progress', steps: 3, intervalMs: 20 }] })] });
    const seen: Array<[string | undefined, number]> = [];
    caller.on('progress', ({ callId, progress }) => seen.push([callId, progress.progress]));
    expect((await caller.call('work', '{}', { callId: 'call_p' })).code).toBe('ok');
    expect(seen.map(([id]) => id)).toEqual(['call_p', 'call_p', 'call_p']);
    expect(seen.map(([, p]) => p)).toEqual([...seen.map(([, p]) => p)].sort((a, b) => a - b));
  });

  it('invalidStructuredContent: forwarded by default, output_schema_mismatch when strict', async () => {
    const weather = tool('weather', {
      outputSchema: { type: 'object', properties: { temperature: { type: 'number' } }, required: ['temperature'] },
      faults: [{ kind: 'invalidStructuredContent', structuredContent: { temperature: 'warm' } }],
    });
    const lenient = await mockSession({ tools: [weather] });
    const forwarded = await lenient.caller.call('weather', '{}');
    expect(forwarded.code).toBe('ok');
    expect(JSON.parse(forwarded.output)).toEqual({ temperature: 'warm' });
    const strict = await mockSession({ tools: [weather] }, {}, { strictOutputSchema: true });
    expect((await strict.caller.call('weather', '{}')).code).toBe('output_schema_mismatch');
  });

  it('listChangedAfterCalls: the catalog lists again and emits the diff', async () => {
    const { caller, catalog } = await mockSession({ tools: [echo, tool('extra')], listChangedAfterCalls: 1, listChangedTool: 'extra' });
    const diffs: ToolCatalogDiff[] = [];
    catalog.on('changed', (diff) => diffs.push(diff));
    expect((await caller.call('echo', '{}')).code).toBe('ok');
    await vi.waitFor(() => expect(diffs).toHaveLength(1));
    expect(diffs[0]!.removed.map((t) => t.mcpName)).toEqual(['extra']);
    expect((await caller.call('extra', '{}')).code).toBe('unknown_tool');
  });

  it('pagination: every page is listed', async () => {
    const tools = Array.from({ length: 7 }, (_, i) => tool(`t${i}`));
    const { catalog, mock } = await mockSession({ tools, pageSize: 2 });
    expect(catalog.tools.map((t) => t.mcpName)).toEqual(tools.map((t) => t.name));
    expect(mock.requests.filter((r) => r.method === 'POST').length).toBeGreaterThanOrEqual(4);
  });

  it('requireBearer: a wrong token is an auth failure; a token function is asked again after a 401', async () => {
    const wrong = await mockSession({ tools: [echo], requireBearer: 'right-token' }, { token: 'wrong-token' });
    // Catalog loading reports instead of throwing: the tools are simply absent.
    expect(wrong.catalog.tools).toEqual([]);
    expect(wrong.errors.join('\n')).toMatch(/refused our credentials \(HTTP 401\)/);
    expect(wrong.errors.join('\n')).not.toContain('wrong-token');

    const tokens = ['expired-token', 'right-token'];
    let asked = 0;
    const { caller } = await mockSession({ tools: [echo], requireBearer: 'right-token' }, { token: async () => tokens[Math.min(asked++, 1)]! });
    expect((await caller.call('echo', '{}')).code).toBe('ok');
    expect(asked).toBe(2);
  });

  it.each(['stateless', 'sse'] as const)('works the same in %s mode', async (mode) => {
    const { caller, connection } = await mockSession({ mode, tools: [echo, tool('fails', { faults: [{ kind: 'isError' }] })] });
    expect(connection.transportKind).toBe(mode === 'sse' ? 'sse' : 'streamable-http');
    expect((await caller.call('echo', '{"text":"hi"}')).code).toBe('ok');
    expect((await caller.call('fails', '{}')).code).toBe('tool_error');
  });

  it('close: ends the session with a DELETE', async () => {
    const { connection, mock } = await mockSession({ tools: [echo] });
    expect(connection.sessionId).toBeDefined();
    await connection.close();
    expect(mock.deletesReceived).toBe(1);
    expect(connection.state).toBe('closed');
  });
});

describe('transport memory', () => {
  it('skips the Streamable HTTP probe for a URL known to be legacy SSE', async () => {
    const mock: MockMcpServer = await startMockMcpServer({ mode: 'sse', tools: [echo] });
    cleanups.push(() => mock.close());
    const memory = new Map();
    const first = new McpConnection({ label: 'm', url: mock.url }, { transportMemory: memory });
    await first.listTools();
    await first.close();
    const postsBefore = mock.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/sse')).length;
    const second = new McpConnection({ label: 'm', url: mock.url }, { transportMemory: memory });
    await second.listTools();
    await second.close();
    expect(memory.get(mock.url)).toBe('sse');
    expect(mock.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/sse')).length).toBe(postsBefore);
  });
});

describe('secrets', () => {
  it('never show in errors, logs, events or results, whatever fails', async () => {
    const secrets = ['sk-mcp-secret-token-1234', 'hdr-secret-value-5678'];
    const seen: string[] = [];
    const logger = Object.fromEntries(
      (['debug', 'info', 'warn', 'error'] as const).map((level) => [level, (fields: object, message: string) => seen.push(JSON.stringify(fields), message)]),
    ) as unknown as import('../../src/logger.js').Logger;
    const mock = await startMockMcpServer({ tools: [echo, tool('fails', { faults: [{ kind: 'isError', text: 'nope' }] }), tool('stuck', { faults: [{ kind: 'hang' }] })], requireBearer: secrets[0] });
    cleanups.push(() => mock.close());
    const configs: McpServerConfig[] = [
      { label: 'right', url: mock.url, token: secrets[0], headers: { 'x-api-key': secrets[1]! }, toolTimeoutsMs: { stuck: 100 } },
      { label: 'wrong', url: mock.url, token: `${secrets[0]}-old`, headers: { 'x-api-key': secrets[1]! } },
      { label: 'down', url: 'http://127.0.0.1:9/mcp', token: secrets[0], headers: { 'x-api-key': secrets[1]! } },
    ];
    const connections = configs.map((config) => new McpConnection(config, { transportMemory: new Map() }));
    const catalog = new ToolCatalog(connections, { cache: false, logger });
    const caller = new ToolCaller(catalog, { logger });
    for (const emitter of [...connections, catalog, caller]) (emitter as McpConnection).on('error', (e) => seen.push(e.message, String(e.cause)));
    caller.on('result', (r) => seen.push(JSON.stringify(r)));
    await catalog.load();
    for (const name of catalog.tools.map((t) => t.functionName)) await caller.call(name, '{}');
    await caller.call('echo', '{"text":1}');
    await caller.call('missing', '{}');
    await Promise.all(connections.map((c) => c.close()));
    expect(seen.length).toBeGreaterThan(8);
    const leaks = seen.filter((text) => secrets.some((secret) => text.includes(secret)));
    expect(leaks).toEqual([]);
  });
});
