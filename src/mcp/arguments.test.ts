import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createArgumentValidator } from './arguments.js';
import type { ArgumentsTool } from './arguments.js';
import { CompiledSchemaCache, ajvRetainedValues, createJsonSchemaValidator } from './jsonSchemaValidator.js';
import type { JsonSchema } from './types.js';

// As server-everything 2026.x lists them (zod → draft-07 through the SDK).
const getSum: ArgumentsTool = {
  mcpName: 'get-sum',
  version: 'v1',
  inputSchema: {
    type: 'object',
    properties: { a: { type: 'number', description: 'First number' }, b: { type: 'number', description: 'Second number' } },
    required: ['a', 'b'],
    $schema: 'http://json-schema.org/draft-07/schema#',
  },
};
const getTinyImage: ArgumentsTool = { mcpName: 'get-tiny-image', version: 'v1', inputSchema: { type: 'object', properties: {}, $schema: 'http://json-schema.org/draft-07/schema#' } };

// zod-to-json-schema output for z.object({...}).strict(), with an enum, a nested object and formats.
const createEvent: ArgumentsTool = {
  mcpName: 'create_event',
  functionName: 'calendar_create_event',
  version: 'h-1',
  inputSchema: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: {
      title: { type: 'string', minLength: 1 },
      start: { type: 'string', format: 'date-time' },
      organizer: { type: 'string', format: 'email' },
      visibility: { type: 'string', enum: ['public', 'private'] },
      location: {
        type: 'object',
        properties: { city: { type: 'string' }, zip: { type: 'string', pattern: '^[0-9]{5}$' } },
        required: ['city'],
        additionalProperties: false,
      },
    },
    required: ['title', 'start'],
    additionalProperties: false,
  },
};

// 2020-12 (no $schema, MCP's default dialect) with $defs and a recursive $ref.
const saveTree: ArgumentsTool = {
  mcpName: 'save-tree',
  version: 'h-2',
  inputSchema: {
    type: 'object',
    properties: { root: { $ref: '#/$defs/node' }, tags: { type: 'array', items: { type: 'string' }, uniqueItems: true } },
    required: ['root'],
    $defs: {
      node: {
        type: 'object',
        properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } },
        required: ['name'],
        unevaluatedProperties: false,
      },
    },
  },
};

function failure(check: ReturnType<ReturnType<typeof createArgumentValidator>['check']>) {
  if (check.ok) throw new Error(`expected a failure, got ${JSON.stringify(check)}`);
  return check;
}

describe('createArgumentValidator: parsing', () => {
  it.each(['', '   ', '\n\t'])('reads %j as no arguments', (text) => {
    const check = createArgumentValidator().check(getTinyImage, text);
    expect(check).toEqual({ ok: true, args: {} });
  });

  it('still validates the empty arguments against required fields', () => {
    const { problems } = failure(createArgumentValidator().check(getSum, ''));
    expect(problems.map((p) => p.path).sort()).toEqual(['/a', '/b']);
  });

  it('names the JSON problem when the text is not JSON', () => {
    const text = '{"a": 1,';
    let parseError = '';
    try {
      JSON.parse(text);
    } catch (error) {
      parseError = (error as Error).message;
    }
    const { message, problems } = failure(createArgumentValidator().check(getSum, text));
    expect(message).toContain('not valid JSON');
    expect(message).toContain(parseError);
    expect(message).toMatch(/^Invalid arguments for tool "get-sum": .*\. Please call the tool again with corrected arguments\.$/);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe('');
  });

  it.each([
    ['[1,2]', 'an array'],
    ['42', 'a number'],
    ['null', 'null'],
    ['"{\\"a\\":1}"', 'a string'],
  ])('rejects %s, which is not an object', (text, kind) => {
    const { message } = failure(createArgumentValidator().check(getSum, text));
    expect(message).toContain(`must be a JSON object, not ${kind}`);
  });

  it('returns the parsed object as args', () => {
    const check = createArgumentValidator().check(getSum, '{"a": 2, "b": 40}');
    expect(check).toEqual({ ok: true, args: { a: 2, b: 40 } });
  });
});

