/**
 * The host's own function tools, offered beside the MCP tools in the one `session.update` and run
 * by the proxy under the same rules (exactly one output, approval, barge-in, deadline, timeline):
 * `hostTool({ name, parameters, execute })`, passed as `options.hostTools`.
 *
 * `parameters` is a JSON Schema object or a Standard Schema (zod, valibot, ArkType…). What a
 * definition can get wrong is checked here, when it is made, and throws `invalid_options`: a voice
 * session is no place to find out that a tool cannot be offered.
 *
 * Names: a host tool keeps its name. An MCP tool whose function name would be the same gets the
 * collision suffix the names module gives to any shared name (the catalog reserves host names):
 * the host wrote its name into its own code and prompts, while MCP names are mapped anyway and
 * already move when servers collide. Two host tools with one name, or a `routes` entry with a host
 * tool's name, are refused (`invalid_options`): which one the model calls would be a guess.
 */
import { closeNames } from '../didYouMean.js';
import { ProxyError } from '../errors.js';
import { isJsonObject } from '../isJsonObject.js';
import { hashText } from '../mcp/hash.js';
import { FUNCTION_NAME_PATTERN } from '../mcp/names.js';
import { toRealtimeParameters } from '../mcp/parameters.js';
import { applyToolLimits, type ResolvedToolLimits } from '../mcp/toolLimits.js';
import type { JsonSchema, RealtimeFunctionTool } from '../mcp/types.js';
import type { BargeInPolicy } from '../machines/types.js';
import { isStandardSchema, standardJsonSchema, type StandardOutput, type StandardSchemaV1 } from './standardSchema.js';
import type { ToolApproval } from './toolSettings.js';

/** What `execute` gets beside the arguments. */
export interface HostToolContext {
  /** Aborted when the call is cancelled (barge-in on a `cancel` tool, the session's end) or times out. */
  signal: AbortSignal;
  /** The Realtime `call_id`. */
  callId: string;
}

/** A JSON Schema object (root type object), or a Standard Schema. */
export type HostToolParameters = JsonSchema | StandardSchemaV1;

/** The arguments `execute` receives: a Standard Schema's output type, else a JSON object. */
export type HostToolArguments<P> = P extends StandardSchemaV1 ? StandardOutput<P> : Record<string, unknown>;

export interface HostToolDefinition<P extends HostToolParameters = HostToolParameters> {
  /** The function name the model calls: `^[a-zA-Z0-9_-]{1,64}$`. */
  name: string;
  description?: string;
  /** A JSON Schema object, or a Standard Schema (its `~standard.jsonSchema` gives the JSON Schema the model sees). */
  parameters: P;
  /** Beside a Standard Schema that cannot give its own JSON Schema: the JSON Schema the model is offered. */
  jsonSchema?: JsonSchema;
  /**
   * Runs the call with the checked arguments. The return value is the output: a string as it is,
   * anything else as JSON, `undefined` as `{"ok":true}`; a throw is a `tool_error` the model hears.
   */
  execute(args: HostToolArguments<P>, context: HostToolContext): unknown;
  /** Deadline in ms (default `timeouts.defaultMs`, then 30 000). `execute` is told by its signal; the output goes out regardless. */
  timeoutMs?: number;
  /** `always`: ask the host before each call; `never`: never ask. Default: the approval mode (`auto` asks: a host tool is not known to be read-only). */
  approval?: ToolApproval;
  /** On barge-in: `cancel` aborts the call (its signal), `finish` lets it finish and deliver late. Default `finish`. */
  bargeIn?: BargeInPolicy;
}

/** A host tool, as `hostTool()` makes it and `options.hostTools` takes it. */
export type HostTool = Readonly<HostToolDefinition<HostToolParameters>>;

/** A host tool checked and ready: what the session offers, and how its arguments are checked. */
export interface ResolvedHostTool {
  name: string;
  definition: RealtimeFunctionTool;
  arguments: { kind: 'json'; schema: JsonSchema; version: string } | { kind: 'standard'; schema: StandardSchemaV1 };
  execute: (args: unknown, context: HostToolContext) => unknown;
  timeoutMs?: number;
  approval?: ToolApproval;
  bargeIn?: BargeInPolicy;
}

