/**
 * Realtime takes a function's `parameters` as one self-contained JSON Schema whose root is an
 * object. Most MCP `inputSchema`s already are; the rest carry meta keywords, leave the root `type`
 * out, or spread over `$defs`. This adapts what it can without changing which arguments are valid,
 * says what it changed, and refuses the rest with a reason for the host. Arguments are still
 * checked against the original `inputSchema`, so an adaptation never loosens validation.
 */
import { escapePointerToken, unescapePointerToken } from '../jsonPointer.js';
import type { JsonSchema, RealtimeFunctionTool } from './types.js';

export type ParametersResult = { ok: true; parameters: JsonSchema; changes: string[] } | { ok: false; reason: string };

const META_KEYWORDS = new Set(['$schema', '$id', '$comment']);
const DEFINITIONS = new Set(['$defs', 'definitions']);
const ROOT_UNIONS = ['oneOf', 'anyOf', 'allOf'] as const;
/** Keywords that only make sense for a value that is not an object, so a root with them is not one. */
const NON_OBJECT_KEYWORDS = ['enum', 'const', 'items', 'prefixItems', 'contains', 'minItems', 'maxItems', 'uniqueItems', 'minLength', 'maxLength', 'pattern', 'format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'];
/** Keywords beside a `$ref` that can be merged into the target without changing what validates. */
const ANNOTATIONS = new Set(['title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly', '$comment']);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas', 'dependencies']);
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items']);
const SCHEMA_VALUES = new Set(['additionalProperties', 'additionalItems', 'items', 'contains', 'propertyNames', 'not', 'if', 'then', 'else', 'unevaluatedItems', 'unevaluatedProperties', 'contentSchema']);

const FIX_ON_SERVER = 'Please fix the inputSchema on the MCP server, or leave the tool out with allowedTools.';

/** Thrown deep inside the walk and caught at the top, so refusing needs no plumbing. */
class Refusal {
  constructor(readonly reason: string) {}
}

/** Who the refusal speaks of and what it advises: an MCP server's `inputSchema` by default; a host tool's parameters otherwise. */
export interface ParametersWording {
  /** Default `the inputSchema`. */
  subject?: string;
  /** The "Please …" sentence, in place of the advice for an MCP server (fix it there, or leave the tool out). */
  please?: string;
}

export function toRealtimeParameters(inputSchema: unknown, wording: ParametersWording = {}): ParametersResult {
  const refuse = (reason: string): ParametersResult => {
    const subject = reason.replace('Failed to adapt the inputSchema', `Failed to adapt ${wording.subject ?? 'the inputSchema'}`);
    // Every refusal ends with one "Please …" sentence, which speaks of the MCP server.
    const advice = subject.lastIndexOf(' Please ');
    return { ok: false, reason: wording.please === undefined || advice < 0 ? subject : `${subject.slice(0, advice)} ${wording.please}` };
  };
  if (!isPlainObject(inputSchema)) {
    return refuse(`Failed to adapt the inputSchema: it is ${describeValue(inputSchema)}, not a JSON Schema object. ${FIX_ON_SERVER}`);
  }
  try {
    const changes: string[] = [];
    const body: JsonSchema = {};
    const definitions: JsonSchema = {};
    for (const [keyword, value] of Object.entries(inputSchema)) {
      if (META_KEYWORDS.has(keyword)) changes.push(`Dropped "${keyword}": the model does not need it.`);
      else if (DEFINITIONS.has(keyword)) definitions[keyword] = value;
      else body[keyword] = value;
    }
    const inliner = new RefInliner(inputSchema);
    let parameters = toObjectSchema(inliner.expand(body, ''));
    changes.push(...inliner.changes);
    for (const keyword of Object.keys(definitions)) {
      if (inliner.keptRefs.size > 0) {
        parameters = { ...parameters, [keyword]: definitions[keyword] };
        changes.push(`Kept "${keyword}" as sent, for the references that stay.`);
      } else if (inliner.inlinedRefs.some((ref) => ref.startsWith(`#/${keyword}/`))) {
        changes.push(`Dropped "${keyword}": every reference into it was inlined.`);
      } else {
        changes.push(`Dropped "${keyword}": nothing refers to it.`);
      }
    }
    return { ok: true, parameters: adaptRoot(parameters, changes), changes };
  } catch (error) {
    if (error instanceof Refusal) return refuse(error.reason);
    throw error;
  }
}

export function toRealtimeFunctionTool(tool: { functionName: string; description: string; parameters: JsonSchema }): RealtimeFunctionTool {
  return { type: 'function', name: tool.functionName, description: tool.description, parameters: tool.parameters };
}

