/**
 * Arguments for a function tool, made up from its `parameters` JSON Schema by json-schema-faker (a
 * maintained sampler): what the rehearsal model passes when it calls a tool. Seeded, so a run is
 * repeatable: the same seed and schema give the same arguments.
 */
import type { JsonSchema, generateSync as GenerateSync } from 'json-schema-faker';

export interface SchemaArguments {
  /** The arguments object (always an object: a function's arguments are). */
  readonly value: Record<string, unknown>;
  /** Why the sampler was not used (a schema it could not sample), when `value` is the `{}` fallback. */
  readonly problem?: string;
}

/** Arguments larger than this are replaced by `{}`: a rehearsal call, not a load test. */
const MAX_ARGUMENTS_LENGTH = 16_384;
/**
 * json-schema-faker builds every item, character and property a schema asks for (its own
 * minItems/maxLength options do not override the schema's), synchronously: the schema's sizes are
 * capped before it sees them, so a hostile `minItems: 1e8` cannot hang the simulator (a schema
 * that truly needs more gets too few, and the proxy reports the invalid arguments).
 */
const SIZE_CAPS: ReadonlyMap<string, number> = new Map([
  ['minItems', 8],
  ['maxItems', 8],
  ['minContains', 8],
  ['maxContains', 8],
  ['minLength', 256],
  ['maxLength', 256],
  ['minProperties', 16],
  ['maxProperties', 16],
]);
/** A pattern repeating something a thousand times or more (`a{100000}`) is dropped: the sampler would spell it out. */
const HUGE_REPETITION = /\{\s*\d{4,}/;
/** Deeper than any real tool's input: below this a schema is sampled as `{}` (anything). */
const MAX_SCHEMA_DEPTH = 32;

/** Samples a tool's input schema (below). */
export type SchemaSampler = (parameters: unknown, seed: number) => SchemaArguments;

/**
 * Loads json-schema-faker and returns the sampler. The package is loaded by a name held in a
 * variable: the CLI bundles the simulator, and a bundler would otherwise pull the sampler (ESM
 * only, a dev dependency) into it; only a rehearsal needs it.
 */
export async function loadSchemaSampler(): Promise<SchemaSampler> {
  const name = 'json-schema-faker';
  let generateSync: typeof GenerateSync;
  try {
    ({ generateSync } = (await import(name)) as { generateSync: typeof GenerateSync });
  } catch (error) {
    throw new Error(`Failed to start the rehearsal simulator: json-schema-faker could not be loaded (${(error as Error).message}). Please install the dev dependencies (npm ci).`);
  }
  return (parameters, seed) => schemaArguments(generateSync, parameters, seed);
}

/**
 * Samples `parameters` (a tool's input schema, untrusted: it came from an MCP server through the
 * client) with `seed`. Anything the sampler cannot do (a remote `$ref`, an impossible schema, a
 * value that is not an object) gives `{}` and says why: the proxy then reports the invalid
 * arguments, as it would for a real model's mistake.
 */
function schemaArguments(generateSync: typeof GenerateSync, parameters: unknown, seed: number): SchemaArguments {
  const schema: JsonSchema = isObject(parameters) ? (boundedSchema(parameters, 0) as JsonSchema) : { type: 'object' };
  let value: unknown;
  try {
    value = generateSync(schema, {
      seed,
      // Optional properties half the time, a tool's own defaults where it has them, shallow nesting,
      // short arrays: arguments a person would say.
      optionalsProbability: 0.5,
      useDefaultValue: true,
      maxDepth: 4,
      maxDefaultItems: 2,
      // A $ref to anywhere but the schema itself is never fetched.
      refResolver: (ref) => {
        throw new Error(`will not resolve the external $ref ${JSON.stringify(ref.slice(0, 100))}`);
      },
    });
  } catch (error) {
    return { value: {}, problem: `json-schema-faker could not sample the schema: ${(error as Error).message.slice(0, 200)}` };
  }
  if (!isObject(value)) return { value: {}, problem: `the schema gave ${Array.isArray(value) ? 'an array' : typeof value}, not an object` };
  if (JSON.stringify(value).length > MAX_ARGUMENTS_LENGTH) return { value: {}, problem: `the sample was over ${MAX_ARGUMENTS_LENGTH} characters` };
  return { value };
}

/** A copy of a schema with its sizes capped (SIZE_CAPS), huge repetitions left out and its depth bounded; own keys only (`__proto__` stays a key). */
function boundedSchema(value: unknown, depth: number): unknown {
  if (Array.isArray(value)) return depth >= MAX_SCHEMA_DEPTH ? [] : value.map((item) => boundedSchema(item, depth + 1));
  if (!isObject(value)) return value;
  if (depth >= MAX_SCHEMA_DEPTH) return {};
  const entries: Array<[string, unknown]> = [];
  for (const [key, item] of Object.entries(value)) {
    const cap = SIZE_CAPS.get(key);
    if (cap !== undefined && typeof item === 'number') entries.push([key, Math.min(item, cap)]);
    else if (key === 'pattern' && typeof item === 'string' && HUGE_REPETITION.test(item)) continue;
    else entries.push([key, boundedSchema(item, depth + 1)]);
  }
  return Object.fromEntries(entries);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
