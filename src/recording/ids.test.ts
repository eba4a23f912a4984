import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createIdNormalizer, isIdPlaceholder, matchIds, type IdMatch } from './ids.js';

const ids = {
  event1: 'event_DAqQ80vZgvfK1YQv12OeU',
  event2: 'event_DAqq6pZhyailkcqK7Hte8',
  resp1: 'resp_CVtdlJbqWyMq8n2NXbQ5A',
  resp2: 'resp_CVtdmOAqQ2Pz4R6xL9kWd',
  item1: 'item_CVtdlKP0v7dbQ8dWW4kgl',
  call1: 'call_x0VqkxT7lMeDcjk4',
  sess1: 'sess_CVtdkU1o6hXU2BqJ8f1Fs',
};

function expectMismatch(result: IdMatch): Extract<IdMatch, { ok: false }> {
  if (result.ok) expect.fail('expected a mismatch, got ok');
  return result;
}

/** Every string of a JSON value, keys excluded. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(strings);
  return [];
}

describe('isIdPlaceholder', () => {
  it('recognises placeholders, and nothing else', () => {
    for (const yes of ['<id:resp:1>', '<id:mcp-session:12>', '<id:item:300>']) expect(isIdPlaceholder(yes)).toBe(true);
    for (const no of ['<id:resp>', '<id::1>', 'id:resp:1', '<id:Resp:1>', '<id:resp:1> ', ' <id:resp:1>', '<id:resp:x>', 42, null, undefined]) {
      expect(isIdPlaceholder(no)).toBe(false);
    }
  });
});

describe('createIdNormalizer().normalize', () => {
  it('replaces prefixed ids under id-like keys with <id:prefix:n>', () => {
    const normalizer = createIdNormalizer();
    const out = normalizer.normalize({ type: 'response.output_item.done', event_id: ids.event1, response_id: ids.resp1, item: { id: ids.item1, call_id: ids.call1 } });
    expect(out).toStrictEqual({ type: 'response.output_item.done', event_id: '<id:event:1>', response_id: '<id:resp:1>', item: { id: '<id:item:1>', call_id: '<id:call:1>' } });
  });

  it('gives the same id the same placeholder everywhere, across calls', () => {
    const normalizer = createIdNormalizer();
    const first = normalizer.normalize({ response: { id: ids.resp1 } });
    const second = normalizer.normalize({ response_id: ids.resp1, items: [{ id: ids.item1 }, { previous_item_id: ids.item1 }] });
    expect(first).toStrictEqual({ response: { id: '<id:resp:1>' } });
    expect(second).toStrictEqual({ response_id: '<id:resp:1>', items: [{ id: '<id:item:1>' }, { previous_item_id: '<id:item:1>' }] });
  });

  it('counts per kind: a new id of a kind takes the next number of that kind only', () => {
    const normalizer = createIdNormalizer();
    const out = normalizer.normalize([{ event_id: ids.event1 }, { response_id: ids.resp1 }, { event_id: ids.event2 }, { response_id: ids.resp2 }, { event_id: ids.event1 }]);
    expect(out).toStrictEqual([{ event_id: '<id:event:1>' }, { response_id: '<id:resp:1>' }, { event_id: '<id:event:2>' }, { response_id: '<id:resp:2>' }, { event_id: '<id:event:1>' }]);
  });

  it('takes the kind from the key for an id key whose value has no generated prefix', () => {
    const normalizer = createIdNormalizer();
    const out = normalizer.normalize({ event_id: 'event_client_0007', item_id: 'msg-1', call_id: 'abc', conversation_id: 'c1' });
    expect(out).toStrictEqual({ event_id: '<id:event:1>', item_id: '<id:item:1>', call_id: '<id:call:1>', conversation_id: '<id:conversation:1>' });
  });

  it('makes placeholders it can recognise again from keys with an underscore (previous_item_id, approval_request_id)', () => {
    const normalizer = createIdNormalizer();
    const out = normalizer.normalize({ previous_item_id: 'root', approval_request_id: 'ask-1' });
    expect(isIdPlaceholder(out.previous_item_id)).toBe(true);
    expect(isIdPlaceholder(out.approval_request_id)).toBe(true);
    expect(out.previous_item_id).not.toBe(out.approval_request_id);
    expect(normalizer.normalize(out)).toStrictEqual(out);
  });

  it('replaces an `id` only when it looks generated', () => {
    const normalizer = createIdNormalizer();
    const input = {
      jsonrpc: '2.0',
      id: 7,
      nested: [{ id: 'short_1' }, { id: 'abc' }, { id: 'NoPrefix1234567890' }, { id: 'toolongprefix_ABCDEFGH12' }, { id: 'Resp_ABCDEFGH12' }, { id: 'resp_ABCDEFGH-2' }],
    };
    expect(normalizer.normalize(input)).toStrictEqual(input);
    expect(normalizer.normalize({ id: 'mcpr_ABCDEFGH' })).toStrictEqual({ id: '<id:mcpr:1>' });
    expect(normalizer.mapping()).toStrictEqual({ '<id:mcpr:1>': 'mcpr_ABCDEFGH' });
  });

  it('does not replace ids under ordinary keys, nor ids as keys', () => {
    const input = { name: ids.resp1, text: `see ${ids.item1}`, [ids.call1]: 'x', ids: [ids.event1] };
    expect(createIdNormalizer().normalize(input)).toStrictEqual(input);
  });

  it('replaces every string of an array under an id key, and leaves numbers and null', () => {
    const out = createIdNormalizer().normalize({ item_id: [ids.item1, 'x'], event_id: null, response_id: 3 });
    expect(out).toStrictEqual({ item_id: ['<id:item:1>', '<id:item:2>'], event_id: null, response_id: 3 });
  });

  it('keeps existing placeholders as they are, and leaves them out of the mapping', () => {
    const normalizer = createIdNormalizer();
    const out = normalizer.normalize({ event_id: '<id:event:9>', item_id: '<id:item:4>' });
    expect(out).toStrictEqual({ event_id: '<id:event:9>', item_id: '<id:item:4>' });
    expect(normalizer.mapping()).toStrictEqual({});
  });

  it('returns a deep copy and leaves the input alone', () => {
    const input = { response: { id: ids.resp1, output: [{ id: ids.item1 }] }, keep: { a: 1 } };
    const snapshot = structuredClone(input);
    const out = createIdNormalizer().normalize(input);
    expect(input).toStrictEqual(snapshot);
    expect(out.keep).toStrictEqual(input.keep);
    expect(out.keep).not.toBe(input.keep);
  });

  it('keeps a "__proto__" key of parsed JSON as data', () => {
    const input = JSON.parse(`{"__proto__":{"id":"${ids.resp1}"},"a":1}`) as Record<string, unknown>;
    const out = createIdNormalizer().normalize(input);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"id":"<id:resp:1>"},"a":1}');
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});

describe('wire ids named like Object.prototype properties', () => {
  const hostile = { item_id: '__proto__', call_id: 'toString', response_id: 'constructor', event_id: 'hasOwnProperty', previous_item_id: 'valueOf' };

  it('become placeholders like any other id, and map back to themselves', () => {
    const normalizer = createIdNormalizer();
    const out = normalizer.normalize({ ...hostile, item: { id: '__proto__', call_id: 'toString' } });
    expect(out).toStrictEqual({
      item_id: '<id:item:1>',
      call_id: '<id:call:1>',
      response_id: '<id:response:1>',
      event_id: '<id:event:1>',
      previous_item_id: '<id:previous_item:1>',
      item: { id: '__proto__', call_id: '<id:call:1>' }, // an `id` that does not look generated stays
    });
    expect(Object.entries(normalizer.mapping())).toStrictEqual([
      ['<id:item:1>', '__proto__'],
      ['<id:call:1>', 'toString'],
      ['<id:response:1>', 'constructor'],
      ['<id:event:1>', 'hasOwnProperty'],
      ['<id:previous_item:1>', 'valueOf'],
    ]);
  });

  it('bind placeholders in a replay, one to one', () => {
    const bindings = new Map<string, string>();
    expect(matchIds({ call_id: '<id:call:1>', item_id: '<id:item:1>' }, { call_id: 'toString', item_id: '__proto__' }, bindings)).toStrictEqual({ ok: true });
    expect([...bindings]).toStrictEqual([
      ['<id:call:1>', 'toString'],
      ['<id:item:1>', '__proto__'],
    ]);
    expect(expectMismatch(matchIds({ call_id: '<id:call:2>' }, { call_id: 'toString' }, bindings)).actual).toBe('toString (already stands for <id:call:1>)');
  });

  it('as keys, compare as own fields only: a missing "__proto__" or "constructor" field is missing, not Object.prototype', () => {
    const withProto = JSON.parse('{"type":"x","__proto__":{}}') as unknown;
    expect(expectMismatch(matchIds(withProto, { type: 'x' }, new Map()))).toStrictEqual({ ok: false, path: '/__proto__', expected: {}, actual: undefined });
    expect(expectMismatch(matchIds({ type: 'x' }, withProto, new Map()))).toStrictEqual({ ok: false, path: '/__proto__', expected: undefined, actual: {} });
    const withToString = JSON.parse('{"toString":"x"}') as unknown;
    expect(expectMismatch(matchIds(withToString, {}, new Map()))).toStrictEqual({ ok: false, path: '/toString', expected: 'x', actual: undefined });
    expect(matchIds(JSON.parse('{"constructor":{"a":1}}'), JSON.parse('{"constructor":{"a":1}}'), new Map())).toStrictEqual({ ok: true });
  });
});

describe('createIdNormalizer().placeholder and mapping', () => {
  it('makes a placeholder of a given kind, the same one for the same id', () => {
    const normalizer = createIdNormalizer();
    const a = normalizer.placeholder('1868a90c-7f4e-4c38-9a8e-1e6c1d5c3a77', 'mcp-session');
    const b = normalizer.placeholder('2f0e6c55-91c1-4e59-bd49-54aa1b0a3c10', 'mcp-session');
    expect(a).toBe('<id:mcp-session:1>');
    expect(b).toBe('<id:mcp-session:2>');
    expect(normalizer.placeholder('1868a90c-7f4e-4c38-9a8e-1e6c1d5c3a77', 'mcp-session')).toBe(a);
    expect(normalizer.placeholder(a, 'mcp-session')).toBe(a);
  });

  it('shares one table with normalize: an id already seen keeps its placeholder', () => {
    const normalizer = createIdNormalizer();
    const made = normalizer.normalize({ response_id: ids.resp1 }).response_id;
    expect(normalizer.placeholder(ids.resp1, 'other')).toBe(made);
  });

  it('maps each placeholder back to its id', () => {
    const normalizer = createIdNormalizer();
    normalizer.normalize({ event_id: ids.event1, response: { id: ids.resp1, output: [{ id: ids.item1, call_id: ids.call1 }] } });
    normalizer.placeholder('session-uuid', 'mcp-session');
    expect(normalizer.mapping()).toStrictEqual({
      '<id:event:1>': ids.event1,
      '<id:resp:1>': ids.resp1,
      '<id:item:1>': ids.item1,
      '<id:call:1>': ids.call1,
      '<id:mcp-session:1>': 'session-uuid',
    });
  });

  it('tells onNew about each id once, when it first gets its placeholder', () => {
    const heard: Array<[string, string]> = [];
    const normalizer = createIdNormalizer((placeholder, id) => heard.push([placeholder, id]));
    normalizer.normalize({ call_id: 'call_A', item: { call_id: 'call_A', id: ids.item1 } });
    normalizer.placeholder('call_A', 'call');
    normalizer.placeholder('<id:call:7>', 'call');
    expect(heard).toStrictEqual([
      ['<id:call:1>', 'call_A'],
      ['<id:item:1>', ids.item1],
    ]);
    expect(Object.fromEntries(heard)).toStrictEqual(normalizer.mapping());
  });

  it('returns a fresh mapping object each time', () => {
    const normalizer = createIdNormalizer();
    normalizer.placeholder('x-id-1', 'x');
    const mapping = normalizer.mapping();
    mapping['<id:x:9>'] = 'tampered';
    expect(normalizer.mapping()).toStrictEqual({ '<id:x:1>': 'x-id-1' });
  });
});

describe('matchIds', () => {
  it('matches equal values, whatever the key order', () => {
    expect(matchIds({ a: 1, b: { c: [1, 'x', null, true] } }, { b: { c: [1, 'x', null, true] }, a: 1 }, new Map())).toStrictEqual({ ok: true });
  });

  it('lets a placeholder match any string, and binds it', () => {
    const bindings = new Map<string, string>();
    expect(matchIds({ response_id: '<id:resp:1>' }, { response_id: 'resp_live_1' }, bindings)).toStrictEqual({ ok: true });
    expect(bindings.get('<id:resp:1>')).toBe('resp_live_1');
  });

  it('does not let a placeholder match a non-string', () => {
    for (const actual of [1, null, true, {}, []]) {
      const mismatch = expectMismatch(matchIds({ id: '<id:resp:1>' }, { id: actual }, new Map()));
      expect(mismatch.path).toBe('/id');
    }
  });

  it('holds a placeholder to the id it was first bound to, within one value', () => {
    const mismatch = expectMismatch(matchIds([{ id: '<id:item:1>' }, { id: '<id:item:1>' }], [{ id: 'a' }, { id: 'b' }], new Map()));
    expect(mismatch.path).toBe('/1/id');
    expect(String(mismatch.expected)).toContain('<id:item:1>');
    expect(String(mismatch.expected)).toContain('a');
    expect(mismatch.actual).toBe('b');
  });

  it('holds one id to one placeholder (the other direction)', () => {
    const mismatch = expectMismatch(matchIds(['<id:item:1>', '<id:item:2>'], ['same', 'same'], new Map()));
    expect(mismatch.path).toBe('/1');
    expect(String(mismatch.actual)).toContain('<id:item:1>');
  });

  it('keeps bindings across calls that share the map, both ways', () => {
    const bindings = new Map<string, string>();
    expect(matchIds({ item_id: '<id:item:1>' }, { item_id: 'x1' }, bindings).ok).toBe(true);
    expect(matchIds({ item_id: '<id:item:1>' }, { item_id: 'x1' }, bindings).ok).toBe(true);
    expect(expectMismatch(matchIds({ item_id: '<id:item:1>' }, { item_id: 'x2' }, bindings)).path).toBe('/item_id');
    expect(expectMismatch(matchIds({ item_id: '<id:item:2>' }, { item_id: 'x1' }, bindings)).path).toBe('/item_id');
    expect(matchIds({ item_id: '<id:item:2>' }, { item_id: 'x2' }, bindings).ok).toBe(true);
    // A fresh map forgets them.
    expect(matchIds({ item_id: '<id:item:2>' }, { item_id: 'x1' }, new Map()).ok).toBe(true);
  });

  it('compares placeholder-free strings exactly', () => {
    expect(expectMismatch(matchIds({ type: 'response.create' }, { type: 'response.cancel' }, new Map()))).toMatchObject({ path: '/type', expected: 'response.create', actual: 'response.cancel' });
    // A placeholder in `actual` is just a string.
    expect(matchIds({ id: 'resp_1' }, { id: '<id:resp:1>' }, new Map()).ok).toBe(false);
  });

  it('compares arrays by index and by length', () => {
    expect(expectMismatch(matchIds([1, 2], [2, 1], new Map())).path).toBe('/0');
    expect(expectMismatch(matchIds({ a: [1, 2] }, { a: [1, 2, 3] }, new Map()))).toMatchObject({ path: '/a', expected: [1, 2], actual: [1, 2, 3] });
    expect(expectMismatch(matchIds({ a: [1, 2, 3] }, { a: [1, 2] }, new Map())).path).toBe('/a');
  });

  it('does not confuse arrays with objects, or objects with null', () => {
    expect(expectMismatch(matchIds({ a: [] }, { a: {} }, new Map())).path).toBe('/a');
    expect(expectMismatch(matchIds({ a: {} }, { a: [] }, new Map())).path).toBe('/a');
    expect(expectMismatch(matchIds({ a: {} }, { a: null }, new Map())).path).toBe('/a');
    expect(expectMismatch(matchIds({ a: { 0: 'x' } }, { a: ['x'] }, new Map())).path).toBe('/a');
  });

  it('reports a missing key and an extra key at the key, with undefined on the side that lacks it', () => {
    expect(expectMismatch(matchIds({ a: 1, b: 2 }, { a: 1 }, new Map()))).toMatchObject({ path: '/b', expected: 2, actual: undefined });
    expect(expectMismatch(matchIds({ a: 1 }, { a: 1, extra: true }, new Map()))).toMatchObject({ path: '/extra', expected: undefined, actual: true });
  });

  it('gives the JSON pointer of the first difference, deep inside', () => {
    const expected = { response: { output: [{ content: [{ text: 'hi' }] }] } };
    const actual = { response: { output: [{ content: [{ text: 'ho' }] }] } };
    expect(expectMismatch(matchIds(expected, actual, new Map()))).toMatchObject({ path: '/response/output/0/content/0/text', expected: 'hi', actual: 'ho' });
    expect(expectMismatch(matchIds(1, 2, new Map())).path).toBe('');
  });

  it('escapes "~" and "/" in keys, as JSON pointers do', () => {
    expect(expectMismatch(matchIds({ 'a/b': { 'c~d': 1 } }, { 'a/b': { 'c~d': 2 } }, new Map())).path).toBe('/a~1b/c~0d');
  });

  it('treats NaN as equal to NaN and 0 as different from -0 (Object.is)', () => {
    expect(matchIds({ x: Number.NaN }, { x: Number.NaN }, new Map()).ok).toBe(true);
    expect(matchIds(0, -0, new Map()).ok).toBe(false);
  });
});

describe('id properties', () => {
  const tail = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'), minLength: 8, maxLength: 22 });
  const generatedId = fc.tuple(fc.constantFrom('event', 'resp', 'item', 'call', 'sess', 'conv', 'mcpr', 'fc'), tail).map(([prefix, rest]) => `${prefix}_${rest}`);
  /** A few ids shared across the value, so that the same id shows up more than once. */
  const idPool = fc.uniqueArray(fc.oneof(generatedId, fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !isIdPlaceholder(s))), { minLength: 1, maxLength: 6 });
  const idKeys = ['id', 'event_id', 'response_id', 'item_id', 'call_id', 'previous_item_id', 'approval_request_id', 'conversation_id'];
  /** Strings that are not placeholders already (a literal `<id:…>` in the input is a placeholder by definition). */
  const text = fc.string().filter((s) => !isIdPlaceholder(s));

  const jsonWithIds = idPool.chain((pool) => {
    const id = fc.constantFrom(...pool);
    const leaf = fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null), id);
    const key = fc.oneof(fc.constantFrom(...idKeys, 'type', 'name', 'value'), fc.string({ maxLength: 8 }));
    return fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(key, fc.oneof(tie('node'), id), { maxKeys: 5, noNullPrototype: true }),
      ),
    })).node;
  });

  it('normalising is idempotent: a normalised value normalises to itself', () => {
    fc.assert(
      fc.property(jsonWithIds, (value) => {
        const normalizer = createIdNormalizer();
        const once = normalizer.normalize(value);
        expect(normalizer.normalize(once)).toStrictEqual(once);
        expect(createIdNormalizer().normalize(once)).toStrictEqual(once);
      }),
      { numRuns: 500 },
    );
  });

  it('a normalised value matches the value it came from, and binds each placeholder to its id', () => {
    fc.assert(
      fc.property(jsonWithIds, (value) => {
        const normalizer = createIdNormalizer();
        const normalized = normalizer.normalize(value);
        const bindings = new Map<string, string>();
        expect(matchIds(normalized, value, bindings)).toStrictEqual({ ok: true });
        for (const [placeholder, id] of bindings) expect(normalizer.mapping()[placeholder]).toBe(id);
      }),
      { numRuns: 500 },
    );
  });

  it('a normalised value matches the same value with every id renamed one-to-one', () => {
    fc.assert(
      fc.property(jsonWithIds, (value) => {
        const normalizer = createIdNormalizer();
        const normalized = normalizer.normalize(value);
        // Run the ids of the recording through a bijection: what a live session would produce instead.
        const mapping = new Map(Object.entries(normalizer.mapping()));
        const live = renameLeaves(normalized, (s) => (mapping.has(s) ? `live_${mapping.get(s)}` : s));
        expect(matchIds(normalized, live, new Map())).toStrictEqual({ ok: true });
        // And a replay that mixed up two ids is caught.
        const placeholders = [...new Set(strings(normalized).filter((s) => isIdPlaceholder(s)))];
        if (placeholders.length >= 2) {
          const [a, b] = placeholders as [string, string];
          const swappedOnce = replaceFirst(live, `live_${mapping.get(a)}`, `live_${mapping.get(b)}`);
          expect(matchIds(normalized, swappedOnce, new Map()).ok).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never leaves a generated id under an id key', () => {
    fc.assert(
      fc.property(jsonWithIds, (value) => {
        const out = createIdNormalizer().normalize(value);
        for (const [key, leaf] of keyedLeaves(out)) {
          if (idKeys.includes(key) && typeof leaf === 'string') expect(/^[a-z]{2,8}_[A-Za-z0-9]{8,}$/.test(leaf)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** A copy with every string leaf passed through `f`. */
function renameLeaves(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((item) => renameLeaves(item, f));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renameLeaves(v, f)]));
  return value;
}

/** A copy where the first string leaf equal to `from` (depth first) becomes `to`. */
function replaceFirst(value: unknown, from: string, to: string): unknown {
  let done = false;
  return renameLeaves(value, (s) => {
    if (done || s !== from) return s;
    done = true;
    return to;
  });
}

/** [nearest key, leaf] for every leaf (array items take the key of their array). */
function keyedLeaves(value: unknown, key = ''): Array<[string, unknown]> {
  if (Array.isArray(value)) return value.flatMap((item) => keyedLeaves(item, key));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => keyedLeaves(v, k));
  return [[key, value]];
}
