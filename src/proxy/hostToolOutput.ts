/**
 * A host tool's return value → the one `function_call_output` string: a string as it is, anything
 * else as JSON, `undefined` (or nothing JSON can hold) as `{"ok":true}`, the model being owed an
 * answer either way. Host values are hostile like any other input: cycles, BigInts, getters and
 * `toJSON`s that throw, revoked proxies. None of them may turn a finished call into a crash, so
 * the value is copied into a plain JSON tree first, each read guarded. Then, as for MCP results,
 * base64 and binary payloads become placeholders, known secrets are scrubbed (before the cap, so a
 * secret is never cut in two by it), and the text is capped at `maxOutputBytes`.
 */
import { binarySafeJson, replaceBinaryInText } from '../mcp/binaryPayloads.js';
import { truncateOutput } from '../mcp/results.js';
import type { Redactor } from '../redaction/index.js';

/** What the model hears from a tool that returned nothing. */
export const DONE_OUTPUT = '{"ok":true}';

const MAX_DEPTH = 64;
/** A value this big is far past any output cap: the walk stops there rather than copy it all. */
const MAX_NODES = 20_000;
const CIRCULAR = '[Circular]';
const UNREADABLE = '[unreadable: reading it threw]';
const CUT = '[…]';

export function hostToolOutput(value: unknown, redactor: Redactor, maxOutputBytes: number): string {
  if (typeof value === 'string') return truncateOutput(redactor.scrub(replaceBinaryInText(value)), maxOutputBytes);
  const json = binarySafeJson(redactor.scrubValue(toJsonTree(value)));
  return truncateOutput(json ?? DONE_OUTPUT, maxOutputBytes);
}

/**
 * A copy of `value` that JSON.stringify cannot fail on: plain objects, arrays, strings, finite
 * numbers, booleans and null. BigInts become their digits, cycles `[Circular]` (a repeated, not
 * cyclic, reference is copied again), Maps objects, Sets arrays, and whatever throws when read a
 * marker saying so. `undefined`, functions and symbols are left out as JSON leaves them out.
 */
export function toJsonTree(value: unknown): unknown {
  let nodes = 0;
  const ancestors = new Set<object>();
  const walk = (current: unknown, depth: number): unknown => {
    if (++nodes > MAX_NODES) return CUT;
    switch (typeof current) {
      case 'string':
      case 'boolean':
        return current;
      case 'number':
        return Number.isFinite(current) ? current : null;
      case 'bigint':
        return current.toString();
      case 'undefined':
      case 'function':
      case 'symbol':
        return undefined;
    }
    if (current === null) return null;
    const object = current as object;
    if (ancestors.has(object)) return CIRCULAR;
    if (depth >= MAX_DEPTH) return CUT;
    ancestors.add(object);
    try {
      return copyObject(object, (field) => walk(field, depth + 1));
    } catch {
      // A revoked proxy, a throwing `toJSON` or `ownKeys` trap: the object cannot be read at all.
      return UNREADABLE;
    } finally {
      ancestors.delete(object);
    }
  };
  return walk(value, 0);
}

function copyObject(object: object, walk: (field: unknown) => unknown): unknown {
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    const replaced: unknown = toJSON.call(object, '');
    // A toJSON that returns its own object (or another with a toJSON) is walked once more, within the depth limit.
    return replaced === object ? copyFields(object, walk) : walk(replaced);
  }
  if (Array.isArray(object)) {
    const items: unknown[] = [];
    const length = object.length;
    for (let index = 0; index < length; index++) items.push(walk(read(object, index)) ?? null);
    return items;
  }
  if (object instanceof Map) {
    const copy: Record<string, unknown> = {};
    for (const [key, field] of object) define(copy, typeof key === 'string' ? key : (JSON.stringify(walk(key)) ?? typeof key), walk(field));
    return copy;
  }
  if (object instanceof Set) return [...object].map((item) => walk(item) ?? null);
  return copyFields(object, walk);
}

function copyFields(object: object, walk: (field: unknown) => unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(object)) define(copy, key, walk(read(object, key)));
  return copy;
}

function read(object: object, key: PropertyKey): unknown {
  try {
    return (object as Record<PropertyKey, unknown>)[key];
  } catch {
    return UNREADABLE;
  }
}

/** An own property even for "__proto__" (assignment would set the prototype instead); undefined is left out. */
function define(target: Record<string, unknown>, key: string, field: unknown): void {
  if (field === undefined) return;
  Object.defineProperty(target, key, { value: field, enumerable: true, writable: true, configurable: true });
}
