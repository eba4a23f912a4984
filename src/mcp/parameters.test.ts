import Ajv2020 from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toRealtimeFunctionTool, toRealtimeParameters, type ParametersResult } from './parameters.js';
import type { JsonSchema } from './types.js';

const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';
const MESSAGE_FORM = /^Failed to [^:]+: .+\. Please .+\.$/;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Adapts a frozen copy, so every test also proves the input is left alone. */
function adapt(schema: unknown): ParametersResult {
  return toRealtimeParameters(deepFreeze(structuredClone(schema)));
}

function adapted(schema: unknown): { parameters: JsonSchema; changes: string[] } {
  const result = adapt(schema);
  if (!result.ok) throw new Error(`expected ok, got: ${result.reason}`);
  return { parameters: result.parameters, changes: result.changes };
}

function refused(schema: unknown): string {
  const result = adapt(schema);
  if (result.ok) throw new Error(`expected a refusal, got: ${JSON.stringify(result.parameters)}`);
  expect(result.reason).toMatch(MESSAGE_FORM);
  return result.reason;
}

describe('toRealtimeParameters: schemas from real servers', () => {
  it('passes server-filesystem edit_file through with only "$schema" dropped', () => {
    const schema = {
      type: 'object',
      properties: {
        path: { type: 'string' },
        edits: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              oldText: { type: 'string', description: 'Text to search for - must match exactly' },
              newText: { type: 'string', description: 'Text to replace with' },
            },
            required: ['oldText', 'newText'],
          },
        },
        dryRun: { default: false, description: 'Preview changes using git-style diff format', type: 'boolean' },
      },
      required: ['path', 'edits'],
      $schema: DRAFT_07,
    };
    const { $schema: _schema, ...expected } = schema;
    expect(adapted(schema)).toEqual({ parameters: expected, changes: ['Dropped "$schema": the model does not need it.'] });
  });

  it('passes server-memory create_entities (arrays of objects of arrays) through with only "$schema" dropped', () => {
    const schema = {
      type: 'object',
      properties: {
        entities: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              name: { type: 'string', description: 'The name of the entity' },
              entityType: { type: 'string', description: 'The type of the entity' },
              observations: { type: 'array', items: { type: 'string' }, description: 'An array of observation contents associated with the entity' },
            },
            required: ['name', 'entityType', 'observations'],
          },
        },
      },
      required: ['entities'],
      $schema: DRAFT_07,
    };
    const { $schema: _schema, ...expected } = schema;
    expect(adapted(schema).parameters).toEqual(expected);
  });

  it('passes strict zod-to-json-schema output (additionalProperties: false) through with only "$schema" dropped', () => {
    const schema = {
      type: 'object',
      properties: {
        query: { type: 'string', minLength: 1 },
        limit: { type: 'integer', exclusiveMinimum: 0, maximum: 100, default: 10 },
        filters: { type: 'object', properties: { state: { type: 'string', enum: ['open', 'closed'] } }, additionalProperties: false },
      },
      required: ['query'],
      additionalProperties: false,
      $schema: DRAFT_07,
    };
    const { $schema: _schema, ...expected } = schema;
    expect(adapted(schema)).toEqual({ parameters: expected, changes: ['Dropped "$schema": the model does not need it.'] });
  });

  it('inlines the "#/properties/…" references zod-to-json-schema writes for a reused schema', () => {
    const result = adapted({
      type: 'object',
      properties: {
        from: { type: 'object', properties: { lat: { type: 'number' }, lng: { type: 'number' } }, required: ['lat', 'lng'], additionalProperties: false },
        to: { $ref: '#/properties/from' },
      },
      required: ['from', 'to'],
      additionalProperties: false,
      $schema: DRAFT_07,
    });
    const properties = result.parameters.properties as Record<string, unknown>;
    expect(properties.to).toEqual(properties.from);
    expect(result.changes).toContain('Inlined "$ref" "#/properties/from": Realtime gets one self-contained schema.');
  });

  it('unwraps the root "$ref" into "definitions" that zod-to-json-schema writes for a named schema', () => {
    const result = adapted({
      $ref: '#/definitions/SearchArgs',
      definitions: { SearchArgs: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'], additionalProperties: false } },
      $schema: DRAFT_07,
    });
    expect(result.parameters).toEqual({ type: 'object', properties: { q: { type: 'string' } }, required: ['q'], additionalProperties: false });
    expect(result.changes).toEqual([
      'Dropped "$schema": the model does not need it.',
      'Inlined "$ref" "#/definitions/SearchArgs": Realtime gets one self-contained schema.',
      'Dropped "definitions": every reference into it was inlined.',
    ]);
  });
});