function adaptRoot(root: JsonSchema, changes: string[]): JsonSchema {
  const { type } = root;
  const hasProperties = Object.hasOwn(root, 'properties');
  const objectType = type === 'object' || (Array.isArray(type) && type.includes('object'));
  if (type !== undefined && !objectType) {
    throw new Refusal(
      `Failed to adapt the inputSchema: its root "type" is ${JSON.stringify(type)}, and Realtime takes only an object at the root. Please wrap the value in an object property on the MCP server, or leave the tool out with allowedTools.`,
    );
  }
  const union = ROOT_UNIONS.find((keyword) => Object.hasOwn(root, keyword));
  if (union && !hasProperties) {
    throw new Refusal(
      `Failed to adapt the inputSchema: its root is a union ("${union}") with no "properties" of its own, and Realtime takes only a plain object at the root. Please give the tool one object schema (with optional properties) on the MCP server, or leave the tool out with allowedTools.`,
    );
  }
  if (type === undefined) {
    const foreign = NON_OBJECT_KEYWORDS.find((keyword) => Object.hasOwn(root, keyword));
    if (foreign) {
      throw new Refusal(`Failed to adapt the inputSchema: its root has no "type" and uses "${foreign}", so it does not describe an object. ${FIX_ON_SERVER}`);
    }
    changes.push('Added "type": "object" at the root: Realtime needs it.');
  } else if (type !== 'object') {
    // The model always sends its arguments as one object, so the other types could never occur.
    changes.push(`Narrowed the root "type" from ${JSON.stringify(type)} to "object": function arguments are always an object.`);
  }
  // Some OpenAI endpoints reject an object schema without "properties"; an empty one allows the same.
  if (!hasProperties) changes.push('Added empty "properties" at the root: an object schema without them can be rejected.');
  if (type === 'object' && hasProperties) return root;
  const { type: _type, ...rest } = root;
  return { type: 'object', ...(hasProperties ? {} : { properties: {} }), ...rest };
}

/**
 * Replaces each local `$ref` with a copy of what it points at, walking only keywords that hold
 * schemas (a `$ref` inside `default` or `enum` is data). A reference back into itself cannot be
 * inlined: it stays, and the caller keeps `$defs` so it still resolves.
 */
class RefInliner {
  readonly changes: string[] = [];
  readonly inlinedRefs: string[] = [];
  readonly keptRefs = new Set<string>();
  readonly #root: JsonSchema;
  /** Pointers of the targets being inlined, outermost first: a ref to one of them is a cycle. */
  readonly #expanding: string[] = [];
  /** Inlined targets that kept no ref: their copy is the same wherever they are used. */
  readonly #memo = new Map<string, unknown>();
  #keptCount = 0;

  constructor(root: JsonSchema) {
    this.#root = root;
  }

  /** `at` is where `schema` sits in the original document, as a JSON Pointer. */
  expand(schema: unknown, at: string): unknown {
    if (!isPlainObject(schema)) return schema;
    let changed = false;
    const out: JsonSchema = {};
    for (const [keyword, value] of Object.entries(schema)) {
      const next = this.#expandKeyword(keyword, value, `${at}/${escapePointerToken(keyword)}`);
      changed ||= next !== value;
      out[keyword] = next;
    }
    const ref = schema.$ref;
    if (typeof ref !== 'string') return changed ? out : schema;
    const pointer = this.#localPointer(ref, at);
    if (this.#expanding.includes(pointer) || isWithin(at, pointer)) {
      this.#keptCount++;
      if (!this.keptRefs.has(ref)) {
        this.keptRefs.add(ref);
        this.changes.push(`Kept "$ref" ${JSON.stringify(ref)}: it refers to itself, so it cannot be inlined.`);
      }
      return changed ? out : schema;
    }
    const { $ref: _ref, ...siblings } = out;
    return this.#merge(ref, this.#inline(ref, pointer, at), siblings, at);
  }

