/**
 * Validators read an object's fields; JSON.stringify writes what `toJSON`, a Map's emptiness or a
 * class's own enumerable fields make of it. Where the two can differ, an event that passed
 * validation could leave as text that does not. Plain data cannot differ: objects whose prototype
 * is Object.prototype or null, arrays, and primitives.
 */
import { escapePointerToken } from '../jsonPointer.js';

export interface NotPlainJson {
  /** JSON pointer to the value, "" for the root. */
  readonly path: string;
  /** What it is, e.g. "Map", "Date with toJSON", "class instance". */
  readonly what: string;
}

/**
 * The first value in `value` that is not plain JSON data, or undefined. Walks what JSON.stringify
 * walks (own enumerable string keys), so call it on a value JSON.stringify accepted: that one has
 * no cycles, and a non-plain object stops the walk before its fields.
 */
export function findNotPlainJson(value: unknown): NotPlainJson | undefined {
  const found = walk(value);
  if (found === undefined) return undefined;
  // The keys were collected on the way back up: the path is only built for a value that is found.
  return { path: found.keys.reverse().map((key) => `/${escapePointerToken(key)}`).join(''), what: found.what };
}

function walk(value: unknown): { keys: string[]; what: string } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return { keys: [], what: `${kindOf(value)} with toJSON` };
  if (Array.isArray(value)) {
    if (prototype !== Array.prototype) return { keys: [], what: 'array subclass' };
    for (let index = 0; index < value.length; index++) {
      const found = walk(value[index]);
      if (found !== undefined) {
        found.keys.push(String(index));
        return found;
      }
    }
    return undefined;
  }
  if (prototype !== Object.prototype && prototype !== null) return { keys: [], what: kindOf(value) };
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const found = walk((value as Record<string, unknown>)[key]);
    if (found !== undefined) {
      found.keys.push(key);
      return found;
    }
  }
  return undefined;
}

function kindOf(value: object): string {
  // "[object Date]" → "Date". A plain object, or a class instance without a tag, reads "Object".
  const tag = Object.prototype.toString.call(value).slice('[object '.length, -1);
  if (tag !== 'Object') return tag;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null ? 'object' : 'class instance';
}