describe('toRealtimeParameters: adaptations', () => {
  it('drops "$schema", "$id" and "$comment", noting each', () => {
    const result = adapted({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id: 'urn:tool:x', $comment: 'generated', type: 'object', properties: {} });
    expect(result).toEqual({
      parameters: { type: 'object', properties: {} },
      changes: ['Dropped "$schema": the model does not need it.', 'Dropped "$id": the model does not need it.', 'Dropped "$comment": the model does not need it.'],
    });
  });

  it('keeps "$comment" below the root, where it is part of what the server sent', () => {
    expect(adapted({ type: 'object', properties: { a: { type: 'string', $comment: 'x' } } }).parameters).toEqual({
      type: 'object',
      properties: { a: { type: 'string', $comment: 'x' } },
    });
  });

  it('adds "type": "object" to a root with properties and no type', () => {
    expect(adapted({ properties: { a: { type: 'string' } }, required: ['a'] })).toEqual({
      parameters: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
      changes: ['Added "type": "object" at the root: Realtime needs it.'],
    });
  });

  it('turns an empty schema into an object with empty properties', () => {
    expect(adapted({})).toEqual({
      parameters: { type: 'object', properties: {} },
      changes: ['Added "type": "object" at the root: Realtime needs it.', 'Added empty "properties" at the root: an object schema without them can be rejected.'],
    });
  });

  it('adds "type" to a root with only object keywords, such as additionalProperties', () => {
    expect(adapted({ additionalProperties: false, description: 'No arguments' }).parameters).toEqual({
      type: 'object',
      properties: {},
      additionalProperties: false,
      description: 'No arguments',
    });
  });

  it('adds empty "properties" to an object root without them', () => {
    expect(adapted({ type: 'object' })).toEqual({
      parameters: { type: 'object', properties: {} },
      changes: ['Added empty "properties" at the root: an object schema without them can be rejected.'],
    });
  });

  it('narrows a root type of ["object", "null"] to "object", since arguments are always an object', () => {
    expect(adapted({ type: ['object', 'null'], properties: { a: { type: 'string' } } })).toEqual({
      parameters: { type: 'object', properties: { a: { type: 'string' } } },
      changes: ['Narrowed the root "type" from ["object","null"] to "object": function arguments are always an object.'],
    });
  });

  it('keeps a root union that sits beside root properties', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, anyOf: [{ required: ['a'] }, { required: ['b'] }] };
    expect(adapted(schema)).toEqual({ parameters: schema, changes: [] });
  });

  it('inlines "$defs" references, also chained ones, and drops "$defs"', () => {
    const result = adapted({
      type: 'object',
      properties: { home: { $ref: '#/$defs/Address' }, work: { $ref: '#/$defs/Address' } },
      $defs: { Address: { type: 'object', properties: { city: { $ref: '#/$defs/City' } } }, City: { type: 'string', minLength: 1 } },
    });
    const address = { type: 'object', properties: { city: { type: 'string', minLength: 1 } } };
    expect(result.parameters).toEqual({ type: 'object', properties: { home: address, work: address } });
    expect(result.changes).toEqual([
      'Inlined "$ref" "#/$defs/Address": Realtime gets one self-contained schema.',
      'Inlined "$ref" "#/$defs/City": Realtime gets one self-contained schema.',
      'Dropped "$defs": every reference into it was inlined.',
    ]);
  });

  it('drops "$defs" that nothing refers to', () => {
    expect(adapted({ type: 'object', properties: {}, $defs: { Unused: { type: 'string' } } })).toEqual({
      parameters: { type: 'object', properties: {} },
      changes: ['Dropped "$defs": nothing refers to it.'],
    });
  });

  it('keeps "$defs" as sent, and the "$ref", when a definition refers to itself', () => {
    const defs = { Node: { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/Node' } } } } };
    const result = adapted({ type: 'object', properties: { tree: { $ref: '#/$defs/Node' } }, $defs: defs });
    expect(result.parameters).toEqual({ type: 'object', properties: { tree: defs.Node }, $defs: defs });
    expect(result.changes).toEqual([
      'Inlined "$ref" "#/$defs/Node": Realtime gets one self-contained schema.',
      'Kept "$ref" "#/$defs/Node": it refers to itself, so it cannot be inlined.',
      'Kept "$defs" as sent, for the references that stay.',
    ]);
  });

  it('keeps references in a cycle between two definitions, and still terminates', () => {
    const defs = {
      A: { type: 'object', properties: { b: { $ref: '#/$defs/B' } } },
      B: { type: 'object', properties: { a: { $ref: '#/$defs/A' } } },
    };
    const result = adapted({ type: 'object', properties: { start: { $ref: '#/$defs/A' } }, $defs: defs });
    expect(result.parameters.$defs).toEqual(defs);
    expect(JSON.stringify(result.parameters)).toContain('"$ref":"#/$defs/A"');
  });

  it('keeps a reference to the root itself', () => {
    const schema = { type: 'object', properties: { name: { type: 'string' }, parent: { $ref: '#' } } };
    expect(adapted(schema)).toEqual({ parameters: schema, changes: ['Kept "$ref" "#": it refers to itself, so it cannot be inlined.'] });
  });

  it('merges annotations beside a "$ref" into the copy, the server\'s own winning', () => {
    const result = adapted({
      type: 'object',
      properties: { unit: { $ref: '#/$defs/Unit', description: 'Temperature unit', default: 'C' } },
      $defs: { Unit: { type: 'string', enum: ['C', 'F'], description: 'A unit' } },
    });
    expect(result.parameters.properties).toEqual({ unit: { type: 'string', enum: ['C', 'F'], description: 'Temperature unit', default: 'C' } });
  });

  it('moves a "$ref" with constraining keywords beside it into "allOf", so both still apply', () => {
    const result = adapted({
      type: 'object',
      properties: { name: { $ref: '#/$defs/Name', maxLength: 10, allOf: [{ pattern: '^[a-z]' }] } },
      $defs: { Name: { type: 'string', minLength: 2 } },
    });
    expect(result.parameters.properties).toEqual({ name: { maxLength: 10, allOf: [{ pattern: '^[a-z]' }, { type: 'string', minLength: 2 }] } });
    expect(result.changes).toContain('Moved "$ref" "#/$defs/Name" at /properties/name into "allOf", to keep the keywords beside it.');
  });

  it('merges a root "$ref" whose sibling "type" repeats the target\'s', () => {
    expect(adapted({ type: 'object', $ref: '#/$defs/Args', $defs: { Args: { type: 'object', properties: { a: { type: 'string' } } } } }).parameters).toEqual({
      type: 'object',
      properties: { a: { type: 'string' } },
    });
  });

  it('inlines a definition used many times once, so a deep chain of shared definitions stays fast', () => {
    // Each level uses the one below twice: copied afresh each time, this would take 2^20 steps.
    const $defs = Object.fromEntries(
      Array.from({ length: 20 }, (_, level) => [`L${level}`, level === 0 ? { type: 'string' } : { type: 'object', properties: { a: { $ref: `#/$defs/L${level - 1}` }, b: { $ref: `#/$defs/L${level - 1}` } } }]),
    );
    const started = Date.now();
    const result = adapted({ type: 'object', properties: { top: { $ref: '#/$defs/L19' } }, $defs });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(result.changes).toHaveLength(21);
  });

  it('follows escaped and percent-encoded pointers', () => {
    const result = adapted({
      type: 'object',
      properties: { a: { $ref: '#/$defs/a~1b~0c' }, b: { $ref: '#/%24defs/with%20space' } },
      $defs: { 'a/b~c': { type: 'string' }, 'with space': { type: 'number' } },
    });
    expect(result.parameters).toEqual({ type: 'object', properties: { a: { type: 'string' }, b: { type: 'number' } } });
  });

  it('inlines references in every keyword that holds schemas, draft-07 tuple items and dependencies included', () => {
    const result = adapted({
      $schema: DRAFT_07,
      type: 'object',
      properties: {
        pair: { type: 'array', items: [{ $ref: '#/definitions/S' }, { $ref: '#/definitions/S' }], additionalItems: { $ref: '#/definitions/S' } },
        map: { type: 'object', additionalProperties: { $ref: '#/definitions/S' }, patternProperties: { '^x': { $ref: '#/definitions/S' } } },
        either: { anyOf: [{ $ref: '#/definitions/S' }, { not: { $ref: '#/definitions/S' } }] },
      },
      dependencies: { pair: { $ref: '#/definitions/O' }, map: ['pair'] },
      definitions: { S: { type: 'string' }, O: { required: ['map'] } },
    });
    expect(JSON.stringify(result.parameters)).not.toContain('$ref');
    expect(result.parameters.dependencies).toEqual({ pair: { required: ['map'] }, map: ['pair'] });
  });

  it('leaves "$ref" inside data keywords (default, enum, const, examples) and a property named "$ref" alone', () => {
    const schema = {
      type: 'object',
      properties: {
        $ref: { type: 'string' },
        pointer: { type: 'object', default: { $ref: '#/nowhere' }, examples: [{ $ref: 'http://x' }] },
        fixed: { const: { $ref: '#/nope' } },
      },
    };
    expect(adapted(schema)).toEqual({ parameters: schema, changes: [] });
  });

  it('turns a reference to a boolean schema into its object form', () => {
    const result = adapted({ type: 'object', properties: { any: { $ref: '#/$defs/Any', description: 'anything' } }, $defs: { Any: true } });
    expect(result.parameters.properties).toEqual({ any: { description: 'anything' } });
  });

  it('never changes its input, even when it adapts a lot', () => {
    const schema = {
      $schema: DRAFT_07,
      properties: { a: { $ref: '#/definitions/A', description: 'x' }, b: { $ref: '#/definitions/A', minLength: 1 } },
      definitions: { A: { type: 'string' } },
    };
    const before = structuredClone(schema);
    // Frozen: a write would throw in strict-mode ESM, not just go unnoticed.
    expect(toRealtimeParameters(deepFreeze(schema)).ok).toBe(true);
    expect(schema).toEqual(before);
  });
});

