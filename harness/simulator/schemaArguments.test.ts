import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import AjvDraft07 from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { loadSchemaSampler } from './schemaArguments.js';

const schemaArguments = await loadSchemaSampler();

/** Real `tools/list` input schemas of server-memory and server-everything (as listed by their current releases). */
const fixtures = JSON.parse(readFileSync(new URL('./schemaArguments.fixtures.json', import.meta.url), 'utf8')) as Record<string, Array<{ name: string; inputSchema: Record<string, unknown> }>>;
const tools = Object.entries(fixtures).flatMap(([server, listed]) => listed.map((tool) => ({ server, ...tool })));

function validator(schema: Record<string, unknown>) {
  const draft07 = typeof schema.$schema === 'string' && schema.$schema.includes('draft-07');
  const ajv = draft07 ? new AjvDraft07({ strict: false }) : new Ajv2020({ strict: false });
  addFormats(ajv);
  const { $schema: _ignored, ...rest } = schema;
  return ajv.compile(rest);
}

describe('schemaArguments', () => {
  it('has real schemas to sample', () => {
    expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['create_entities', 'add_observations', 'search_nodes', 'echo', 'get-sum', 'get-annotated-message']));
  });

  it.each(tools.map((tool) => [`${tool.server} ${tool.name}`, tool.inputSchema] as const))('%s: arguments that validate against the schema, for several seeds', (_name, schema) => {
    const validate = validator(schema);
    for (const seed of [1, 2, 3, 42, 1000]) {
      const { value, problem } = schemaArguments(schema, seed);
      expect(problem).toBeUndefined();
      expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('gives the same arguments for the same seed and schema, and others for another seed', () => {
    const schema = tools.find((tool) => tool.name === 'create_entities')!.inputSchema;
    const first = schemaArguments(schema, 7).value;
    expect(schemaArguments(schema, 7).value).toEqual(first);
    const others = [8, 9, 10, 11].map((seed) => JSON.stringify(schemaArguments(schema, seed).value));
    expect(others.some((other) => other !== JSON.stringify(first))).toBe(true);
  });

  it('fills required properties', () => {
    const schema = { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] };
    for (const seed of [1, 5, 9]) expect(Object.keys(schemaArguments(schema, seed).value).sort()).toEqual(['a', 'b']);
  });

  it('samples a hostile schema in bounded work (huge minItems, minLength, repetition in a pattern): the simulator never hangs on it', () => {
    // The schema comes from whatever MCP server the demo user added: json-schema-faker would build every item it asks for.
    const schema: unknown = JSON.parse(`{
      "type": "object",
      "properties": {
        "list": { "type": "array", "minItems": 100000000, "items": { "type": "string", "minLength": 100000000 } },
        "text": { "type": "string", "minLength": 100000000, "maxLength": 200000000 },
        "code": { "type": "string", "pattern": "^a{100000000}$" },
        "__proto__": { "type": "string" }
      },
      "required": ["list", "text", "code", "__proto__"]
    }`);
    const { value, problem } = schemaArguments(schema, 1);
    expect(problem ?? '').not.toMatch(/hang/);
    expect(JSON.stringify(value).length).toBeLessThanOrEqual(16_384);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it('falls back to {} and says why for schemas it cannot sample or that are not objects', () => {
    expect(schemaArguments({ type: 'string' }, 1)).toEqual({ value: {}, problem: 'the schema gave string, not an object' });
    const remote = schemaArguments({ type: 'object', properties: { x: { $ref: 'https://example.com/schema.json' } }, required: ['x'] }, 1);
    expect(remote.value).toEqual({});
    expect(remote.problem).toMatch(/json-schema-faker could not sample the schema/);
    expect(schemaArguments(undefined, 1).value).toEqual(expect.any(Object));
    expect(schemaArguments('nonsense', 1).value).toEqual(expect.any(Object));
  });
});
