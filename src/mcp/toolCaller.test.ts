import { McpError, ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it, vi } from 'vitest';
import { fakeTool, FakeMcpConnection } from '../../test/support/fakeMcpConnection.js';
import type { Logger } from '../logger.js';
import { REDACTED, Redactor } from '../redaction/index.js';
import { ToolCatalog } from './catalog.js';
import { DEFAULT_TOOL_TIMEOUT_MS, ToolCaller, type ToolCallerOptions } from './toolCaller.js';
import type { McpServerConfig, Tool, ToolCallResult } from './types.js';

const sumTool = fakeTool('get-sum', {
  inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
  annotations: { readOnlyHint: true },
});
const weatherTool = fakeTool('weather', {
  outputSchema: { type: 'object', properties: { temperature: { type: 'number' } }, required: ['temperature'] },
});

async function setup(tools: Tool[] = [sumTool, weatherTool, fakeTool('write')], config: Partial<McpServerConfig> = {}, options: ToolCallerOptions = {}) {
  const connection = new FakeMcpConnection({ label: 'srv', url: 'http://127.0.0.1:1/mcp', ...config }, tools);
  const catalog = new ToolCatalog([connection], { cache: false });
  await catalog.load();
  const caller = new ToolCaller(catalog, options);
  const results: ToolCallResult[] = [];
  caller.on('result', (r) => results.push(r));
  return { connection, catalog, caller, results };
}