describe('toRealtimeParameters: refusals', () => {
  it.each([
    ['null', null, 'it is null'],
    ['an array', [{ type: 'object' }], 'it is an array'],
    ['a string', '{"type":"object"}', 'it is a string'],
    ['a boolean schema', true, 'it is a boolean'],
    ['a class instance', new Map(), 'it is an object that is not plain JSON'],
  ])('refuses %s', (_, schema, why) => {
    const result = toRealtimeParameters(schema);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(new RegExp(`^Failed to adapt the inputSchema: ${why}, not a JSON Schema object\\. Please`));
  });

  it('refuses a root of another type', () => {
    expect(refused({ type: 'string' })).toContain('its root "type" is "string"');
    expect(refused({ type: ['string', 'null'] })).toContain('its root "type" is ["string","null"]');
  });

  it.each(['oneOf', 'anyOf', 'allOf'])('refuses a root %s without root properties', (union) => {
    expect(refused({ [union]: [{ type: 'object', properties: { a: { type: 'string' } } }, { type: 'object', properties: { b: { type: 'number' } } }] })).toContain(
      `its root is a union ("${union}") with no "properties"`,
    );
    expect(refused({ type: 'object', [union]: [{ required: ['a'] }] })).toContain(`("${union}")`);
  });

  it('refuses a root without type that describes something else', () => {
    expect(refused({ enum: ['a', 'b'] })).toContain('its root has no "type" and uses "enum"');
    expect(refused({ items: { type: 'string' } })).toContain('uses "items"');
  });

  it('refuses a root "$ref" to a schema that is not an object', () => {
    expect(refused({ $ref: '#/$defs/Name', $defs: { Name: { type: 'string' } } })).toContain('its root "type" is "string"');
  });

  it('refuses a "$ref" outside the document, naming it and where it is', () => {
    expect(refused({ type: 'object', properties: { a: { $ref: 'https://example.com/schemas/a.json' } } })).toContain(
      'the "$ref" "https://example.com/schemas/a.json" at /properties/a points outside the schema',
    );
    expect(refused({ type: 'object', properties: { a: { $ref: 'common.json#/$defs/A' } } })).toContain('points outside the schema');
  });

  it('refuses a "$ref" that does not resolve', () => {
    expect(refused({ type: 'object', properties: { a: { $ref: '#/$defs/Missing' } }, $defs: {} })).toContain(
      'the "$ref" "#/$defs/Missing" at /properties/a does not point at a schema',
    );
    expect(refused({ type: 'object', properties: { a: { $ref: '#/required/0' } }, required: ['a'] })).toContain('does not point at a schema');
    expect(refused({ $ref: '#/definitions/Args' })).toContain('at the root does not point at a schema');
  });

  it('refuses an anchor reference it cannot resolve', () => {
    expect(refused({ type: 'object', properties: { a: { $ref: '#thing' } }, $defs: { T: { $anchor: 'thing', type: 'string' } } })).toContain('names an anchor');
  });
});