describe('createArgumentValidator: schemas', () => {
  it('names every failing field so the model can retry', () => {
    const { message, problems } = failure(createArgumentValidator().check(getSum, '{"b": "forty"}'));
    expect(problems).toEqual(expect.arrayContaining([{ path: '/b', message: 'must be number' }, { path: '/a', message: 'missing required property "a"' }]));
    expect(message).toContain('/b must be number');
    expect(message).toContain('missing required property "a"');
    expect(message).toMatch(/^Invalid arguments for tool "get-sum": /);
  });

  it('uses the function name the model knows, when the tool has one', () => {
    const { message } = failure(createArgumentValidator().check(createEvent, '{}'));
    expect(message).toMatch(/^Invalid arguments for tool "calendar_create_event": /);
  });

  it('reports unknown properties, enums, formats and nested fields of a strict draft-07 schema', () => {
    const args = { title: 'Standup', start: 'tomorrow', organizer: 'not-an-email', visibility: 'team', location: { zip: '1234' }, colour: 'red' };
    const { problems, message } = failure(createArgumentValidator().check(createEvent, JSON.stringify(args)));
    const byPath = new Map(problems.map((p) => [p.path, p.message]));
    expect(byPath.get('/colour')).toBe('unexpected property "colour"');
    expect(byPath.get('/visibility')).toBe('must be one of "public", "private"');
    expect(byPath.get('/start')).toMatch(/format "date-time"/);
    expect(byPath.get('/organizer')).toMatch(/format "email"/);
    expect(byPath.get('/location/city')).toBe('missing required property "city" at /location');
    expect(byPath.get('/location/zip')).toMatch(/pattern/);
    // Six problems: five are spelt out, the rest counted.
    expect(problems).toHaveLength(6);
    expect(message).toMatch(/; and 1 more\. Please call the tool again/);
  });

  it('accepts valid arguments for the strict schema', () => {
    const args = { title: 'Standup', start: '2026-11-22T09:30:00Z', organizer: 'ana@example.com', visibility: 'private', location: { city: 'Lyon', zip: '69001' } };
    expect(createArgumentValidator().check(createEvent, JSON.stringify(args))).toEqual({ ok: true, args });
  });

  it('ignores formats when formats are off', () => {
    const check = createArgumentValidator({ formats: false }).check(createEvent, JSON.stringify({ title: 'x', start: 'tomorrow', organizer: 'nobody' }));
    expect(check.ok).toBe(true);
  });

  it('follows $defs and recursive $refs in a 2020-12 schema, with unevaluatedProperties', () => {
    const validator = createArgumentValidator();
    const good = { root: { name: 'a', children: [{ name: 'b', children: [{ name: 'c' }] }] }, tags: ['x', 'y'] };
    expect(validator.check(saveTree, JSON.stringify(good)).ok).toBe(true);
    const bad = { root: { name: 'a', children: [{ name: 'b', children: [{ title: 'c' }] }] }, tags: ['x', 'x'] };
    const { problems } = failure(validator.check(saveTree, JSON.stringify(bad)));
    const paths = problems.map((p) => p.path);
    expect(paths).toContain('/root/children/0/children/0/name');
    expect(paths).toContain('/root/children/0/children/0/title');
    expect(paths).toContain('/tags');
  });

  it('picks the dialect from $schema: prefixItems is a 2020-12 keyword that draft-07 does not know', () => {
    const tuple = { type: 'object', properties: { point: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }] } } };
    const args = '{"point": ["x", 1]}';
    const validator = createArgumentValidator();
    expect(validator.check({ mcpName: 't', version: '2020', inputSchema: { $schema: 'https://json-schema.org/draft/2020-12/schema', ...tuple } }, args).ok).toBe(false);
    expect(validator.check({ mcpName: 't', version: 'none', inputSchema: tuple }, args).ok).toBe(false);
    expect(validator.check({ mcpName: 't', version: '07', inputSchema: { $schema: 'http://json-schema.org/draft-07/schema#', ...tuple } }, args).ok).toBe(true);
  });

  it('reads draft-04 and draft-06 schemas with the draft-07 rules', () => {
    const validator = createArgumentValidator();
    for (const $schema of ['http://json-schema.org/draft-04/schema#', 'http://json-schema.org/draft-06/schema#']) {
      const tool = { mcpName: 'old', version: $schema, inputSchema: { $schema, type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } };
      expect(validator.check(tool, '{"n": 3}')).toEqual({ ok: true, args: { n: 3 } });
      expect(failure(validator.check(tool, '{"n": 3.5}')).problems).toEqual([{ path: '/n', message: 'must be integer' }]);
    }
  });

  it('escapes property names in JSON pointers', () => {
    const tool = { mcpName: 't', version: '1', inputSchema: { type: 'object', properties: { 'a/b~c': { type: 'string' } }, required: ['a/b~c'] } };
    expect(failure(createArgumentValidator().check(tool, '{}')).problems[0]?.path).toBe('/a~1b~0c');
  });

  it('lets two tools declare the same $id', () => {
    const validator = createArgumentValidator();
    const schema = (type: string): JsonSchema => ({ $id: 'https://example.com/args.json', type: 'object', properties: { v: { type } } });
    const one = { mcpName: 'one', version: '1', inputSchema: schema('string') };
    const two = { mcpName: 'two', version: '1', inputSchema: schema('number') };
    expect(validator.check(one, '{"v": "s"}').ok).toBe(true);
    expect(validator.check(two, '{"v": 1}').ok).toBe(true);
    expect(validator.check(two, '{"v": "s"}').ok).toBe(false);
  });
});

