import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import { resolveToolLimits } from '../mcp/toolLimits.js';
import { REDACTED, Redactor } from '../redaction/index.js';
import { createHostToolCaller, type HostToolCallerOptions } from './hostToolCaller.js';
import { hostTool, resolveHostTools, type HostToolDefinition } from './hostTools.js';
import type { StandardSchemaV1 } from './standardSchema.js';

const citySchema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };

function callerFor(definition: Omit<HostToolDefinition, 'name' | 'parameters'> & Partial<Pick<HostToolDefinition, 'parameters'>>, options: Partial<HostToolCallerOptions> = {}) {
  const tool = hostTool({ name: 'tool', parameters: citySchema, ...definition } as HostToolDefinition);
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn: (_fields, message) => void warnings.push(message), error() {} };
  const caller = createHostToolCaller(resolveHostTools([tool], { limits: resolveToolLimits(undefined) }), { redactor: new Redactor(['sk-test-key']), logger, ...options });
  const call = (argumentsText = '{"city":"Paris"}', signal = new AbortController().signal) => caller.call('tool', argumentsText, { signal, callId: 'call_1' });
  return { caller, call, warnings };
}

const errorOf = (output: string) => (JSON.parse(output) as { error: { code: string; message: string } }).error;

describe('createHostToolCaller', () => {
  it('runs execute with the checked arguments, the call id and a live signal; reports source host and the execute time', async () => {
    const execute = vi.fn((args: unknown, context: { signal: AbortSignal; callId: string }) => ({ got: args, aborted: context.signal.aborted, callId: context.callId }));
    const { caller, call } = callerFor({ execute });
    expect(caller.has('tool')).toBe(true);
    expect(caller.has('other')).toBe(false);
    const result = await call();
    expect(result).toMatchObject({ code: 'ok', source: 'host', functionName: 'tool', output: '{"got":{"city":"Paris"},"aborted":false,"callId":"call_1"}' });
    expect(result).not.toHaveProperty('server');
    expect(result.timings.requestSentAt).toBeGreaterThanOrEqual(result.timings.startedAt);
    expect(execute).toHaveBeenCalledOnce();
  });

  it('refuses arguments that fail the JSON Schema with invalid_arguments, naming the field, without calling execute', async () => {
    const execute = vi.fn();
    const { call } = callerFor({ execute });
    const missing = await call('{"town":"Paris"}');
    expect(missing.code).toBe('invalid_arguments');
    expect(errorOf(missing.output).message).toMatch(/^Invalid arguments for tool "tool": missing required property "city".*Please call the tool again/);
    expect(missing.message).toMatch(/^Failed to call host tool "tool": Invalid arguments/);
    for (const text of ['not json', '[1,2]', '"x"']) expect((await call(text)).code).toBe('invalid_arguments');
    expect(execute).not.toHaveBeenCalled();
  });

  it('checks a zod schema with ~standard.validate and passes its output (defaults applied) to execute', async () => {
    const execute = vi.fn((args: { city: string; days: number }) => `${args.city} for ${args.days} days`);
    const { call } = callerFor({ parameters: z.object({ city: z.string().min(1), days: z.number().int().default(3) }), execute: execute as never });
    expect((await call('{"city":"Oslo"}')).output).toBe('Oslo for 3 days');
    const bad = await call('{"city":""}');
    expect(bad.code).toBe('invalid_arguments');
    expect(errorOf(bad.output).message).toMatch(/^Invalid arguments for tool "tool": \/city Too small/);
    expect(execute).toHaveBeenCalledOnce();
  });

  it('checks a minimal hand-written Standard Schema (async validate) the same way', async () => {
    const parameters: StandardSchemaV1<{ n: number }> = {
      '~standard': { version: 1, vendor: 'test', validate: async (value) => (typeof (value as { n?: unknown }).n === 'number' ? { value: value as { n: number } } : { issues: [{ message: 'must be a number', path: [{ key: 'n' }] }] }) },
    };
    const { call } = callerFor({ parameters, jsonSchema: { type: 'object', properties: { n: { type: 'number' } } }, execute: (args) => (args as { n: number }).n * 2 });
    expect((await call('{"n":21}')).output).toBe('42');
    expect(errorOf((await call('{"n":"x"}')).output).message).toContain('/n must be a number');
  });

  it('reports a validate that throws as a tool_error (the host’s bug, not the model’s), without calling execute', async () => {
    const execute = vi.fn();
    const parameters: StandardSchemaV1 = { '~standard': { version: 1, vendor: 'test', validate: () => { throw new Error('validator bug'); } } };
    const { call } = callerFor({ parameters, jsonSchema: { type: 'object' }, execute });
    const result = await call('{}');
    expect(result.code).toBe('tool_error');
    expect(result.message).toMatch(/^Failed to check the arguments of host tool "tool": its schema's validate threw Error: validator bug/);
    expect(execute).not.toHaveBeenCalled();
  });

  it('turns a throw into a tool_error the model hears, its message redacted and capped', async () => {
    const { call } = callerFor({ execute: () => { throw new Error(`upstream refused sk-test-key ${'x '.repeat(20_000)}`); } }, { maxOutputBytes: 500 });
    const result = await call();
    expect(result.code).toBe('tool_error');
    expect(new TextEncoder().encode(result.output).length).toBeLessThanOrEqual(500);
    expect(errorOf(result.output).message).toContain(`upstream refused ${REDACTED}`);
    expect(result.output).not.toContain('sk-test-key');
    expect(result.message).not.toContain('sk-test-key');
  });

  it.each([
    ['a string', 'nope', 'nope'],
    ['undefined', undefined, 'The tool failed without saying why.'],
    ['an object', { code: 7 }, 'The tool failed without saying why.'],
    ['an object with a throwing toString', { toString: () => { throw new Error('x'); } }, 'The tool failed without saying why.'],
  ])('reports a promise rejected with %s as one tool_error', async (_what, reason, modelMessage) => {
    const { call } = callerFor({ execute: () => Promise.reject(reason) });
    const result = await call();
    expect(result.code).toBe('tool_error');
    expect(errorOf(result.output).message).toBe(modelMessage);
  });

  it('answers hostile return values with one output: a cycle, a BigInt, a throwing getter', async () => {
    const value: Record<string, unknown> = { big: 2n ** 70n, get bad(): never { throw new Error('no'); } };
    value.me = value;
    const { call } = callerFor({ execute: () => value });
    const result = await call();
    expect(result.code).toBe('ok');
    expect(JSON.parse(result.output)).toEqual({ big: '1180591620717411303424', bad: '[unreadable: reading it threw]', me: '[Circular]' });
  });

  it('scrubs a known secret out of what execute returns', async () => {
    const { call } = callerFor({ execute: () => ({ echoed: 'Authorization: Bearer sk-test-key' }) });
    const result = await call();
    expect(result.output).not.toContain('sk-test-key');
    expect(result.output).toContain(REDACTED);
  });

  it('settles a never-settling execute on its timeout, with exactly one result, and aborts its signal', async () => {
    let seen: AbortSignal | undefined;
    const { call } = callerFor({ timeoutMs: 50, execute: (_args, { signal }) => { seen = signal; return new Promise(() => {}); } });
    const result = await call();
    expect(result.code).toBe('timeout');
    expect(errorOf(result.output).message).toBe('The tool did not answer within 1 second.');
    expect(result.message).toMatch(/^Failed to run host tool "tool": no answer within 50 ms\./);
    expect(seen?.aborted).toBe(true);
    expect((seen?.reason as DOMException).name).toBe('TimeoutError');
  });

  it('uses defaultTimeoutMs for a tool without its own', async () => {
    const { call } = callerFor({ execute: () => new Promise(() => {}) }, { defaultTimeoutMs: 30 });
    expect((await call()).code).toBe('timeout');
  });

  it('ends as cancelled when the call’s signal aborts: execute’s signal aborts too, and its late answer is dropped', async () => {
    const controller = new AbortController();
    let finish!: (value: string) => void;
    let seen: AbortSignal | undefined;
    const { call } = callerFor({
      execute: (_args, { signal }) => {
        seen = signal;
        return new Promise<string>((resolve) => (finish = resolve));
      },
    });
    const pending = call(undefined, controller.signal);
    await vi.waitFor(() => expect(seen).toBeDefined());
    controller.abort(new Error('barge-in'));
    const result = await pending;
    expect(result.code).toBe('cancelled');
    expect(result.message).toContain('(barge-in)');
    expect(seen!.aborted).toBe(true);
    finish('too late');
    await Promise.resolve();
    expect(result.code).toBe('cancelled');
  });

  it('does not call execute for a call cancelled before it started', async () => {
    const execute = vi.fn();
    const { call } = callerFor({ execute });
    const controller = new AbortController();
    controller.abort();
    expect((await call(undefined, controller.signal)).code).toBe('cancelled');
    expect(execute).not.toHaveBeenCalled();
  });

  it('returns {"ok":true} for a tool that returns nothing, and a string as it is', async () => {
    expect((await callerFor({ execute: async () => undefined }).call()).output).toBe('{"ok":true}');
    expect((await callerFor({ execute: () => 'Done.' }).call()).output).toBe('Done.');
  });

  it('without host tools: one caller shared by every session, which has none and refuses a call by name', async () => {
    const options = { redactor: new Redactor() };
    const caller = createHostToolCaller(resolveHostTools(undefined, { limits: resolveToolLimits(undefined) }), options);
    expect(createHostToolCaller([], { redactor: new Redactor(['sk-test-key']) })).toBe(caller);
    expect(caller.tools).toEqual([]);
    expect([...caller.names]).toEqual([]);
    expect(caller.has('get_weather')).toBe(false);
    await expect(caller.call('get_weather', '{}', { signal: new AbortController().signal, callId: 'call_1' })).rejects.toThrow('Failed to run host tool "get_weather": there is none by that name. Please check has() first.');
  });

  it('with host tools: refuses a call to a name it does not have, as the shared empty caller does', async () => {
    const { caller } = callerFor({ execute: () => 'x' });
    await expect(caller.call('other', '{}', { signal: new AbortController().signal, callId: 'call_1' })).rejects.toThrow('Failed to run host tool "other": there is none by that name. Please check has() first.');
  });
});