describe('toRealtimeParameters: inlining keeps what validates', () => {
  // Definitions only refer to earlier ones, so every schema here can be fully inlined.
  const leaf = fc.constantFrom<JsonSchema>({ type: 'string' }, { type: 'integer', minimum: 0 }, { enum: [1, 'a', null] }, { type: 'array', items: { type: 'boolean' } });
  const definition = (index: number): fc.Arbitrary<JsonSchema> => {
    const refs = Array.from({ length: index }, (_, earlier) => `#/$defs/D${earlier}`);
    const part = refs.length > 0 ? fc.oneof(leaf, fc.constantFrom(...refs).map(($ref) => ({ $ref }))) : leaf;
    const shapes: fc.Arbitrary<JsonSchema>[] = [
      part,
      fc.record({ type: fc.constant('object'), properties: fc.record({ x: part, y: part }, { requiredKeys: [] }), additionalProperties: fc.boolean() }),
      fc.record({ anyOf: fc.array(part, { minLength: 1, maxLength: 2 }) }),
    ];
    if (refs.length > 0) shapes.push(fc.record({ $ref: fc.constantFrom(...refs), description: fc.string(), minLength: fc.constantFrom(0, 2) }, { requiredKeys: ['$ref'] }));
    return fc.oneof(...shapes);
  };
  const schemas = fc
    .integer({ min: 1, max: 4 })
    .chain((count) => fc.tuple(...Array.from({ length: count }, (_, index) => definition(index))))
    .map((defs) => ({
      type: 'object',
      properties: { p: { $ref: `#/$defs/D${defs.length - 1}` }, q: { $ref: '#/$defs/D0' } },
      $defs: Object.fromEntries(defs.map((def, index) => [`D${index}`, def])),
    }));
  const value = fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: -2, max: 2 }), fc.constant(null), fc.boolean(), fc.array(fc.boolean(), { maxLength: 2 }));
  const argument = fc.oneof(value, fc.record({ x: value, y: value }, { requiredKeys: [] }), fc.dictionary(fc.constantFrom('x', 'y', 'z'), value));
  const argumentsObject = fc.record({ p: argument, q: argument }, { requiredKeys: [] });

  it('accepts exactly the arguments the original accepts', () => {
    const ajv = new Ajv2020({ strict: false });
    fc.assert(
      fc.property(schemas, fc.array(argumentsObject, { maxLength: 10 }), (schema, samples) => {
        const result = toRealtimeParameters(schema);
        if (!result.ok) throw new Error(result.reason);
        expect(JSON.stringify(result.parameters)).not.toContain('$ref');
        const original = ajv.compile(schema);
        const inlined = ajv.compile(result.parameters);
        for (const sample of samples) expect(inlined(sample)).toBe(original(sample));
      }),
    );
  });
});

describe('toRealtimeFunctionTool', () => {
  it('builds the flat Realtime function tool shape', () => {
    const parameters = { type: 'object', properties: {} };
    expect(toRealtimeFunctionTool({ functionName: 'echo', description: 'Echoes', parameters })).toEqual({
      type: 'function',
      name: 'echo',
      description: 'Echoes',
      parameters,
    });
  });
});
