/**
 * What this library reads of a Standard Schema (standardschema.dev, spec 1.1): `~standard.validate`
 * (StandardSchemaV1) checks a host tool's arguments, `~standard.jsonSchema.input` (Standard JSON
 * Schema, StandardJSONSchemaV1) gives the JSON Schema the model is offered. zod 4 (3.25+ under
 * `zod/v4`), valibot and ArkType implement the first; zod 4 also the second. The interfaces are
 * copied here, as the spec invites, so no schema library (nor the spec package) is a dependency.
 *
 * Everything a schema does is host code: it may throw, answer a promise, or answer nonsense. These
 * helpers say so in their results; the callers decide what it costs.
 */
import { isJsonObject } from '../isJsonObject.js';
import { escapePointerToken } from '../jsonPointer.js';
import type { SchemaProblem } from '../mcp/jsonSchemaValidator.js';

/** The result of `~standard.validate`: the (possibly transformed) value, or the issues. */
export type StandardResult<Output> = { readonly value: Output; readonly issues?: undefined } | { readonly issues: ReadonlyArray<StandardIssue> };

export interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** `~standard.jsonSchema` (Standard JSON Schema): converters that may throw for types JSON Schema cannot hold. */
export interface StandardJsonSchemaConverter {
  readonly input: (options: { readonly target: 'draft-2020-12' | 'draft-07' | 'openapi-3.0' | ({} & string); readonly libraryOptions?: Record<string, unknown> | undefined }) => Record<string, unknown>;
  readonly output?: (options: { readonly target: string }) => Record<string, unknown>;
}

/** StandardSchemaV1, with the optional Standard JSON Schema converter beside `validate`. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown, options?: { readonly libraryOptions?: Record<string, unknown> | undefined } | undefined) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
    readonly jsonSchema?: StandardJsonSchemaConverter | undefined;
  };
}

/** The type a Standard Schema validates into (what `execute` receives). */
export type StandardOutput<Schema> = Schema extends { readonly '~standard': { readonly types?: infer Types } } ? (NonNullable<Types> extends { readonly output: infer Output } ? Output : unknown) : unknown;

/** A value with a `~standard` object whose `validate` is a function (read once; a throwing getter counts as no). */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  try {
    const props = (value as { '~standard'?: unknown })['~standard'];
    return typeof props === 'object' && props !== null && typeof (props as { validate?: unknown }).validate === 'function';
  } catch {
    return false;
  }
}

/**
 * The JSON Schema of what the schema accepts (its input side), from the Standard JSON Schema
 * converter: draft 2020-12 (what Realtime and MCP speak), else draft-07. `absent` when the library
 * offers no converter; `failed` when it threw (a type JSON Schema cannot hold: a Date, a function).
 */
export function standardJsonSchema(schema: StandardSchemaV1): { ok: true; schema: Record<string, unknown> } | { ok: false; absent: boolean; why: string } {
  let converter: unknown;
  try {
    converter = schema['~standard'].jsonSchema;
  } catch (error) {
    return { ok: false, absent: false, why: `reading ~standard.jsonSchema threw ${describeThrown(error)}` };
  }
  const input = typeof converter === 'object' && converter !== null ? (converter as { input?: unknown }).input : undefined;
  if (typeof input !== 'function') return { ok: false, absent: true, why: 'the schema library offers no ~standard.jsonSchema (Standard JSON Schema)' };
  let why = '';
  for (const target of ['draft-2020-12', 'draft-07'] as const) {
    try {
      const produced: unknown = (input as StandardJsonSchemaConverter['input']).call(converter, { target });
      if (isJsonObject(produced)) return { ok: true, schema: produced };
      why = `~standard.jsonSchema.input returned ${produced === null ? 'null' : Array.isArray(produced) ? 'an array' : typeof produced}`;
    } catch (error) {
      why = `~standard.jsonSchema.input threw ${describeThrown(error)}`;
    }
  }
  return { ok: false, absent: false, why };
}

export type StandardCheck = { ok: true; value: unknown } | { ok: false; problems: SchemaProblem[] };

/**
 * Runs `~standard.validate` on the parsed arguments. Rejects (to be reported as the host's bug,
 * not the model's) when validate throws or answers something that is not a Standard result.
 */
export async function checkStandard(schema: StandardSchemaV1, value: unknown): Promise<StandardCheck> {
  const result: unknown = await schema['~standard'].validate(value);
  if (typeof result !== 'object' || result === null) throw new Error(`~standard.validate returned ${result === null ? 'null' : typeof result}, not a result`);
  const issues = (result as { issues?: unknown }).issues;
  if (issues === undefined || issues === null) {
    if (!('value' in result)) throw new Error('~standard.validate returned neither a value nor issues');
    return { ok: true, value: (result as { value: unknown }).value };
  }
  if (!Array.isArray(issues)) throw new Error('~standard.validate returned issues that are not an array');
  const problems = issues.slice(0, 20).map(toProblem);
  // An empty list of issues is still a failure by the spec's wording (`issues` present); say so.
  return { ok: false, problems: problems.length > 0 ? problems : [{ path: '', message: 'are invalid (the schema gave no reason)' }] };
}

function toProblem(issue: unknown): SchemaProblem {
  const message = typeof (issue as { message?: unknown } | null)?.message === 'string' ? clip((issue as { message: string }).message, 200) : 'is invalid';
  const path = (issue as { path?: unknown } | null)?.path;
  if (!Array.isArray(path) || path.length === 0) return { path: '', message };
  const pointer = path.map((segment: unknown) => `/${escapePointerToken(keyText(typeof segment === 'object' && segment !== null ? (segment as { key?: unknown }).key : segment))}`).join('');
  return { path: clip(pointer, 120), message };
}

function keyText(key: unknown): string {
  if (typeof key === 'string') return key;
  if (typeof key === 'number') return String(key);
  if (typeof key === 'symbol') return key.description ?? 'symbol';
  return '?';
}

/** What a host function threw, in words, never throwing itself (a thrown value may have a throwing toString). */
export function describeThrown(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    if (typeof error === 'string') return JSON.stringify(clip(error, 200));
    if (error === null || error === undefined || typeof error === 'number' || typeof error === 'boolean' || typeof error === 'bigint') return String(error);
    return `a ${Array.isArray(error) ? 'array' : typeof error}`;
  } catch {
    return 'something unreadable';
  }
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