describe('createArgumentValidator: schemas that cannot be used', () => {
  it('accepts the arguments and says why validation was skipped', () => {
    const tool = { mcpName: 'broken', version: '1', inputSchema: { type: 'object', properties: { a: { type: 'decimal' } } } };
    const check = createArgumentValidator().check(tool, '{"a": "1.5"}');
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.args).toEqual({ a: '1.5' });
    expect(check.skipped).toMatch(/does not compile/);
  });

  it('does not try to compile a broken schema again for the same version', () => {
    const validator = createArgumentValidator();
    const tool = { mcpName: 'broken', version: '1', inputSchema: { type: 'object', properties: { a: { pattern: '(' } } } };
    validator.check(tool, '{}');
    validator.check(tool, '{"a": "x"}');
    expect(validator.compiledCount).toBe(1);
  });

  it('skips a tool whose inputSchema is not an object', () => {
    const tool = { mcpName: 'odd', version: '1', inputSchema: null as unknown as JsonSchema };
    const check = createArgumentValidator().check(tool, '{"x": 1}');
    expect(check).toMatchObject({ ok: true, args: { x: 1 } });
    expect(check.ok && check.skipped).toBeTruthy();
  });
});

describe('createArgumentValidator: compile cache', () => {
  it('compiles once per tool version and again when the version changes', () => {
    const validator = createArgumentValidator();
    for (let i = 0; i < 5; i++) validator.check(getSum, `{"a": ${i}, "b": 1}`);
    expect(validator.compiledCount).toBe(1);
    const changed = { ...getSum, version: 'v2', inputSchema: { ...getSum.inputSchema, required: ['a'] } };
    expect(validator.check(changed, '{"a": 1}').ok).toBe(true);
    expect(validator.compiledCount).toBe(2);
    expect(validator.check(getSum, '{"a": 1}').ok).toBe(false);
    expect(validator.compiledCount).toBe(2);
  });

  it('forgets the least recently used versions beyond maxCached', () => {
    const validator = createArgumentValidator({ maxCached: 2 });
    const version = (v: string) => ({ ...getSum, version: v });
    validator.check(version('1'), '{}');
    validator.check(version('2'), '{}');
    validator.check(version('1'), '{}'); // 1 is now the most recent
    validator.check(version('3'), '{}'); // evicts 2
    expect(validator.compiledCount).toBe(3);
    validator.check(version('1'), '{}');
    expect(validator.compiledCount).toBe(3);
    validator.check(version('2'), '{}');
    expect(validator.compiledCount).toBe(4);
  });

  it('can share one validator (and its cache) with other checks', () => {
    const shared = createJsonSchemaValidator();
    const validator = createArgumentValidator({ validator: shared });
    validator.check(getSum, '{"a":1,"b":2}');
    expect(shared.compiledCount).toBe(1);
    expect(validator.compiledCount).toBe(shared.compiledCount);
  });
});