  #expandKeyword(keyword: string, value: unknown, at: string): unknown {
    if (SCHEMA_MAPS.has(keyword) && isPlainObject(value)) {
      // draft-07 "dependencies" mixes schemas with arrays of names; expand() passes arrays through.
      return mapValues(value, (child, key) => this.expand(child, `${at}/${escapePointerToken(key)}`));
    }
    if (SCHEMA_LISTS.has(keyword) && Array.isArray(value)) {
      return mapValues(value, (child, index) => this.expand(child, `${at}/${index}`));
    }
    if (SCHEMA_VALUES.has(keyword)) return this.expand(value, at);
    return value;
  }

  #inline(ref: string, pointer: string, at: string): unknown {
    if (!this.inlinedRefs.includes(ref)) {
      this.inlinedRefs.push(ref);
      this.changes.push(`Inlined "$ref" ${JSON.stringify(ref)}: Realtime gets one self-contained schema.`);
    }
    if (this.#memo.has(pointer)) return this.#memo.get(pointer);
    const target = this.#resolve(ref, pointer, at);
    const keptBefore = this.#keptCount;
    this.#expanding.push(pointer);
    const expanded = this.expand(target, pointer);
    this.#expanding.pop();
    if (this.#keptCount === keptBefore) this.#memo.set(pointer, expanded);
    return expanded;
  }

  /**
   * Annotations beside a `$ref` are merged into the copy (the server's description wins). Other
   * keywords beside it also constrain the value (2019-09 on), so the copy goes into `allOf` to
   * keep both. Draft-07 would ignore them, but a server that writes them means them.
   */
  #merge(ref: string, target: unknown, siblings: JsonSchema, at: string): unknown {
    const keywords = Object.keys(siblings);
    if (keywords.length === 0) return target;
    const targetSchema = target === true ? {} : target === false ? { not: {} } : (target as JsonSchema);
    // A "type" the target already has adds nothing, and "type" does not interact with other keywords.
    const redundant = (keyword: string) => keyword === 'type' && JSON.stringify(siblings.type) === JSON.stringify(targetSchema.type);
    if (keywords.every((keyword) => ANNOTATIONS.has(keyword) || redundant(keyword))) return { ...targetSchema, ...siblings };
    this.changes.push(`Moved "$ref" ${JSON.stringify(ref)} at ${describePointer(at)} into "allOf", to keep the keywords beside it.`);
    const allOf = Array.isArray(siblings.allOf) ? siblings.allOf : [];
    return { ...siblings, allOf: [...allOf, targetSchema] };
  }

  #localPointer(ref: string, at: string): string {
    if (!ref.startsWith('#')) {
      throw new Refusal(
        `Failed to adapt the inputSchema: the "$ref" ${JSON.stringify(ref)} at ${describePointer(at)} points outside the schema, and Realtime needs one self-contained schema. Please inline the referenced schema on the MCP server, or leave the tool out with allowedTools.`,
      );
    }
    let pointer: string;
    try {
      pointer = decodeURIComponent(ref.slice(1));
    } catch {
      pointer = ref.slice(1);
    }
    if (pointer !== '' && !pointer.startsWith('/')) {
      throw new Refusal(`Failed to adapt the inputSchema: the "$ref" ${JSON.stringify(ref)} at ${describePointer(at)} names an anchor, which this proxy does not resolve. ${FIX_ON_SERVER}`);
    }
    return pointer;
  }

  #resolve(ref: string, pointer: string, at: string): unknown {
    let node: unknown = this.#root;
    for (const segment of pointer.split('/').slice(1).map(unescapePointerToken)) {
      if (Array.isArray(node) && /^(0|[1-9]\d*)$/.test(segment)) node = node[Number(segment)];
      else if (isPlainObject(node) && Object.hasOwn(node, segment)) node = node[segment];
      else node = undefined;
      if (node === undefined) break;
    }
    if (!isPlainObject(node) && typeof node !== 'boolean') {
      throw new Refusal(`Failed to adapt the inputSchema: the "$ref" ${JSON.stringify(ref)} at ${describePointer(at)} does not point at a schema in the document. ${FIX_ON_SERVER}`);
    }
    return node;
  }
}

/** Returns the input itself when no child changed, so untouched subtrees are shared, not copied. */
function mapValues<T extends JsonSchema | unknown[]>(container: T, map: (child: unknown, key: string) => unknown): T {
  let changed = false;
  const out: Record<string, unknown> | unknown[] = Array.isArray(container) ? [] : {};
  for (const [key, child] of Object.entries(container)) {
    const next = map(child, key);
    changed ||= next !== child;
    (out as Record<string, unknown>)[key] = next;
  }
  return changed ? (out as T) : container;
}

function toObjectSchema(schema: unknown): JsonSchema {
  if (schema === true) return {};
  if (schema === false) return { not: {} };
  return schema as JsonSchema;
}

/** True when `pointer` is `at` or one of its ancestors: a ref there would contain itself. */
function isWithin(at: string, pointer: string): boolean {
  return at === pointer || at.startsWith(`${pointer}/`);
}

function describePointer(pointer: string): string {
  return pointer === '' ? 'the root' : pointer;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object that is not plain JSON';
  return `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is JsonSchema {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
