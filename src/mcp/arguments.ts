/**
 * Checks the `arguments` text of a Realtime function call before the MCP server sees it, so a bad
 * call costs the model one quick retry instead of a round trip (and a server-specific error).
 */
import { createJsonSchemaValidator, describeProblems } from './jsonSchemaValidator.js';
import type { JsonSchemaValidator, JsonSchemaValidatorOptions, SchemaProblem } from './jsonSchemaValidator.js';
import type { CatalogTool } from './types.js';
import { isJsonObject } from '../isJsonObject.js';

export type ArgumentsCheck =
  | {
      ok: true;
      args: Record<string, unknown>;
      /** Set when the schema could not be used (it does not compile): the arguments went through unchecked. */
      skipped?: string;
    }
  | {
      ok: false;
      /** For the model, as the `function_call_output`: names the failing fields so it can call again. */
      message: string;
      problems: SchemaProblem[];
    };

export interface ArgumentValidatorOptions extends JsonSchemaValidatorOptions {
  /** A validator to share (with `checkStructuredContent`, say); `formats` and `maxCached` then go unused. */
  validator?: JsonSchemaValidator;
}

/** The tool fields a check reads; `functionName`, when given, is the name the model knows the tool by. */
export type ArgumentsTool = Pick<CatalogTool, 'inputSchema' | 'version' | 'mcpName'> & Partial<Pick<CatalogTool, 'functionName'>>;

export interface ArgumentValidator {
  /** Never throws. */
  check(tool: ArgumentsTool, argumentsText: string): ArgumentsCheck;
  /** How many schemas have been compiled: one per tool version. */
  readonly compiledCount: number;
}

const RETRY = 'Please call the tool again with corrected arguments.';

export function createArgumentValidator(options: ArgumentValidatorOptions = {}): ArgumentValidator {
  return new ArgumentChecker(options.validator ?? createJsonSchemaValidator(options));
}

/** A class, not a literal with a getter: its instances (one a session) share one hidden class and their methods. */
class ArgumentChecker implements ArgumentValidator {
  readonly #validator: JsonSchemaValidator;

  constructor(validator: JsonSchemaValidator) {
    this.#validator = validator;
  }

  get compiledCount(): number {
    return this.#validator.compiledCount;
  }

  check(tool: ArgumentsTool, argumentsText: string): ArgumentsCheck {
    try {
      return check(this.#validator, tool, argumentsText);
    } catch (error) {
      // Only a hostile input (a throwing getter, say) gets here; the model still needs an answer.
      const why = error instanceof Error ? error.message : String(error);
      const problem = `the arguments could not be checked (${why})`;
      return invalid(nameOf(tool), [{ path: '', message: problem }], problem);
    }
  }
}

function check(validator: JsonSchemaValidator, tool: ArgumentsTool, argumentsText: unknown): ArgumentsCheck {
  const name = nameOf(tool);
  const parsed = parseArgumentsText(argumentsText);
  if (!parsed.ok) return invalid(name, [{ path: '', message: parsed.problem }], parsed.problem);
  const args = parsed.value;
  const schema = tool.inputSchema;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    return { ok: true, args, skipped: 'the tool has no inputSchema object' };
  }
  // mcpName joins the key so two tools that happen to share a version string never share a validator.
  const result = validator.validate(schema, args, `${tool.mcpName}\u0000${tool.version}`);
  if (result.ok) return result.skipped === undefined ? { ok: true, args } : { ok: true, args, skipped: result.skipped };
  return invalid(name, result.problems, describeProblems(result.problems, { root: 'the arguments' }));
}

export type ParsedArguments = { ok: true; value: Record<string, unknown> } | { ok: false; problem: string };

/**
 * The model's argument text as a JSON object, read defensively: empty text is `{}`, anything but
 * a JSON object is a problem the model can act on. Also used for host tools with a Standard Schema.
 */
export function parseArgumentsText(text: unknown): ParsedArguments {
  if (isJsonObject(text)) return { ok: true, value: text };
  if (text === undefined) return { ok: true, value: {} };
  if (typeof text !== 'string') return { ok: false, problem: `the arguments must be JSON text, not ${kindOf(text)}` };
  const trimmed = text.trim();
  // Models send "" (or nothing) for tools without parameters.
  if (trimmed === '') return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { ok: false, problem: `the arguments are not valid JSON (${why.length > 160 ? `${why.slice(0, 159)}…` : why})` };
  }
  if (!isJsonObject(value)) return { ok: false, problem: `the arguments must be a JSON object, not ${kindOf(value)}` };
  return { ok: true, value };
}

/** The model-facing "Invalid arguments for tool …" text, shared with host tools. */
export function invalidArgumentsMessage(name: string, why: string): string {
  return `Invalid arguments for tool ${JSON.stringify(name)}: ${why}. ${RETRY}`;
}

function invalid(name: string, problems: SchemaProblem[], why: string): ArgumentsCheck {
  return { ok: false, message: invalidArgumentsMessage(name, why), problems };
}

function nameOf(tool: Partial<ArgumentsTool> | undefined): string {
  const name = tool?.functionName ?? tool?.mcpName;
  return typeof name === 'string' ? name : 'unknown';
}


function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}
