/**
 * Ids that change from run to run (event, response, item and call ids, MCP session ids) become
 * stable placeholders `<id:kind:n>` in a recording, so that two recordings of the same scenario
 * diff cleanly. A replay compares ids through a one-to-one mapping instead (matchIds).
 */
import { escapePointerToken } from '../jsonPointer.js';

/** Keys whose string values are ids, whatever they look like. */
const ID_KEYS = new Set(['event_id', 'response_id', 'item_id', 'call_id', 'previous_item_id', 'approval_request_id', 'conversation_id', 'approvalId', 'callId']);
/** A generated id under an `id` key: a short prefix, an underscore, a random tail. */
const GENERATED_ID = /^([a-z]{2,8})_([A-Za-z0-9]{8,})$/;
// Kinds taken from a key keep its underscores (previous_item_id → previous_item).
const PLACEHOLDER = /^<id:[a-z0-9_-]+:\d+>$/;

export function isIdPlaceholder(value: unknown): value is string {
  return typeof value === 'string' && PLACEHOLDER.test(value);
}

export interface IdNormalizer {
  /** A deep copy with every id replaced by its placeholder. */
  normalize<T>(value: T): T;
  /** The placeholder for one id (a new one the first time), e.g. for an `mcp-session-id` header. */
  placeholder(id: string, kind: string): string;
  /** Placeholder → the id it stands for. */
  mapping(): Record<string, string>;
}

/** `onNew` hears each id the first time it gets its placeholder (to keep the mapping as it grows). */
export function createIdNormalizer(onNew?: (placeholder: string, id: string) => void): IdNormalizer {
  const byId = new Map<string, string>();
  const counts = new Map<string, number>();

  const placeholder = (id: string, kind: string): string => {
    if (isIdPlaceholder(id)) return id;
    const existing = byId.get(id);
    if (existing !== undefined) return existing;
    const n = (counts.get(kind) ?? 0) + 1;
    counts.set(kind, n);
    const made = `<id:${kind}:${n}>`;
    byId.set(id, made);
    onNew?.(made, id);
    return made;
  };

  const kindOf = (key: string, value: string): string | undefined => {
    const prefix = GENERATED_ID.exec(value)?.[1];
    if (ID_KEYS.has(key)) return prefix ?? key.replace(/_?[iI]d$/, '');
    if (key === 'id' && prefix !== undefined) return prefix;
    return undefined;
  };

  const walk = (value: unknown, key: string): unknown => {
    if (typeof value === 'string') {
      const kind = kindOf(key, value);
      return kind === undefined ? value : placeholder(value, kind);
    }
    if (Array.isArray(value)) return value.map((item) => walk(item, key));
    // fromEntries defines own properties: a "__proto__" key of parsed JSON stays data, not a prototype.
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([childKey, child]) => [childKey, walk(child, childKey)]));
    return value;
  };

  return {
    normalize: <T>(value: T) => walk(value, '') as T,
    placeholder,
    mapping: () => Object.fromEntries([...byId].map(([id, made]) => [made, id])),
  };
}

export type IdMatch = { ok: true } | { ok: false; path: string; expected: unknown; actual: unknown };

/**
 * Deep equality where a placeholder in `expected` matches any string in `actual`, as long as one
 * placeholder always stands for the same id and one id for the same placeholder (`bindings` keeps
 * that across calls). Object key order does not matter.
 */
export function matchIds(expected: unknown, actual: unknown, bindings: Map<string, string>, path = ''): IdMatch {
  if (isIdPlaceholder(expected) && typeof actual === 'string') {
    const bound = bindings.get(expected);
    if (bound === undefined) {
      for (const [placeholder, id] of bindings) {
        if (id === actual && placeholder !== expected) return { ok: false, path, expected, actual: `${actual} (already stands for ${placeholder})` };
      }
      bindings.set(expected, actual);
      return { ok: true };
    }
    return bound === actual ? { ok: true } : { ok: false, path, expected: `${expected} (= ${bound})`, actual };
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return { ok: false, path, expected, actual };
    for (let i = 0; i < expected.length; i++) {
      const inner = matchIds(expected[i], actual[i], bindings, `${path}/${i}`);
      if (!inner.ok) return inner;
    }
    return { ok: true };
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return { ok: false, path, expected, actual };
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of keys) {
      const inner = matchIds(ownField(expected, key), ownField(actual, key), bindings, `${path}/${escapePointerToken(key)}`);
      if (!inner.ok) return inner;
    }
    return { ok: true };
  }
  return Object.is(expected, actual) ? { ok: true } : { ok: false, path, expected, actual };
}

/** A field the object has itself: a key such as "__proto__" or "toString" that it lacks is missing, not inherited. */
function ownField(object: object, key: string): unknown {
  return Object.hasOwn(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}