const KEYS = ['name', 'description', 'parameters', 'jsonSchema', 'execute', 'timeoutMs', 'approval', 'bargeIn'];
/** Each tool checked once, however many sessions offer it. */
const resolved = new WeakMap<object, ResolvedHostTool>();

/**
 * Defines one of the host's function tools. Throws `invalid_options` for a definition that cannot
 * be offered (a bad name, parameters that are not an object schema, no JSON Schema for a Standard
 * Schema, a bad timeout, approval or barge-in value, an unknown key).
 *
 * @example
 * const lights = hostTool({
 *   name: 'set_lights',
 *   description: 'Turns the room lights on or off.',
 *   parameters: z.object({ on: z.boolean() }),
 *   execute: async ({ on }, { signal }) => home.setLights(on, { signal }),
 * });
 * createNodeRealtimeMcpProxy({ servers, hostTools: [lights] });
 */
export function hostTool<P extends HostToolParameters>(definition: HostToolDefinition<P>): HostTool {
  const tool = Object.freeze({ ...checkedObject(definition) }) as HostTool;
  resolved.set(tool, resolve(tool));
  return tool;
}

/**
 * `options.hostTools`, checked as a whole: every tool valid (made with `hostTool()` or a plain
 * definition), names unique, none taken by a route, and all of them within the tool limits, which
 * count host tools first (they are never left out: host tools that alone pass a limit are refused).
 */
export function resolveHostTools(tools: unknown, context: { routes?: Readonly<Record<string, unknown>>; limits: ResolvedToolLimits }): ResolvedHostTool[] {
  if (tools === undefined) return [];
  if (!Array.isArray(tools)) throw invalid(`hostTools is ${describe(tools)}, not an array`, 'give an array of hostTool(…)');
  const list = tools.map((tool: unknown) => (typeof tool === 'object' && tool !== null && resolved.get(tool)) || resolve(checkedObject(tool)));
  const names = new Set<string>();
  for (const tool of list) {
    if (names.has(tool.name)) throw invalid(`two of them are named ${quote(tool.name)}`, 'give each host tool its own name');
    names.add(tool.name);
    if (context.routes !== undefined && Object.hasOwn(context.routes, tool.name)) throw invalid(`routes has an entry named ${quote(tool.name)}, the name of a host tool`, 'rename the route or the host tool');
  }
  const fit = applyToolLimits(list.map((tool) => ({ server: '', tool: tool.name, definition: tool.definition })), context.limits);
  if (fit.reached !== undefined) {
    const limit = fit.reached === 'maxTools' ? `toolLimits.maxTools (${context.limits.maxTools})` : `toolLimits.maxTokens (${context.limits.maxTokens}; the host tools take ~${fit.totalTokens})`;
    throw invalid(`the ${list.length} host tools alone pass ${limit}, and host tools are never left out`, `raise toolLimits.${fit.reached} or offer fewer host tools`);
  }
  return list;
}

function checkedObject(definition: unknown): HostToolDefinition {
  try {
    return checkDefinition(definition);
  } catch (error) {
    // A getter on the definition may throw: that is a definition that cannot be read.
    if (ProxyError.isInstance(error)) throw error;
    throw invalid(`reading it threw ${error instanceof Error ? error.name : typeof error}`, 'give a plain object', 'a host tool');
  }
}

