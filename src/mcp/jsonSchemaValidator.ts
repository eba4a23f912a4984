/**
 * The one ajv setup for the JSON Schemas MCP servers send (`inputSchema`, `outputSchema`), shared
 * by argument checks and structured-output checks so both compile each schema once.
 */
import AjvDraft07 from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
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
  /** How many schemas compiled under a key are kept (least recently used go first). Default 500. */
  maxCached?: number;
}

export interface JsonSchemaValidator {
  /**
   * Checks `data` against `schema`. The schema is compiled once per `key` (a tool version), or, with
   * no key, once per schema object. Never throws: a schema ajv cannot use gives `skipped`.
   */
  validate(schema: JsonSchema, data: unknown, key?: string): SchemaValidation;
  /** How many compilations have run (failed ones included). */
  readonly compiledCount: number;
}

type Compiled = { validate: ValidateFunction } | { skipped: string };
type AjvInstance = { compile(schema: object): ValidateFunction; removeSchema(): unknown };
type Dialect = '2020-12' | 'draft-07';

const DEFAULT_MAX_CACHED = 500;

/**
 * ajv instances shared by the whole process: building one with ajv-formats blocks the event loop
 * for 15–30 ms, which every new voice session would otherwise pay. Sharing is safe because compile()
 * is synchronous and the registry is cleared right after each compile.
 */
const sharedInstances = new Map<string, AjvInstance>();

export function createJsonSchemaValidator(options: JsonSchemaValidatorOptions = {}): JsonSchemaValidator {
  const formats = options.formats ?? true;
  const maxCached = Math.max(1, options.maxCached ?? DEFAULT_MAX_CACHED);
  const byKey = new Map<string, Compiled>();
  // Output schemas come without a version; the catalog keeps one object per version, so identity is one.
  const byObject = new WeakMap<object, Compiled>();
  let compiledCount = 0;

  function instance(dialect: Dialect): AjvInstance {
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

  function compile(schema: JsonSchema): Compiled {
    compiledCount++;
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return { skipped: 'the schema is not an object' };
    // Without `$schema` ajv never looks up a meta-schema it may not have (draft-04/06, https spellings);
    // without `$async` the validator stays synchronous.
    const { $schema, $async: _async, ...root } = schema;
    const ajv = instance(dialectOf($schema));
    try {
      return { validate: ajv.compile(root) };
    } catch (error) {
      return { skipped: `its schema does not compile (${clip(errorText(error), 200)})` };
    } finally {
      // The compiled function stands alone; clearing ajv's registry frees evicted schemas and lets
      // two tools use the same `$id`.
      ajv.removeSchema();
    }
  }

  function lookup(schema: JsonSchema, key: string | undefined): Compiled {
    if (key === undefined) {
      const isObject = typeof schema === 'object' && schema !== null;
      const cached = isObject ? byObject.get(schema) : undefined;
      if (cached !== undefined) return cached;
      const compiled = compile(schema);
      if (isObject) byObject.set(schema, compiled);
      return compiled;
    }
    const cached = byKey.get(key);
    if (cached !== undefined) {
      // Least recently used first out; bumping costs a delete and a set on every call (replays check
      // 100k lines), so it starts only when the cache nears its size, when the order matters.
      if (byKey.size >= maxCached - 1) {
        byKey.delete(key);
        byKey.set(key, cached);
      }
      return cached;
    }
    const compiled = compile(schema);
    byKey.set(key, compiled);
    if (byKey.size > maxCached) byKey.delete(byKey.keys().next().value as string);
    return compiled;
  }

  return {
    validate(schema, data, key) {
      const compiled = lookup(schema, key);
      if ('skipped' in compiled) return { ok: true, skipped: compiled.skipped };
      try {
        if (compiled.validate(data)) return { ok: true };
      } catch (error) {
        // Deeply nested data can overflow the stack of a recursive schema's validator.
        return { ok: true, skipped: `the validator threw (${clip(errorText(error), 200)})` };
      }
      return { ok: false, problems: toProblems(compiled.validate.errors ?? []) };
    },
    get compiledCount() {
      return compiledCount;
    },
  };
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
    const path = `${instancePath}/${escapePointer(property)}`;
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

function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
