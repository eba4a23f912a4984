/**
 * Every fault kind, observed from a real SDK client as it really arrives.
 */
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MockFault, MockMcpMode, MockTool } from './config.js';
import { createHarness, rejectionOf } from './testSupport.js';

const harness = createHarness();
afterEach(() => harness.cleanup());

const MODES: MockMcpMode[] = ['stateful', 'stateless', 'sse'];

function faulty(faults: MockFault[], extra: Partial<MockTool> = {}): MockTool[] {
  return [{ name: 'ok' }, { name: 'flaky', faults, ...extra }];
}

async function setup(mode: MockMcpMode, faults: MockFault[], extra: Partial<MockTool> = {}) {
  const server = await harness.start({ mode, tools: faulty(faults, extra) });
  const connected = await harness.connect(server);
  return { server, ...connected };
}

describe.each(MODES)('faults in mode %s', (mode) => {
  it('delay: answers after the delay', async () => {
    const { server, client } = await setup(mode, [{ kind: 'delay', ms: 150 }]);
    const started = performance.now();
    await client.callTool({ name: 'flaky', arguments: {} });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(server.callLog[0]).toMatchObject({ outcome: 'answered', faults: ['delay'] });
  });

  it('hang + AbortSignal: the call rejects and the mock records the cancellation', async () => {
    const { server, client } = await setup(mode, [{ kind: 'hang' }]);
    const controller = new AbortController();
    const call = client.callTool({ name: 'flaky', arguments: {} }, undefined, { signal: controller.signal });
    await vi.waitFor(() => expect(server.callLog[0]?.outcome).toBe('pending'));
    controller.abort(new Error('user barge-in'));
    const error = await rejectionOf(call);
    expect(error).toBeInstanceOf(McpError);
    expect(error).toMatchObject({ code: ErrorCode.RequestTimeout, message: 'MCP error -32001: Error: user barge-in' });
    await vi.waitFor(() => expect(server.callLog[0]).toMatchObject({ outcome: 'cancelled', cancelReason: 'Error: user barge-in' }));
    // The session still works.
    expect((await client.callTool({ name: 'ok', arguments: {} })).content).toHaveLength(1);
  });

  it('hang + timeout: McpError -32001 Request timed out, then cancelled', async () => {
    const { server, client } = await setup(mode, [{ kind: 'hang' }]);
    const error = await rejectionOf(client.callTool({ name: 'flaky', arguments: {} }, undefined, { timeout: 100 }));
    expect(error).toMatchObject({ code: ErrorCode.RequestTimeout, message: 'MCP error -32001: Request timed out' });
    await vi.waitFor(() => expect(server.callLog[0]?.outcome).toBe('cancelled'));
  });

  it('hang: closing the server ends the call as abandoned', async () => {
    const { server, client } = await setup(mode, [{ kind: 'hang' }]);
    const call = client.callTool({ name: 'flaky', arguments: {} }, undefined, { timeout: 5_000 });
    call.catch(() => undefined);
    await vi.waitFor(() => expect(server.callLog[0]?.outcome).toBe('pending'));
    await server.close();
    expect(server.callLog[0]?.outcome).toBe('abandoned');
    await client.close();
    expect(await rejectionOf(call)).toMatchObject({ code: ErrorCode.ConnectionClosed });
  });

  it('isError: a result with isError true', async () => {
    const { server, client } = await setup(mode, [{ kind: 'isError', text: 'disk full' }]);
    expect(await client.callTool({ name: 'flaky', arguments: {} })).toEqual({ content: [{ type: 'text', text: 'disk full' }], isError: true });
    expect(server.callLog[0]?.outcome).toBe('fault:isError');
  });

  it('throw: McpError with the code and message', async () => {
    const { server, client } = await setup(mode, [{ kind: 'throw', code: -32050, message: 'backend down' }, { kind: 'throw' }]);
    const error = await rejectionOf(client.callTool({ name: 'flaky', arguments: {} }));
    expect(error).toBeInstanceOf(McpError);
    expect(error).toMatchObject({ code: -32050, message: 'MCP error -32050: backend down' });
    expect(server.callLog[0]?.outcome).toBe('fault:throw');
  });

  it('echoRequest: quotes the URL and every header it got, as a result, an isError result or a JSON-RPC error', async () => {
    const marker = 'ECHO-MARKER-credential';
    const server = await harness.start({
      mode,
      tools: [
        { name: 'result', faults: [{ kind: 'echoRequest' }] },
        { name: 'failed', faults: [{ kind: 'echoRequest', as: 'isError' }] },
        { name: 'thrown', faults: [{ kind: 'echoRequest', as: 'throw' }] },
      ],
    });
    const { client } = await harness.connect(server, { headers: { Authorization: `Bearer ${marker}`, 'X-Api-Key': `${marker}-2` } });
    const echoed = (await client.callTool({ name: 'result', arguments: {} })) as { content: Array<{ text: string }>; isError?: boolean };
    const quoted = JSON.parse(echoed.content[0]!.text) as { url: string; headers: Record<string, string> };
    expect(quoted.headers).toMatchObject({ authorization: `Bearer ${marker}`, 'x-api-key': `${marker}-2` });
    expect(quoted.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(echoed.isError).toBeUndefined();
    expect(await client.callTool({ name: 'failed', arguments: {} })).toMatchObject({ isError: true, content: [{ text: expect.stringContaining(`Bearer ${marker}`) }] });
    const error = await rejectionOf(client.callTool({ name: 'thrown', arguments: {} }));
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).message).toContain(`Bearer ${marker}`);
    expect(server.callLog.map((call) => call.outcome)).toEqual(['fault:echoRequest', 'fault:echoRequest', 'fault:echoRequest']);
  });

  it('throw without code: -32603', async () => {
    const { client } = await setup(mode, [{ kind: 'throw' }]);
    expect(await rejectionOf(client.callTool({ name: 'flaky', arguments: {} }))).toMatchObject({
      code: ErrorCode.InternalError,
      message: 'MCP error -32603: Mock tool flaky threw.',
    });
  });

  it('http500: the POST fails with status 500', async () => {
    const { server, client } = await setup(mode, [{ kind: 'http500' }]);
    const error = await rejectionOf(client.callTool({ name: 'flaky', arguments: {} }));
    if (mode === 'sse') {
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toBe('Error POSTing to endpoint (HTTP 500): Internal Server Error (mock MCP fault http500)');
    } else {
      expect(error).toBeInstanceOf(StreamableHTTPError);
      expect(error).toMatchObject({ code: 500, message: 'Streamable HTTP error: Error POSTing to endpoint: Internal Server Error (mock MCP fault http500)' });
    }
    expect(server.callLog[0]?.outcome).toBe('fault:http500');
    expect(server.requests.at(-1)?.status).toBe(500);
    expect((await client.callTool({ name: 'ok', arguments: {} })).content).toHaveLength(1);
  });

  it('httpStatus 503: the POST fails with that status, and the next call works', async () => {
    const { server, client } = await setup(mode, [{ kind: 'httpStatus', status: 503, on: { call: 1 } }]);
    const error = await rejectionOf(client.callTool({ name: 'flaky', arguments: {} }));
    if (mode === 'sse') expect((error as Error).message).toBe('Error POSTing to endpoint (HTTP 503): Service Unavailable (mock MCP fault httpStatus)');
    else expect(error).toMatchObject({ code: 503, message: 'Streamable HTTP error: Error POSTing to endpoint: Service Unavailable (mock MCP fault httpStatus)' });
    expect(server.callLog[0]?.outcome).toBe('fault:httpStatus');
    expect(server.requests.at(-1)?.status).toBe(503);
    expect((await client.callTool({ name: 'flaky', arguments: {} })).content).toHaveLength(1);
  });

  it('hugeResult: a text block of exactly that many bytes', async () => {
    const { client } = await setup(mode, [{ kind: 'hugeResult', bytes: 5 * 1024 * 1024 }]);
    const result = await client.callTool({ name: 'flaky', arguments: {} });
    const [block] = result.content as { type: string; text: string }[];
    expect(block?.type).toBe('text');
    expect(Buffer.byteLength(block?.text ?? '')).toBe(5 * 1024 * 1024);
    // Words of x, 64 characters apart: no run a base64 detector would take for a payload.
    expect(block?.text).toMatch(/^(x{63} )+x+$/);
  });

  it('invalidStructuredContent: the client rejects it against the outputSchema', async () => {
    const outputSchema = { type: 'object', properties: { temperature: { type: 'number' } }, required: ['temperature'] };
    const { server, client } = await setup(mode, [{ kind: 'invalidStructuredContent' }], { outputSchema });
    await client.listTools();
    const error = await rejectionOf(client.callTool({ name: 'flaky', arguments: {} }));
    expect(error).toBeInstanceOf(McpError);
    expect(error).toMatchObject({ code: ErrorCode.InvalidParams });
    expect((error as Error).message).toContain("Structured content does not match the tool's output schema");
    expect(server.callLog[0]?.outcome).toBe('fault:invalidStructuredContent');
  });

  it('on.call: only the nth call fails; on.every with call: from the nth on', async () => {
    const { server, client } = await setup(mode, [
      { kind: 'isError', text: 'second', on: { call: 2 } },
      { kind: 'isError', text: 'fourth on', on: { call: 4, every: true } },
    ]);
    const texts: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const result = await client.callTool({ name: 'flaky', arguments: { i } });
      texts.push(result.isError ? (result.content as { text: string }[])[0]!.text : 'ok');
    }
    expect(texts).toEqual(['ok', 'second', 'ok', 'fourth on', 'fourth on']);
    expect(server.callLog.map((call) => call.callNumber)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe.each(['stateful', 'stateless'] as const)('progress in mode %s', (mode) => {
  it('progress: onprogress sees every step, then the answer', async () => {
    const { client } = await setup(mode, [{ kind: 'progress', steps: 4, intervalMs: 20 }]);
    const seen: Progress[] = [];
    const result = await client.callTool({ name: 'flaky', arguments: { a: 1 } }, undefined, { onprogress: (p) => seen.push(p), timeout: 5_000 });
    expect(seen.map((p) => [p.progress, p.total])).toEqual([[1, 4], [2, 4], [3, 4], [4, 4]]);
    expect(result.content).toEqual([{ type: 'text', text: '{"a":1}' }]);
  });
});

describe('progress in mode sse', () => {
  // The SDK client handles a notification a microtask late but a response at once; over legacy SSE
  // the last progress and the answer arrive in one chunk, so the client drops that last progress.
  it('progress: the last step, sent right before the answer, is dropped by the SDK client', async () => {
    const { client, errors } = await setup('sse', [{ kind: 'progress', steps: 3, intervalMs: 20 }]);
    const seen: Progress[] = [];
    await client.callTool({ name: 'flaky', arguments: {} }, undefined, { onprogress: (p) => seen.push(p), timeout: 5_000 });
    expect(seen.map((p) => p.progress).slice(0, 2)).toEqual([1, 2]);
    // Seen on every run so far; a slower machine could still split the chunk and deliver step 3.
    if (seen.length === 2) {
      expect(errors.map((e) => e.message)).toContainEqual(expect.stringContaining('Received a progress notification for an unknown token'));
    }
  });

  it('progress then a short delay: every step arrives, and resetTimeoutOnProgress keeps a slow call alive', async () => {
    const { client } = await setup('sse', [
      { kind: 'progress', steps: 3, intervalMs: 80 },
      { kind: 'delay', ms: 20 },
    ]);
    const seen: Progress[] = [];
    await client.callTool({ name: 'flaky', arguments: {} }, undefined, { onprogress: (p) => seen.push(p), timeout: 150, resetTimeoutOnProgress: true });
    expect(seen.map((p) => p.progress)).toEqual([1, 2, 3]);
  });
});

describe('expireSession', () => {
  it('stateful: the call gets StreamableHTTPError 404 Session not found, and so does every later request', async () => {
    const { server, client } = await setup('stateful', [{ kind: 'expireSession' }]);
    const error = await rejectionOf(client.callTool({ name: 'flaky', arguments: {} }));
    expect(error).toBeInstanceOf(StreamableHTTPError);
    expect(error).toMatchObject({ code: 404 });
    expect((error as Error).message).toBe('Streamable HTTP error: Error POSTing to endpoint: {"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}');
    expect(server.callLog[0]?.outcome).toBe('fault:expireSession');
    expect(await rejectionOf(client.listTools())).toMatchObject({ code: 404 });
  });

  it('sse: the POST gets 404 and the stream is closed', async () => {
    const { server, client } = await setup('sse', [{ kind: 'expireSession' }]);
    const error = await rejectionOf(client.callTool({ name: 'flaky', arguments: {} }));
    expect((error as Error).message).toMatch(/^Error POSTing to endpoint \(HTTP 404\): /);
    expect(server.callLog[0]?.outcome).toBe('fault:expireSession');
  });
});

describe.each(MODES)('malformedSse in mode %s', (mode) => {
  it('the frame reaches client.onerror as a SyntaxError, no answer comes, and the call times out', async () => {
    const { server, client, errors } = await setup(mode, [{ kind: 'malformedSse' }]);
    const error = await rejectionOf(client.callTool({ name: 'flaky', arguments: {} }, undefined, { timeout: 300 }));
    expect(error).toMatchObject({ code: ErrorCode.RequestTimeout, message: 'MCP error -32001: Request timed out' });
    expect(errors.some((e) => e instanceof SyntaxError)).toBe(true);
    expect(server.callLog[0]?.outcome).toBe('fault:malformedSse');
    expect((await client.callTool({ name: 'ok', arguments: {} })).content).toHaveLength(1);
  });
});
