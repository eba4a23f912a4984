/**
 * The one ajv setup for the JSON Schemas MCP servers send (`inputSchema`, `outputSchema`), shared
 * by argument checks and structured-output checks so both compile each schema once.
 */
import AjvDraft07 from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { escapePointerToken } from '../jsonPointer.js';
import type { JsonSchema } from './types.js';

/** One way a value fails its schema. */
export interface SchemaProblem {
  /** A JSON pointer into the value ('' for the root); for a missing or unexpected property, the property's own pointer. */
  path: string;
  message: string;
}

export type SchemaValidation =
  | { ok: true; /** Why the value was not checked (the schema does not compile…). */ skipped?: string }
  | { ok: false; problems: SchemaProblem[] };

export interface JsonSchemaValidatorOptions {
  /** Check `format` (email, date-time, uri…) with ajv-formats. Default true. */
  formats?: boolean;
  /** How many validators this checker keeps at hand, by key (least recently used go first). Default 500. */
  maxCached?: number;
  /** Where compiled validators are shared, by key. Default: the process-wide `sharedSchemaCache`. */
  cache?: CompiledSchemaCache;
}

export interface JsonSchemaValidator {
  /**
   * Checks `data` against `schema`. With a `key` (a tool version), the validator is compiled once
   * per key and content for the whole process (the same tool in a thousand sessions compiles
   * once); with no key, once per schema object by this checker. Never throws: a schema ajv cannot
   * use gives `skipped`.
   */
  validate(schema: JsonSchema, data: unknown, key?: string): SchemaValidation;
  /** How many validators this checker has taken on (compiled, or found in the shared cache), failed ones included. */
  readonly compiledCount: number;
}

type Compiled = { validate: ValidateFunction } | { skipped: string };
type Dialect = '2020-12' | 'draft-07';

const DEFAULT_MAX_CACHED = 500;
const DEFAULT_SHARED_ENTRIES = 500;

/** What a shared cache holds, for tests and diagnostics. */
export interface SchemaCacheStats {
  /** Validators kept (at most `maxEntries`). */
  entries: number;
  maxEntries: number;
  /** Compilations run through this cache since it was made. */
  compiles: number;
}

/**
 * Compiled validators shared by every session of the process, by key (a tool version), least
 * recently used out first. A session only holds references to the ones it uses, so once it is
 * closed nothing of it is kept here but validators other sessions may reuse, `maxEntries` at most.
 */
export class CompiledSchemaCache {
  readonly #entries = new Map<string, { schema: object; compiled: Compiled }>();
  /** Schema objects already found equal to their entry's: the content is compared once per object. */
  readonly #verified = new WeakMap<object, Compiled>();
  readonly maxEntries: number;
  #compiles = 0;

