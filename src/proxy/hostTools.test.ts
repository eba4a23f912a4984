import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { ProxyError } from '../errors.js';
import { resolveToolLimits } from '../mcp/toolLimits.js';
import { hostTool, resolveHostTools, type HostTool } from './hostTools.js';
import type { StandardSchemaV1 } from './standardSchema.js';

const limits = resolveToolLimits(undefined);
const noop = () => undefined;
const citySchema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

/** A minimal Standard Schema, as a library without Standard JSON Schema would offer it. */
function minimalSchema(): StandardSchemaV1<{ n: number }> {
  return {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: (value) => (typeof (value as { n?: unknown }).n === 'number' ? { value: value as { n: number } } : { issues: [{ message: 'must be a number', path: ['n'] }] }),
    },
  };
}

function refusal(run: () => unknown): ProxyError {
  try {
    run();
  } catch (error) {
    if (ProxyError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected invalid_options');
}

describe('hostTool', () => {
  it('takes a JSON Schema object: the model gets it in Realtime form, under the tool name', () => {
    const tool = hostTool({ name: 'get_weather', description: 'The weather.', parameters: { $schema: 'https://json-schema.org/draft/2020-12/schema', ...citySchema }, execute: noop });
    const [resolved] = resolveHostTools([tool], { limits });
    expect(resolved!.definition).toEqual({ type: 'function', name: 'get_weather', description: 'The weather.', parameters: citySchema });
    expect(resolved!.arguments.kind).toBe('json');
    expect(Object.isFrozen(tool)).toBe(true);
  });

  it('takes a zod schema: the JSON Schema comes from ~standard.jsonSchema, the arguments are typed by it', () => {
    const parameters = z.object({ city: z.string().min(1), days: z.number().int().optional() });
    const tool = hostTool({
      name: 'forecast',
      parameters,
      execute: (args) => {
        expectTypeOf(args).toEqualTypeOf<{ city: string; days?: number | undefined }>();
        return args.city;
      },
    });
    const [resolved] = resolveHostTools([tool], { limits });
    expect(resolved!.definition.parameters).toMatchObject({ type: 'object', properties: { city: { type: 'string', minLength: 1 }, days: { type: 'integer' } }, required: ['city'] });
    expect(resolved!.definition.parameters).not.toHaveProperty('$schema');
    expect(resolved!.arguments.kind).toBe('standard');
  });

  it('types a JSON Schema tool’s arguments as a JSON object', () => {
    hostTool({ name: 'x', parameters: citySchema, execute: (args) => expectTypeOf(args).toEqualTypeOf<Record<string, unknown>>() });
  });

  it('takes a Standard Schema without a JSON Schema converter only with an explicit jsonSchema', () => {
    const error = refusal(() => hostTool({ name: 'count', parameters: minimalSchema(), execute: noop }));
    expect(error.code).toBe('invalid_options');
    expect(error.message).toMatch(/^Failed to define host tool "count": its Standard Schema gives no JSON Schema for the model \(the schema library offers no ~standard\.jsonSchema.*\)\. Please give the JSON Schema as jsonSchema/);
    const tool = hostTool({ name: 'count', parameters: minimalSchema(), jsonSchema: { type: 'object', properties: { n: { type: 'number' } } }, execute: noop });
    expect(resolveHostTools([tool], { limits })[0]!.definition.parameters).toEqual({ type: 'object', properties: { n: { type: 'number' } } });
  });

  it('refuses a zod schema JSON Schema cannot express, saying to give jsonSchema', () => {
    const error = refusal(() => hostTool({ name: 'when', parameters: z.object({ at: z.date() }), execute: noop }));
    expect(error.message).toMatch(/^Failed to define host tool "when": its Standard Schema gives no JSON Schema for the model \(~standard\.jsonSchema\.input threw .*Date.*\)\. Please give the JSON Schema as jsonSchema/);
  });

  it.each([
    ['a bad name', { name: 'get weather', parameters: citySchema, execute: noop }, /its name "get weather" is not 1–64 letters/],
    ['a name over 64 characters', { name: 'x'.repeat(65), parameters: citySchema, execute: noop }, /is not 1–64 letters/],
    ['no execute', { name: 'a', parameters: citySchema }, /its execute is undefined, not a function/],
    ['parameters that are not an object', { name: 'a', parameters: 'city', execute: noop }, /its parameters are "city"/],
    ['a schema whose root is not an object', { name: 'a', parameters: { type: 'string' }, execute: noop }, /^Failed to adapt the parameters of host tool "a": its root "type" is "string", .*\. Please give one object schema/],
    ['a cyclic schema', { name: 'a', parameters: (() => { const s: Record<string, unknown> = { type: 'object' }; s.self = s; return s; })(), execute: noop }, /its JSON Schema is not JSON/],
    ['jsonSchema beside a JSON Schema', { name: 'a', parameters: citySchema, jsonSchema: citySchema, execute: noop }, /jsonSchema only beside a Standard Schema/],
    ['a zero timeout', { name: 'a', parameters: citySchema, execute: noop, timeoutMs: 0 }, /its timeoutMs is 0/],
    ['an unknown approval', { name: 'a', parameters: citySchema, execute: noop, approval: 'auto' }, /its approval is "auto"\. Please use "always" or "never"/],
    ['an unknown bargeIn', { name: 'a', parameters: citySchema, execute: noop, bargeIn: 'stop' }, /its bargeIn is "stop"/],
    ['a misspelt key', { name: 'a', parameters: citySchema, execute: noop, timeout: 5 }, /"timeout" is not a host tool setting \(did you mean "timeoutMs"\?\)/],
    ['something that is not an object', 42, /^Failed to define a host tool: it is 42, not an object/],
  ])('refuses %s with invalid_options', (_what, definition, message) => {
    const error = refusal(() => hostTool(definition as never));
    expect(error.code).toBe('invalid_options');
    expect(error.message).toMatch(message);
  });

  it('refuses a definition whose getter throws, as invalid_options (not the getter’s error)', () => {
    const definition = { name: 'a', parameters: citySchema, get execute(): never { throw new Error('boom'); } };
    expect(refusal(() => hostTool(definition as never)).message).toMatch(/^Failed to define a host tool: reading it threw Error/);
  });
});

describe('resolveHostTools', () => {
  const tool = (name: string, extra: Partial<HostTool> = {}) => hostTool({ name, parameters: citySchema, execute: noop, ...extra });

  it('keeps the order given and accepts plain definitions too', () => {
    const list = resolveHostTools([tool('b'), { name: 'a', parameters: citySchema, execute: noop }], { limits });
    expect(list.map((t) => t.name)).toEqual(['b', 'a']);
  });

  it('refuses two host tools with one name', () => {
    expect(refusal(() => resolveHostTools([tool('a'), tool('a')], { limits })).message).toBe('Failed to define the host tools: two of them are named "a". Please give each host tool its own name.');
  });

  it('refuses a host tool named like a route (the route could never be reached)', () => {
    expect(refusal(() => resolveHostTools([tool('lookup')], { limits, routes: { lookup: { server: 's', tool: 't' } } })).message).toMatch(/routes has an entry named "lookup", the name of a host tool/);
  });

  it('refuses host tools that alone pass a tool limit: they are never left out silently', () => {
    const error = refusal(() => resolveHostTools([tool('a'), tool('b'), tool('c')], { limits: { maxTools: 2, maxTokens: 16_000 } }));
    expect(error.message).toBe('Failed to define the host tools: the 3 host tools alone pass toolLimits.maxTools (2), and host tools are never left out. Please raise toolLimits.maxTools or offer fewer host tools.');
    expect(refusal(() => resolveHostTools([tool('a', { description: 'x'.repeat(400) })], { limits: { maxTools: 10, maxTokens: 50 } })).message).toMatch(/alone pass toolLimits\.maxTokens \(50; the host tools take ~\d+\)/);
    expect(resolveHostTools([tool('a'), tool('b')], { limits: { maxTools: 2, maxTokens: 16_000 } })).toHaveLength(2);
  });

  it('refuses hostTools that is not an array', () => {
    expect(refusal(() => resolveHostTools({ a: 1 }, { limits })).message).toMatch(/hostTools is a object, not an array/);
    expect(resolveHostTools(undefined, { limits })).toEqual([]);
  });
});