describe('ToolCaller', () => {
  it('validates, calls with the deadline and retry safety of the tool, and emits the full result', async () => {
    const { connection, caller, results } = await setup([sumTool, fakeTool('write')], { timeoutMs: 5000, toolTimeoutsMs: { write: 700 }, maxTotalTimeoutMs: 9000 });
    connection.onCall = async (_name, args) => ({ content: [{ type: 'text', text: `sum ${(args.a as number) + (args.b as number)}` }] });
    const result = await caller.call('get-sum', '{"a":2,"b":40}', { callId: 'call_1' });
    expect(result).toMatchObject({ code: 'ok', output: 'sum 42', functionName: 'get-sum', server: 'srv', mcpName: 'get-sum' });
    expect(result.timings.durationMs).toBeGreaterThanOrEqual(0);
    expect(connection.calls[0]).toMatchObject({ name: 'get-sum', args: { a: 2, b: 40 }, options: { timeoutMs: 5000, maxTotalTimeoutMs: 9000 } });
    await caller.call('write', '');
    expect(connection.calls[1]!.options).toMatchObject({ timeoutMs: 700 });
    expect(results.map((r) => (r as ToolCallResult & { callId?: string }).callId)).toEqual(['call_1', undefined]);
    expect(results[0]!.mcpResult).toEqual({ content: [{ type: 'text', text: 'sum 42' }] });
  });

  it('uses 30 s by default', async () => {
    const { connection, caller } = await setup();
    await caller.call('write', '{}');
    expect(connection.calls[0]!.options.timeoutMs).toBe(DEFAULT_TOOL_TIMEOUT_MS);
    expect(DEFAULT_TOOL_TIMEOUT_MS).toBe(30_000);
  });

  it('never calls the server with invalid arguments, and tells the model which field failed', async () => {
    const { connection, caller } = await setup();
    for (const text of ['{"a":"two","b":1}', '{"a":1', '[1,2]']) {
      const result = await caller.call('get-sum', text);
      expect(result.code).toBe('invalid_arguments');
      expect(JSON.parse(result.output)).toMatchObject({ error: { code: 'invalid_arguments' } });
    }
    expect((await caller.call('get-sum', '{"a":"two","b":1}')).output).toContain('/a');
    expect(connection.calls).toEqual([]);
  });

  it('answers an unknown function with unknown_tool', async () => {
    const { caller, results } = await setup();
    const result = await caller.call('nope', '{}');
    expect(result.code).toBe('unknown_tool');
    expect(JSON.parse(result.output).error.message).toContain('nope');
    expect(results).toHaveLength(1);
  });

  it('refuses a tool outside the allowlist with not_allowed and sends no MCP request', async () => {
    const { connection, caller, results } = await setup(undefined, {}, { allowed: (tool) => tool.mcpName !== 'write' });
    const result = await caller.call('write', '{}', { callId: 'call_w' });
    expect(result).toMatchObject({ code: 'not_allowed', server: 'srv', mcpName: 'write' });
    expect(result.message).toMatch(/^Failed to call function "write": .*not in allowedTools\. Please .*\.$/);
    expect(JSON.parse(result.output)).toEqual({ error: { code: 'not_allowed', message: 'The tool "write" is not available. Use one of the tools you were given.' } });
    expect(connection.calls).toEqual([]);
    expect(results).toHaveLength(1);
    expect((await caller.call('get-sum', '{"a":1,"b":2}')).code).toBe('ok');
  });

  it('takes per-tool deadlines from toolTimeoutMs (by the catalog tool), over the server config', async () => {
    const { connection, caller } = await setup(undefined, { timeoutMs: 5000, toolTimeoutsMs: { write: 700 } }, { toolTimeoutMs: (tool) => (tool.server === 'srv' && tool.mcpName === 'write' ? 123 : undefined) });
    await caller.call('write', '{}');
    await caller.call('weather', '{}');
    expect(connection.calls.map((call) => call.options.timeoutMs)).toEqual([123, 5000]);
  });

  it('reads toolTimeoutsMs by the tool name as data: a tool named like an Object.prototype member gets the default deadline', async () => {
    const { connection, caller } = await setup([fakeTool('constructor'), fakeTool('toString')], { toolTimeoutsMs: { toString: 900 } });
    await caller.call('constructor', '{}');
    await caller.call('toString', '{}');
    expect(connection.calls.map((call) => call.options.timeoutMs)).toEqual([DEFAULT_TOOL_TIMEOUT_MS, 900]);
  });

  it('forwards progress with the call id', async () => {
    const { connection, caller } = await setup();
    connection.onCall = async (_n, _a, options) => {
      options.onProgress?.({ progress: 1, total: 2 });
      options.onProgress?.({ progress: 2, total: 2 });
      return { content: [] };
    };
    const progress = vi.fn();
    caller.on('progress', progress);
    await caller.call('write', '{}', { callId: 'c9' });
    expect(progress.mock.calls.map(([p]) => [p.callId, p.tool, p.progress.progress])).toEqual([
      ['c9', 'write', 1],
      ['c9', 'write', 2],
    ]);
  });

  it('maps thrown errors to typed results', async () => {
    const { connection, caller } = await setup();
    connection.onCall = async () => {
      throw new McpError(ErrorCode.RequestTimeout, 'Request timed out');
    };
    expect((await caller.call('write', '{}')).code).toBe('timeout');
    const abort = new AbortController();
    connection.onCall = async () => {
      abort.abort(new Error('barge-in'));
      throw new McpError(ErrorCode.RequestTimeout, 'AbortError');
    };
    expect((await caller.call('write', '{}', { signal: abort.signal })).code).toBe('cancelled');
  });

  it('does not start a call whose signal is already aborted, and cancels one whose answer raced the abort', async () => {
    const { connection, caller } = await setup();
    const early = new AbortController();
    early.abort();
    expect((await caller.call('write', '{}', { signal: early.signal })).code).toBe('cancelled');
    expect(connection.calls).toHaveLength(0);
    const late = new AbortController();
    connection.onCall = async () => {
      late.abort();
      return { content: [{ type: 'text', text: 'too late' }] };
    };
    const raced = await caller.call('write', '{}', { signal: late.signal });
    expect(raced.code).toBe('cancelled');
    expect(raced.mcpResult?.content).toEqual([{ type: 'text', text: 'too late' }]);
  });

  it('marks isError results as tool_error but keeps the content for the model', async () => {
    const { connection, caller } = await setup();
    connection.onCall = async () => ({ isError: true, content: [{ type: 'text', text: 'city not found' }] });
    const result = await caller.call('write', '{}');
    expect(result.code).toBe('tool_error');
    expect(result.output).toContain('city not found');
    expect(JSON.parse(result.output)).toMatchObject({ error: { code: 'tool_error' } });
  });

  it('forwards content that misses its output schema by default (logged), and fails it when strict', async () => {
    const logger: Logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const bad = { content: [{ type: 'text' as const, text: 'warm' }], structuredContent: { temperature: 'warm' } };
    const lenient = await setup(undefined, {}, { logger });
    lenient.connection.onCall = async () => bad;
    const forwarded = await lenient.caller.call('weather', '{}');
    expect(forwarded.code).toBe('ok');
    expect(JSON.parse(forwarded.output)).toEqual({ temperature: 'warm' });
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ tool: 'weather' }), expect.stringContaining('does not match its output schema'));

    const strict = await setup(undefined, {}, { strictOutputSchema: true });
    strict.connection.onCall = async () => bad;
    const refused = await strict.caller.call('weather', '{}');
    expect(refused.code).toBe('output_schema_mismatch');
    expect(refused.mcpResult).toEqual(bad);
    expect(refused.message).toMatch(/^Failed to use the result of tool "weather" .*Please/);
  });

  it('caps the output size', async () => {
    const { connection, caller } = await setup(undefined, {}, { maxOutputBytes: 1024 });
    connection.onCall = async () => ({ content: [{ type: 'text', text: 'x '.repeat(50_000) }] });
    const result = await caller.call('write', '{}');
    expect(new TextEncoder().encode(result.output).length).toBeLessThanOrEqual(1024);
    expect(result.output).toMatch(/truncated \d+ bytes/);
  });

  it('prepare() compiles every argument validator ahead, so a call compiles none', async () => {
    const { caller } = await setup();
    expect(caller.compiledValidators).toBe(0);
    caller.prepare();
    const compiled = caller.compiledValidators;
    expect(compiled).toBe(3);
    await caller.call('get-sum', '{"a":1,"b":2}');
    expect(caller.compiledValidators).toBe(compiled);
  });
});