function checkDefinition(definition: unknown): HostToolDefinition {
  if (!isJsonObject(definition)) throw invalid(`it is ${describe(definition)}, not an object`, 'build each with hostTool({ name, parameters, execute })', 'a host tool');
  const name = (definition as { name?: unknown }).name;
  if (typeof name !== 'string' || !FUNCTION_NAME_PATTERN.test(name)) {
    throw invalid(`its name ${typeof name === 'string' ? quote(name) : describe(name)} is not 1–64 letters, digits, "_" or "-"`, 'give a name matching ^[a-zA-Z0-9_-]{1,64}$', 'a host tool');
  }
  const what = `host tool ${quote(name)}`;
  for (const key of Object.keys(definition)) {
    if (KEYS.includes(key)) continue;
    const close = closeNames(key, KEYS);
    throw invalid(`${quote(key)} is not a host tool setting${close.length > 0 ? ` (did you mean ${quote(close[0]!)}?)` : ''}`, `use ${KEYS.join(', ')}`, what);
  }
  const { description, execute, timeoutMs, approval, bargeIn } = definition as Partial<HostToolDefinition>;
  if (description !== undefined && typeof description !== 'string') throw invalid(`its description is ${describe(description)}`, 'give a string', what);
  if (typeof execute !== 'function') throw invalid(`its execute is ${describe(execute)}, not a function`, 'give execute(args, { signal, callId })', what);
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs > 0)) throw invalid(`its timeoutMs is ${describe(timeoutMs)}`, 'give a positive number of milliseconds', what);
  if (approval !== undefined && approval !== 'always' && approval !== 'never') throw invalid(`its approval is ${describe(approval)}`, 'use "always" or "never"', what);
  if (bargeIn !== undefined && bargeIn !== 'cancel' && bargeIn !== 'finish') throw invalid(`its bargeIn is ${describe(bargeIn)}`, 'use "cancel" or "finish"', what);
  return definition as unknown as HostToolDefinition;
}

function resolve(tool: HostToolDefinition): ResolvedHostTool {
  const what = `host tool ${quote(tool.name)}`;
  const { parameters, jsonSchema } = tool;
  let schema: JsonSchema;
  let check: ResolvedHostTool['arguments'];
  if (isStandardSchema(parameters)) {
    if (jsonSchema !== undefined) {
      if (!isJsonObject(jsonSchema)) throw invalid(`its jsonSchema is ${describe(jsonSchema)}`, 'give a JSON Schema object', what);
      schema = jsonSchema;
    } else {
      const produced = standardJsonSchema(parameters);
      if (!produced.ok) throw invalid(`its Standard Schema gives no JSON Schema for the model (${produced.why})`, 'give the JSON Schema as jsonSchema beside parameters (zod: z.toJSONSchema(schema))', what);
      schema = produced.schema;
    }
    hashOf(schema, what);
    check = { kind: 'standard', schema: parameters };
  } else {
    if (!isJsonObject(parameters)) throw invalid(`its parameters are ${describe(parameters)}`, 'give a JSON Schema object ({ type: "object", properties: … }) or a Standard Schema such as a zod object', what);
    if (jsonSchema !== undefined) throw invalid('it has a JSON Schema as parameters and a jsonSchema too', 'give jsonSchema only beside a Standard Schema', what);
    schema = parameters;
    check = { kind: 'json', schema: parameters, version: `host\u0000${hashOf(parameters, what)}` };
  }
  const adapted = toRealtimeParameters(schema, { subject: `the parameters of ${what}`, please: 'Please give one object schema ({ type: "object", properties: … }) with local $refs only.' });
  if (!adapted.ok) throw new ProxyError('invalid_options', adapted.reason, { data: { setting: 'hostTools', tool: tool.name } });
  const { timeoutMs, approval, bargeIn } = tool;
  return {
    name: tool.name,
    definition: { type: 'function', name: tool.name, description: tool.description ?? '', parameters: adapted.parameters },
    arguments: check,
    execute: tool.execute as ResolvedHostTool['execute'],
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(approval !== undefined ? { approval } : {}),
    ...(bargeIn !== undefined ? { bargeIn } : {}),
  };
}

/** The schema's content hash; a schema JSON cannot hold (a cycle, a BigInt) can be neither sent nor checked. */
function hashOf(schema: JsonSchema, what: string): string {
  try {
    return hashText(JSON.stringify(schema));
  } catch (error) {
    throw invalid(`its JSON Schema is not JSON (${error instanceof Error ? error.message : typeof error})`, 'give a JSON Schema object without cycles or BigInts', what);
  }
}

/** `what`: the tool in question; absent for problems of the list as a whole. */
function invalid(why: string, please: string, what = 'the host tools'): ProxyError {
  return new ProxyError('invalid_options', `Failed to define ${what}: ${why}. Please ${please}.`, { data: { setting: 'hostTools' } });
}

function quote(text: string): string {
  return JSON.stringify(text);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return quote(value.length > 80 ? `${value.slice(0, 79)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return `a ${Array.isArray(value) ? 'array' : typeof value}`;
}
