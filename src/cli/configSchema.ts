/**
 * The config file's JSON Schema (schemas/config.schema.json, published as
 * `realtime-mcp-proxy/schemas/config.schema.json`), compiled once with ajv, and its failures as
 * sentences that name the JSON path: `/servers/1/url must be an http:// or https:// URL`.
 */
import AjvDraft07 from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import configSchema from '../../schemas/config.schema.json' with { type: 'json' };
import realtimeSchema from '../protocol/generated/realtime.schema.json' with { type: 'json' };
import { didYouMean } from '../didYouMean.js';
import { unescapePointerToken } from '../jsonPointer.js';

export { configSchema };

let compiled: ValidateFunction | undefined;

/** ajv's validator for the schema; built on first use (the Realtime definitions it refers to are large). */
function validator(): ValidateFunction {
  if (compiled !== undefined) return compiled;
  const Ajv = interop(AjvDraft07);
  // strictRequired off: the oneOf branches name "url" and "command", which the parent defines.
  // verbose: the failing schema comes with each error (its properties give "did you mean").
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, discriminator: true, verbose: true });
  // An annotation for people (VS Code shows it too): the sentence for a failed `pattern`.
  ajv.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
  ajv.addSchema(realtimeSchema);
  compiled = ajv.compile(configSchema);
  return compiled;
}

/** The problems of a parsed config file, each "<JSON path> <what is wrong>"; empty when it is valid. */
export function schemaProblems(config: unknown): string[] {
  const validate = validator();
  if (validate(config)) return [];
  return describeErrors(validate.errors ?? []);
}

function describeErrors(errors: readonly ErrorObject[]): string[] {
  // A failed oneOf/anyOf also reports why each branch failed: one sentence for the whole of it.
  const unions = errors.filter((error) => error.keyword === 'oneOf' || error.keyword === 'anyOf');
  const inUnion = (error: ErrorObject) => unions.some((union) => union !== error && error.schemaPath.startsWith(`${union.schemaPath}/`));
  const problems: string[] = [];
  for (const error of errors) {
    if (inUnion(error)) continue;
    const problem = describe(error);
    if (problem !== undefined && !problems.includes(problem)) problems.push(problem);
  }
  return problems;
}

function describe(error: ErrorObject): string | undefined {
  const at = error.instancePath === '' ? 'the file' : readablePath(error.instancePath);
  const parent = (error.parentSchema ?? {}) as { minimum?: number; maximum?: number; type?: string; patternErrorMessage?: string; properties?: object; enum?: unknown[] };
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = (error.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys(parent.properties ?? {});
      return `${at === 'the file' ? '' : at}/${readableToken(key)} is not a known key${didYouMean(key, known) || (known.length > 0 ? ` (known keys: ${known.join(', ')})` : '')}`;
    }
    case 'required':
      return `${at} needs "${(error.params as { missingProperty: string }).missingProperty}"`;
    case 'oneOf':
    case 'anyOf': {
      // The unions of this schema are [{ required: [a] }, { required: [b] }]: "exactly one of a and b".
      const names = ((error.schema ?? []) as Array<{ required?: string[] }>).flatMap((branch) => branch.required ?? []).map((name) => `"${name}"`);
      const matched = (error.params as { passingSchemas?: number[] | null }).passingSchemas;
      if (names.length === 0) return `${at} ${error.message ?? 'is not valid'}`;
      return Array.isArray(matched) ? `${at} has ${names.join(' and ')}: give exactly one of them` : `${at} needs one of ${names.join(' or ')}`;
    }
    case 'enum':
      return `${at} must be one of ${((error.params as { allowedValues: unknown[] }).allowedValues ?? []).map((value) => JSON.stringify(value)).join(', ')}, not ${JSON.stringify(error.data)}`;
    case 'pattern':
      // Under propertyNames, the data is a key of the object at the path.
      if (error.propertyName !== undefined) return `${at} has the key ${JSON.stringify(error.propertyName)}, which ${parent.patternErrorMessage ?? error.message}`;
      return `${at} ${parent.patternErrorMessage ?? error.message}, not ${JSON.stringify(error.data)}`;
    case 'propertyNames':
      return undefined; // its failing keyword says what is wrong with the key
    case 'minimum':
    case 'maximum':
    case 'type':
      if (parent.minimum !== undefined && parent.maximum !== undefined && parent.type === 'integer') {
        return `${at} must be a whole number from ${parent.minimum} to ${parent.maximum}, not ${JSON.stringify(error.data)}`;
      }
      return `${at} ${error.message}`;
    case 'minItems':
      return `${at} must not be empty`;
    case 'uniqueItems':
      return `${at} names the same item twice`;
    default:
      return `${at} ${error.message ?? 'is not valid'}`;
  }
}

/** A JSON pointer for people: a key holding "/" (a "server/tool" key) is quoted instead of escaped. */
function readablePath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((token) => `/${readableToken(unescapePointerToken(token))}`)
    .join('');
}

function readableToken(key: string): string {
  return /^[\w$.@:-]*$/.test(key) && key !== '' ? key : JSON.stringify(key);
}

function interop<T>(value: T): T {
  if (typeof value === 'function') return value;
  return (value as { default?: T }).default ?? value;
}