describe('ToolCaller: secrets a server echoes back', () => {
  const echoTool = fakeTool('echo', { annotations: { readOnlyHint: true } });

  /** A caller whose redactor knows `caller-token-1`; its connection's own redactor knows `connection-token-2` (as a token function's value would be). */
  async function echoing(options: ToolCallerOptions = {}) {
    const connectionRedactor = new Redactor(['connection-token-2']);
    const redactor = new Redactor(['caller-token-1']);
    const context = await setup([echoTool], {}, { redactor, ...options });
    Object.assign(context.connection, { redactor: connectionRedactor });
    const progress: unknown[] = [];
    context.caller.on('progress', (info) => progress.push(info));
    return { ...context, progress, connectionRedactor };
  }

  it('keeps them out of the output, the message, the MCP result and progress, whatever its connection learned', async () => {
    const { connection, caller, results, progress } = await echoing();
    connection.onCall = async (_name, _args, options) => {
      options.onProgress?.({ progress: 1, message: 'sent Bearer caller-token-1' });
      return {
        content: [{ type: 'text', text: 'headers: {"authorization":"Bearer caller-token-1","x-key":"connection-token-2"}' }],
        structuredContent: { url: 'https://example.com/docs?code=kept' },
        isError: true,
      };
    };
    const result = await caller.call('echo', '{}', { callId: 'call_1' });
    expect(result.code).toBe('tool_error');
    const everything = JSON.stringify([result, results, progress]);
    expect(everything).not.toMatch(/caller-token-1|connection-token-2/);
    expect((JSON.parse(result.output) as { error: { message: string } }).error.message).toContain(`"authorization":"Bearer ${REDACTED}","x-key":"${REDACTED}"`);
    expect(result.mcpResult?.structuredContent).toStrictEqual({ url: 'https://example.com/docs?code=kept' });
    expect(results[0]).toStrictEqual({ ...result, callId: 'call_1' });
  });

  it('keeps them out of errors the server throws, for the model and for the host', async () => {
    const { connection, caller, results } = await echoing();
    connection.onCall = async () => {
      throw new McpError(ErrorCode.InternalError, 'cannot serve a request with authorization Bearer caller-token-1 and connection-token-2');
    };
    const result = await caller.call('echo', '{}');
    expect(result.code).toBe('protocol_error');
    expect(JSON.stringify([result, results])).not.toMatch(/caller-token-1|connection-token-2/);
    expect(result.output).toContain('authorization Bearer <redacted> and <redacted>');
    expect(result.message).toContain('authorization Bearer <redacted> and <redacted>');
  });

  it('scrubs before the size cap, so the cap never cuts a secret in two and leaves half of it', async () => {
    const { connection, caller } = await echoing({ maxOutputBytes: 120 });
    // The head the cap keeps ends a dozen characters past the 60th: inside the secret, had it not been scrubbed.
    connection.onCall = async () => ({ content: [{ type: 'text', text: `${'a'.repeat(60)}caller-token-1${'b '.repeat(200)}` }] });
    const result = await caller.call('echo', '{}');
    expect(result.output).toContain('[truncated');
    expect(result.output).toMatch(/^a{60}<red/);
    expect(result.output).not.toContain('calle');
  });

  it('learns what its connection learns later (a refreshed token)', async () => {
    const { connection, caller, connectionRedactor } = await echoing();
    connection.onCall = async () => ({ content: [{ type: 'text', text: 'refreshed-token-3' }] });
    expect((await caller.call('echo', '{}')).output).toBe('refreshed-token-3');
    connectionRedactor.add('refreshed-token-3');
    expect((await caller.call('echo', '{}')).output).toBe(REDACTED);
  });
});