describe('createArgumentValidator: the process-wide cache', () => {
  const numbered = (i: number): ArgumentsTool => ({
    mcpName: `tool_${i}`,
    version: `v${i}`,
    inputSchema: { type: 'object', properties: { [`field_${i}`]: { type: 'string', format: 'email', pattern: `^x${i}` } }, required: [`field_${i}`] },
  });

  it('compiles a tool once however many sessions (checkers) use it', () => {
    const cache = new CompiledSchemaCache();
    for (let session = 0; session < 50; session++) {
      const validator = createArgumentValidator({ cache });
      expect(validator.check(getSum, '{"a":1}').ok).toBe(false);
      expect(validator.check(getSum, '{"a":1,"b":2}').ok).toBe(true);
    }
    expect(cache.stats()).toMatchObject({ entries: 1, compiles: 1 });
  });

  it('compiles again when a key comes back with other content, and checks against the new content', () => {
    const cache = new CompiledSchemaCache();
    createArgumentValidator({ cache }).check(getSum, '{}');
    // The same name and version, another schema: a lying server, or a version hash collision made on purpose.
    const impostor = { ...getSum, inputSchema: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] } };
    const check = createArgumentValidator({ cache }).check(impostor, '{"a":"text"}');
    expect(check.ok).toBe(true);
    expect(cache.stats().compiles).toBe(2);
    // An equal copy of the schema (another session's listing) is no new compile.
    createArgumentValidator({ cache }).check({ ...impostor, inputSchema: structuredClone(impostor.inputSchema) }, '{}');
    expect(cache.stats().compiles).toBe(2);
  });

  it('stays bounded: N distinct schemas through it keep maxEntries validators, and ajv keeps none of them', () => {
    const cache = new CompiledSchemaCache({ maxEntries: 20 });
    for (let i = 0; i < 300; i++) {
      const validator = createArgumentValidator({ cache });
      expect(validator.check(numbered(i), JSON.stringify({ [`field_${i}`]: 'nope' })).ok).toBe(false);
      expect(cache.stats().entries).toBeLessThanOrEqual(20);
      // What ajv registered while compiling (the schema, the function, its pattern and format) is released each time.
      expect(ajvRetainedValues()).toBe(0);
    }
    expect(cache.stats()).toEqual({ entries: 20, maxEntries: 20, compiles: 300 });
  });

  it('keeps validators compiled before a release working (they hold what they need)', () => {
    const cache = new CompiledSchemaCache();
    const early = createArgumentValidator({ cache });
    expect(early.check(saveTree, '{"root":{"name":"a","children":[{"name":"b","extra":1}]}}').ok).toBe(false);
    for (let i = 0; i < 20; i++) createArgumentValidator({ cache }).check(numbered(1000 + i), '{}');
    expect(early.check(saveTree, '{"root":{"name":"a","children":[{"name":"b"}]}}').ok).toBe(true);
    expect(early.check(saveTree, '{"root":{"name":"a","children":[{"name":"b","extra":1}]}}').ok).toBe(false);
    expect(early.check(createEvent, '{"title":"t","start":"not a date"}').ok).toBe(false);
  });
});

describe('createArgumentValidator: properties', () => {
  const strict = { ...createEvent, version: 'prop' };

  it('never throws, whatever the text, and always answers in the documented shape', () => {
    const validator = createArgumentValidator();
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v)));
    fc.assert(
      fc.property(text, fc.constantFrom(getSum, strict, saveTree, getTinyImage), (argumentsText, tool) => {
        const check = validator.check(tool, argumentsText);
        if (check.ok) {
          expect(typeof check.args).toBe('object');
          expect(Array.isArray(check.args)).toBe(false);
        } else {
          expect(check.message).toMatch(/^Invalid arguments for tool ".+": [^]+\. Please call the tool again with corrected arguments\.$/);
          expect(check.problems.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on values that are not text at all', () => {
    const validator = createArgumentValidator();
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(() => validator.check(getSum, value as string)).not.toThrow();
      }),
    );
  });

  it('keeps the model-facing message short however many fields fail', () => {
    const validator = createArgumentValidator();
    const junk = fc.dictionary(fc.string({ maxLength: 300 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 40 });
    fc.assert(
      fc.property(junk, (args) => {
        const check = validator.check(strict, JSON.stringify(args));
        if (!check.ok) expect(check.message.length).toBeLessThan(1500);
      }),
      { numRuns: 200 },
    );
  });

  it('accepts exactly the well-typed get-sum arguments, and gives them back unchanged', () => {
    const validator = createArgumentValidator();
    const number = fc.double({ noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(fc.record({ a: number, b: number }), (args) => {
        const text = JSON.stringify(args);
        expect(validator.check(getSum, text)).toEqual({ ok: true, args: JSON.parse(text) });
      }),
    );
    expect(validator.compiledCount).toBe(1);
  });
});
