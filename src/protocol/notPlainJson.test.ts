import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findNotPlainJson } from './notPlainJson.js';

class Point {
  constructor(readonly x: number) {}
}
class Items extends Array<number> {}

describe('findNotPlainJson', () => {
  it('finds nothing in plain data, including objects without a prototype', () => {
    const bare = Object.assign(Object.create(null) as object, { a: [1, 'two', null, true, { b: {} }] });
    expect(findNotPlainJson({ type: 'response.create', response: { metadata: { k: 'v' } }, list: [[], {}], bare })).toBeUndefined();
    expect(findNotPlainJson('text')).toBeUndefined();
    expect(findNotPlainJson(null)).toBeUndefined();
  });

  it.each([
    ['a Date', { at: { when: new Date(0) } }, '/at/when', 'Date with toJSON'],
    ['a Map', { metadata: new Map([['k', 'v']]) }, '/metadata', 'Map'],
    ['a Set', { list: [1, new Set([1])] }, '/list/1', 'Set'],
    ['a boxed string', { text: new String('x') }, '/text', 'String'],
    ['a typed array', { audio: new Uint8Array(2) }, '/audio', 'Uint8Array'],
    ['a class instance', { tool: new Point(1) }, '/tool', 'class instance'],
    ['an array subclass', { items: Items.from([1]) }, '/items', 'array subclass'],
    ['a plain object with toJSON', { item: { toJSON: () => 'x' } }, '/item', 'object with toJSON'],
    ['an array with toJSON', { list: Object.assign([1], { toJSON: () => 'x' }) }, '/list', 'Array with toJSON'],
    ['the root itself', new Point(2), '', 'class instance'],
  ])('finds %s and points at it', (_name, value, path, what) => {
    expect(findNotPlainJson(value)).toEqual({ path, what });
  });

  it('escapes "~" and "/" in the keys of the path', () => {
    expect(findNotPlainJson({ 'a/b': { '~c': new Date(0) } })?.path).toBe('/a~1b/~0c');
  });

  it('does not descend into a non-plain value (its fields may be cyclic: JSON never reads them)', () => {
    const date = new Date(0) as Date & { self?: unknown };
    date.self = date;
    expect(findNotPlainJson({ date })).toEqual({ path: '/date', what: 'Date with toJSON' });
  });

  it('agrees with JSON: whatever it calls plain reads back from JSON.stringify the same', () => {
    fc.assert(
      fc.property(fc.anything({ withDate: true, withMap: true, withSet: true, withTypedArray: true, withBoxedValues: true, withNullPrototype: true, withSparseArray: true }), (value) => {
        let text: string | undefined;
        try {
          text = JSON.stringify(value);
        } catch {
          return; // BigInt: JSON refuses it, the encoder reports that first
        }
        if (text === undefined || findNotPlainJson(value) !== undefined) return;
        // Plain: re-serializing the parsed text gives the same text (nothing was rewritten on the way).
        expect(JSON.stringify(JSON.parse(text))).toBe(text);
        expect(hasOnlyPlainNodes(value)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

function hasOnlyPlainNodes(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (![Object.prototype, Array.prototype, null].includes(prototype as object | null)) return false;
  return Object.values(value).every(hasOnlyPlainNodes);
}