  constructor(options: { maxEntries?: number } = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_SHARED_ENTRIES);
  }

  /** The validator under `key` for `schema`: compiled when missing, or when the key now names other content. */
  get(key: string, schema: object, formats: boolean): Compiled {
    const fullKey = `${formats ? 'f' : 'n'}\u0000${key}`;
    const entry = this.#entries.get(fullKey);
    if (entry !== undefined && (entry.schema === schema || this.#verified.get(schema) === entry.compiled || sameContent(entry.schema, schema))) {
      if (entry.schema !== schema) this.#verified.set(schema, entry.compiled);
      this.#entries.delete(fullKey);
      this.#entries.set(fullKey, entry);
      return entry.compiled;
    }
    // Missing, or the key now names other content (a server reusing a version, or a hash collision
    // made on purpose by another server): the schema at hand is the one to check against.
    const compiled = compileSchema(schema as JsonSchema, formats);
    this.#compiles++;
    this.#entries.delete(fullKey);
    this.#entries.set(fullKey, { schema, compiled });
    if (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
    return compiled;
  }

  stats(): SchemaCacheStats {
    return { entries: this.#entries.size, maxEntries: this.maxEntries, compiles: this.#compiles };
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** The process-wide cache every checker uses unless given its own. */
export const sharedSchemaCache = new CompiledSchemaCache();

export function createJsonSchemaValidator(options: JsonSchemaValidatorOptions = {}): JsonSchemaValidator {
  return new SchemaValidator(options);
}

/**
 * A class, not an object literal with closures and a `get compiledCount()`: every session holds
 * one, and a literal with a getter gets a hidden class of its own per instance (with its closures,
 * ~1 KB a session), where instances of a class share theirs and their prototype's methods.
 */
class SchemaValidator implements JsonSchemaValidator {
  readonly #formats: boolean;
  readonly #maxCached: number;
  readonly #cache: CompiledSchemaCache;
  // This checker's own references (a session's tools): a hit costs no content check, and they go
  // with the checker.
  readonly #byKey = new Map<string, Compiled>();
  // Output schemas come without a version; the catalog keeps one object per version, so identity is one.
  readonly #byObject = new WeakMap<object, Compiled>();
  #compiledCount = 0;

  constructor(options: JsonSchemaValidatorOptions) {
    this.#formats = options.formats ?? true;
    this.#maxCached = Math.max(1, options.maxCached ?? DEFAULT_MAX_CACHED);
    this.#cache = options.cache ?? sharedSchemaCache;
  }

  get compiledCount(): number {
    return this.#compiledCount;
  }

  validate(schema: JsonSchema, data: unknown, key?: string): SchemaValidation {
    const compiled = this.#lookup(schema, key);
    if ('skipped' in compiled) return { ok: true, skipped: compiled.skipped };
    try {
      if (compiled.validate(data)) return { ok: true };
    } catch (error) {
      // Deeply nested data can overflow the stack of a recursive schema's validator.
      return { ok: true, skipped: `the validator threw (${clip(errorText(error), 200)})` };
    }
    return { ok: false, problems: toProblems(compiled.validate.errors ?? []) };
  }

  #lookup(schema: JsonSchema, key: string | undefined): Compiled {
    const isObject = typeof schema === 'object' && schema !== null && !Array.isArray(schema);
    if (key === undefined) {
      const cached = isObject ? this.#byObject.get(schema) : undefined;
      if (cached !== undefined) return cached;
      this.#compiledCount++;
      const compiled = compileSchema(schema, this.#formats);
      if (isObject) this.#byObject.set(schema, compiled);
      return compiled;
    }
    const byKey = this.#byKey;
    const cached = byKey.get(key);
    if (cached !== undefined) {
      // Least recently used first out; bumping costs a delete and a set on every call (replays check
      // 100k lines), so it starts only when the map nears its size, when the order matters.
      if (byKey.size >= this.#maxCached - 1) {
        byKey.delete(key);
        byKey.set(key, cached);
      }
      return cached;
    }
    this.#compiledCount++;
    const compiled = isObject ? this.#cache.get(key, schema, this.#formats) : compileSchema(schema, this.#formats);
    byKey.set(key, compiled);
    if (byKey.size > this.#maxCached) byKey.delete(byKey.keys().next().value as string);
    return compiled;
  }
}

function sameContent(a: object, b: object): boolean {
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}

type AjvInstance = { compile(schema: object): ValidateFunction; removeSchema(): unknown; scope?: unknown };

/**
 * ajv instances shared by the whole process: building one with ajv-formats and compiling its
 * meta-schema blocks the event loop for 15–70 ms, which every new voice session would otherwise
 * pay. Sharing is safe because compile() is synchronous and what ajv registered is released right
 * after each compile (releaseRegistrations).
 */
const sharedInstances = new Map<string, AjvInstance>();

function instance(dialect: Dialect, formats: boolean): AjvInstance {
  const key = `${dialect}|${formats}`;
  const existing = sharedInstances.get(key);
  if (existing !== undefined) return existing;
  // logger: false because with strict off ajv warns about unknown formats on the console.
  const ajvOptions = { allErrors: true, strict: false, logger: false as const, validateFormats: formats };
  const ajv = dialect === 'draft-07' ? new (interop(AjvDraft07))(ajvOptions) : new (interop(Ajv2020))(ajvOptions);
  if (formats) interop(addFormats)(ajv);
  sharedInstances.set(key, ajv);
  return ajv;
}

function compileSchema(schema: JsonSchema, formats: boolean): Compiled {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return { skipped: 'the schema is not an object' };
  // Without `$schema` ajv never looks up a meta-schema it may not have (draft-04/06, https spellings);
  // without `$async` the validator stays synchronous.
  const { $schema, $async: _async, ...root } = schema;
  const dialect = dialectOf($schema);
  const ajv = instance(dialect, formats);
  try {
    return { validate: ajv.compile(root) };
  } catch (error) {
    return { skipped: `its schema does not compile (${clip(errorText(error), 200)})` };
  } finally {
    if (!releaseRegistrations(ajv)) sharedInstances.delete(`${dialect}|${formats}`);
  }
}

/**
 * What ajv keeps after a compile, beyond the function it returns: the schema in its registry and
 * `_cache` (removeSchema() clears those), and in its value scope (`ajv.scope`) a reference to every
 * compiled function, schema, pattern and format it generated code for, which removeSchema() leaves
 * in place: 3,006 entries after 3,000 compiles, each holding its schema and function. A compiled
 * function reads its scope values once, when it is created (the code starts with
 * `const validate3 = scope.validate[3]; …`), and this module never lets one compile refer to
 * another (the registry is emptied after each), so the scope's values can be dropped after each
 * compile. Returns false when ajv's internals are not what this expects (another ajv version):
 * the caller then drops the instance, which frees all of it at the cost of building a new one.
 */
function releaseRegistrations(ajv: AjvInstance): boolean {
  // The compiled function stands alone; clearing the registry also lets two tools use the same `$id`.
  ajv.removeSchema();
  const scope = ajv.scope as { _scope?: Record<string, unknown[]>; _values?: Record<string, Map<unknown, unknown>> } | undefined;
  const store = scope?._scope;
  const values = scope?._values;
  if (typeof store !== 'object' || store === null || typeof values !== 'object' || values === null) return false;
  for (const prefix of Object.keys(values)) {
    if (!(values[prefix] instanceof Map) || !Array.isArray(store[prefix])) return false;
  }
  for (const prefix of Object.keys(values)) {
    values[prefix]!.clear();
    store[prefix]!.length = 0;
  }
  return true;
}

/** How many values ajv holds in the scopes of the shared instances (for the bounded-cache test). */
export function ajvRetainedValues(): number {
  let count = 0;
  for (const ajv of sharedInstances.values()) {
    const store = (ajv.scope as { _scope?: Record<string, unknown[]> } | undefined)?._scope ?? {};
    for (const values of Object.values(store)) count += Array.isArray(values) ? values.length : 0;
  }
  return count;
}

export interface DescribeProblemsOptions {
  /** Names the root value when a problem is at '' ("the arguments"). */
  root: string;
  /** Put before every pointer ("structuredContent" gives "structuredContent/a"). Default ''. */
  prefix?: string;
  /** How many problems to spell out before "and N more". Default 5. */
  limit?: number;
}

/** One short line naming each failing field: `/b must be number; missing required property "a"`. */
export function describeProblems(problems: readonly SchemaProblem[], options: DescribeProblemsOptions): string {
  const { root, prefix = '', limit = 5 } = options;
  const shown = problems.slice(0, limit).map((problem) => {
    if (selfContained.test(problem.message)) return problem.message;
    const where = problem.path === '' ? root : clip(`${prefix}${problem.path}`, 120);
    return `${where} ${problem.message}`;
  });
  const more = problems.length - shown.length;
  return more > 0 ? `${shown.join('; ')}; and ${more} more` : shown.join('; ');
}

// The phrases toProblems builds around a property name: they already say where they apply.
const selfContained = /^(missing required|unexpected) property /;

function toProblems(errors: readonly ErrorObject[]): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const problem = toProblem(error);
    const id = `${problem.path}\u0000${problem.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    problems.push(problem);
  }
  return problems;
}

function toProblem({ keyword, instancePath, params, message }: ErrorObject): SchemaProblem {
  const at = instancePath === '' ? '' : ` at ${instancePath}`;
  const property = params.missingProperty ?? params.additionalProperty ?? params.unevaluatedProperty;
  if (typeof property === 'string') {
    const path = `${instancePath}/${escapePointerToken(property)}`;
    const phrase = keyword === 'required' || keyword === 'dependencies' || keyword === 'dependentRequired' ? 'missing required' : 'unexpected';
    return { path, message: `${phrase} property ${clip(JSON.stringify(property), 80)}${clip(at, 120)}` };
  }
  if (keyword === 'enum' && Array.isArray(params.allowedValues)) {
    return { path: instancePath, message: `must be one of ${listValues(params.allowedValues as unknown[])}` };
  }
  if (keyword === 'const') {
    return { path: instancePath, message: `must be ${clip(JSON.stringify(params.allowedValue) ?? 'the constant', 80)}` };
  }
  return { path: instancePath, message: clip(message ?? `fails "${keyword}"`, 200) };
}

function listValues(values: readonly unknown[]): string {
  const shown = values.slice(0, 10).map((value) => clip(JSON.stringify(value) ?? String(value), 80));
  return values.length > shown.length ? `${shown.join(', ')}, …` : shown.join(', ');
}

/** MCP's default is 2020-12; draft-04/06 are read with the draft-07 rules, their closest kin in ajv 8. */
function dialectOf($schema: unknown): Dialect {
  return typeof $schema === 'string' && /draft-0[3-7]\b/.test($schema) ? 'draft-07' : '2020-12';
}

/** ajv ships CommonJS: some bundlers hand over `module.exports`, others `{ default }`. */
function interop<T>(value: T): T {
  if (typeof value === 'function') return value;
  return (value as { default?: T }).default ?? value;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
