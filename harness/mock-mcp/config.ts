/**
 * What a mock MCP server is configured with, and the validator that turns untrusted JSON into it.
 * Everything here is JSON-serialisable, so a whole mock can live in a file (`main.ts` reads one).
 */
import { readFile } from 'node:fs/promises';
import { CallToolResultSchema, ToolSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export type { CallToolResult };

/**
 * - `stateful`: Streamable HTTP with sessions (`Mcp-Session-Id`); an unknown session gets 404.
 * - `stateless`: Streamable HTTP, a new server per POST; GET and DELETE get 405.
 * - `sse`: the legacy HTTP+SSE transport (`GET /sse`, `POST /message?sessionId=…`).
 */
export type MockMcpMode = 'stateful' | 'stateless' | 'sse';

/**
 * Which calls of a tool a fault applies to (call numbers count per tool, from 1, across the server).
 * - omitted, or `{ every: true }`: every call;
 * - `{ call: n }`: only the nth call;
 * - `{ call: n, every: true }`: the nth call and every one after it;
 * - `{ every: false }`: never (a fault switched off).
 */
export interface MockFaultTrigger {
  call?: number;
  every?: boolean;
}

export type MockFault = { on?: MockFaultTrigger } & (
  /** Wait, then go on (with the next fault, or a normal answer). */
  | { kind: 'delay'; ms: number }
  /** Never answer, until the client cancels (the call log then says `cancelled`). */
  | { kind: 'hang' }
  /** A result with `isError: true`. */
  | { kind: 'isError'; text?: string }
  /** A JSON-RPC error: `new McpError(code ?? -32603, message)`. */
  | { kind: 'throw'; code?: number; message?: string }
  /** The HTTP response to the POST is 500 with a text body (the tool never runs). */
  | { kind: 'http500' }
  /** The HTTP response to the POST has this status (400–599, a gateway's 502 or 503, say) and a text body (the tool never runs). */
  | { kind: 'httpStatus'; status: number }
  /** Drop the session before answering, so this request gets 404 Session not found (stateful and sse). */
  | { kind: 'expireSession' }
  /** The reply carries an SSE frame whose data is not JSON, and no answer (the tool never runs). */
  | { kind: 'malformedSse' }
  /** A text block of exactly `bytes` bytes. */
  | { kind: 'hugeResult'; bytes: number }
  /** `steps` notifications/progress, `intervalMs` apart (when the request has a progressToken), then go on. */
  | { kind: 'progress'; steps: number; intervalMs: number }
  /** `structuredContent` that does not match the tool's `outputSchema` (or the given one). */
  | { kind: 'invalidStructuredContent'; structuredContent?: Record<string, unknown> }
  /**
   * Quotes the request as the server got it, `{"url":…,"headers":{…}}` with every header
   * (authorization too): as the result (default), an `isError` result, or a JSON-RPC error
   * message. A server that echoes credentials, for redaction tests.
   */
  | { kind: 'echoRequest'; as?: 'result' | 'isError' | 'throw' }
);

export type MockFaultKind = MockFault['kind'];

export interface MockTool {
  name: string;
  title?: string;
  description?: string;
  /** A JSON Schema with `type: "object"`. Default `{ "type": "object" }`. */
  inputSchema?: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
  execution?: { taskSupport?: 'forbidden' | 'optional' | 'required' };
  /** What a call answers. `echo` (the default) is one text block holding the JSON of the arguments. */
  result?: CallToolResult | 'echo';
  /** Applied in order: every matching `delay`/`progress` up to the first other matching fault, which decides the answer. */
  faults?: MockFault[];
}

export interface MockMcpConfig {
  /** Default `stateful`. */
  mode?: MockMcpMode;
  /** Server name and version in the initialize result. Default `mock-mcp` / `1.0.0`. */
  name?: string;
  version?: string;
  /** Tools per tools/list page (opaque string cursors). Default: all in one page. */
  pageSize?: number;
  /** Wait this many ms before answering each tools/list page (servers that list slowly, or in another order than they were asked). Default 0. */
  listDelayMs?: number;
  tools: MockTool[];
  /** When set, every request without `Authorization: Bearer <it>` gets 401 with `WWW-Authenticate: Bearer`. */
  requireBearer?: string;
  /** With requireBearer: the 401's message quotes the Authorization header it got (a server that echoes secrets in errors). */
  echoRejectedCredentials?: boolean;
  /**
   * Every N tools/call in total (the Nth, 2Nth, …), before answering that call, the mock toggles a tool
   * and sends notifications/tools/list_changed: the tool named by `listChangedTool` is removed (and put
   * back the next time); without `listChangedTool`, a tool named `mock_list_changed` is added (and
   * removed the next time). The calling session gets the notification on the call's own stream, other
   * sessions on their standalone stream.
   */
  listChangedAfterCalls?: number;
  listChangedTool?: string;
  /** Streamable HTTP only: answer POSTs with plain JSON instead of an SSE stream (no progress then). */
  jsonResponse?: boolean;
  /** Stateful only: never answer a session's DELETE (it is held until the client gives up or the mock closes). */
  hangDelete?: boolean;
}

const CONFIG_KEYS = ['mode', 'name', 'version', 'pageSize', 'listDelayMs', 'tools', 'requireBearer', 'echoRejectedCredentials', 'listChangedAfterCalls', 'listChangedTool', 'jsonResponse', 'hangDelete'];
const TOOL_KEYS = ['name', 'title', 'description', 'inputSchema', 'outputSchema', 'annotations', 'execution', 'result', 'faults'];
const FAULT_FIELDS: Record<MockFaultKind, string[]> = {
  delay: ['ms'],
  hang: [],
  isError: ['text'],
  throw: ['code', 'message'],
  http500: [],
  httpStatus: ['status'],
  expireSession: [],
  malformedSse: [],
  hugeResult: ['bytes'],
  progress: ['steps', 'intervalMs'],
  invalidStructuredContent: ['structuredContent'],
  echoRequest: ['as'],
};

/** A problem at one place in the config; turned into the user-facing Error at the top. */
class ConfigProblem extends Error {
  constructor(
    readonly where: string,
    readonly why: string,
  ) {
    super(`${where} ${why}`);
  }
}

function configError(problem: string, source?: string): Error {
  const at = source === undefined ? '' : `${source}: `;
  return new Error(
    `Failed to load the mock MCP config: ${at}${problem}. Please fix it (MockMcpConfig in harness/mock-mcp/config.ts describes the format).`,
  );
}

/**
 * Checks a parsed JSON value and returns it as a config (a deep copy). Throws an Error
 * "Failed to load the mock MCP config: <where> <why>. Please …" naming the first problem.
 */
export function validateMockMcpConfig(value: unknown, source?: string): MockMcpConfig {
  try {
    const config = asObject(value, 'config');
    checkKeys(config, CONFIG_KEYS, 'config');
    const mode = optionalEnum(config, 'mode', ['stateful', 'stateless', 'sse'], 'config') as MockMcpMode | undefined;
    optionalString(config, 'name', 'config');
    optionalString(config, 'version', 'config');
    optionalInteger(config, 'pageSize', 'config', 1);
    optionalInteger(config, 'listDelayMs', 'config', 0);
    optionalString(config, 'requireBearer', 'config');
    optionalInteger(config, 'listChangedAfterCalls', 'config', 1);
    optionalString(config, 'listChangedTool', 'config');
    if (config.jsonResponse !== undefined && typeof config.jsonResponse !== 'boolean') throw new ConfigProblem('jsonResponse', 'must be a boolean');
    if (config.hangDelete !== undefined && typeof config.hangDelete !== 'boolean') throw new ConfigProblem('hangDelete', 'must be a boolean');
    if (config.echoRejectedCredentials !== undefined && typeof config.echoRejectedCredentials !== 'boolean') throw new ConfigProblem('echoRejectedCredentials', 'must be a boolean');
    if (config.echoRejectedCredentials === true && config.requireBearer === undefined) throw new ConfigProblem('echoRejectedCredentials', 'needs requireBearer');
    if (config.requireBearer === '') throw new ConfigProblem('requireBearer', 'must not be empty');
    const tools = checkTools(config.tools, mode ?? 'stateful', 'tools');
    if (config.listChangedTool !== undefined) {
      if (config.listChangedAfterCalls === undefined) throw new ConfigProblem('listChangedTool', 'needs listChangedAfterCalls');
      if (!tools.some((tool) => tool.name === config.listChangedTool)) {
        throw new ConfigProblem('listChangedTool', `names no tool in tools (got ${JSON.stringify(config.listChangedTool)})`);
      }
    }
    return structuredClone(config) as unknown as MockMcpConfig;
  } catch (error) {
    if (error instanceof ConfigProblem) throw configError(error.message, source);
    throw error;
  }
}

/** Checks a tool list on its own (for `setTools` at runtime). */
export function validateMockTools(value: unknown, mode: MockMcpMode = 'stateful'): MockTool[] {
  try {
    return structuredClone(checkTools(value, mode, 'tools'));
  } catch (error) {
    if (error instanceof ConfigProblem) throw configError(error.message);
    throw error;
  }
}

/** Reads and validates a JSON config file. */
export async function loadMockMcpConfig(file: string): Promise<MockMcpConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw configError(`cannot be read (${(error as Error).message})`, file);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw configError(`is not JSON (${(error as Error).message})`, file);
  }
  return validateMockMcpConfig(value, file);
}

function checkTools(value: unknown, mode: MockMcpMode, where: string): MockTool[] {
  if (!Array.isArray(value)) throw new ConfigProblem(where, 'must be an array of tools');
  const seen = new Set<string>();
  value.forEach((item, i) => {
    const at = `${where}[${i}]`;
    const tool = asObject(item, at);
    checkKeys(tool, TOOL_KEYS, at);
    if (typeof tool.name !== 'string' || tool.name === '') throw new ConfigProblem(`${at}.name`, 'must be a non-empty string');
    if (seen.has(tool.name)) throw new ConfigProblem(`${at}.name`, `repeats the tool name ${JSON.stringify(tool.name)}`);
    seen.add(tool.name);
    for (const key of ['title', 'description']) optionalString(tool, key, at);
    if (tool.inputSchema !== undefined && asObject(tool.inputSchema, `${at}.inputSchema`).type !== 'object') {
      throw new ConfigProblem(`${at}.inputSchema.type`, 'must be "object"');
    }
    if (tool.outputSchema !== undefined && asObject(tool.outputSchema, `${at}.outputSchema`).type !== 'object') {
      throw new ConfigProblem(`${at}.outputSchema.type`, 'must be "object"');
    }
    const listed = ToolSchema.safeParse(listedTool(tool as unknown as MockTool));
    if (!listed.success) throw zodProblem(at, listed.error.issues);
    if (tool.result !== undefined && tool.result !== 'echo') {
      const result = CallToolResultSchema.safeParse(tool.result);
      if (!result.success) throw zodProblem(`${at}.result`, result.error.issues);
    }
    if (tool.faults !== undefined) {
      if (!Array.isArray(tool.faults)) throw new ConfigProblem(`${at}.faults`, 'must be an array');
      tool.faults.forEach((fault, j) => checkFault(fault, tool as unknown as MockTool, mode, `${at}.faults[${j}]`));
    }
  });
  return value as MockTool[];
}

function checkFault(value: unknown, tool: MockTool, mode: MockMcpMode, at: string): void {
  const fault = asObject(value, at);
  const kinds = Object.keys(FAULT_FIELDS);
  if (typeof fault.kind !== 'string' || !kinds.includes(fault.kind)) {
    throw new ConfigProblem(`${at}.kind`, `must be one of ${kinds.join(', ')} (got ${JSON.stringify(fault.kind)})`);
  }
  const kind = fault.kind as MockFaultKind;
  checkKeys(fault, ['kind', 'on', ...FAULT_FIELDS[kind]], at);
  if (fault.on !== undefined) {
    const on = asObject(fault.on, `${at}.on`);
    checkKeys(on, ['call', 'every'], `${at}.on`);
    optionalInteger(on, 'call', `${at}.on`, 1);
    if (on.every !== undefined && typeof on.every !== 'boolean') throw new ConfigProblem(`${at}.on.every`, 'must be a boolean');
  }
  if (kind === 'delay') requiredInteger(fault, 'ms', at, 0);
  if (kind === 'hugeResult') requiredInteger(fault, 'bytes', at, 0);
  if (kind === 'httpStatus') {
    requiredInteger(fault, 'status', at, 400);
    if ((fault.status as number) > 599) throw new ConfigProblem(`${at}.status`, `must be an HTTP error status, 400–599 (got ${String(fault.status)})`);
  }
  if (kind === 'progress') {
    requiredInteger(fault, 'steps', at, 1);
    requiredInteger(fault, 'intervalMs', at, 0);
  }
  if (kind === 'isError') optionalString(fault, 'text', at);
  if (kind === 'throw') {
    optionalInteger(fault, 'code', at);
    optionalString(fault, 'message', at);
  }
  if (kind === 'echoRequest') optionalEnum(fault, 'as', ['result', 'isError', 'throw'], at);
  if (kind === 'expireSession' && mode === 'stateless') throw new ConfigProblem(`${at}.kind`, 'expireSession needs sessions (mode stateful or sse)');
  if (kind === 'invalidStructuredContent') {
    if (fault.structuredContent !== undefined) asObject(fault.structuredContent, `${at}.structuredContent`);
    else if (tool.outputSchema === undefined) throw new ConfigProblem(at, 'needs structuredContent, or an outputSchema on the tool');
    else if (!isObject(tool.outputSchema.properties) && !Array.isArray(tool.outputSchema.required)) {
      throw new ConfigProblem(at, 'needs structuredContent, or an outputSchema with properties or required');
    }
  }
}

/** The tool as tools/list shows it. */
export function listedTool(tool: MockTool): Record<string, unknown> {
  const { result: _result, faults: _faults, ...listed } = tool;
  return { ...listed, inputSchema: tool.inputSchema ?? { type: 'object' } };
}

function zodProblem(at: string, issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): ConfigProblem {
  const issue = issues[0];
  const path = (issue?.path ?? []).map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
  return new ConfigProblem(`${at}${path}`, `is not valid MCP (${issue?.message ?? 'invalid'})`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: unknown, at: string): Record<string, unknown> {
  if (!isObject(value)) throw new ConfigProblem(at, 'must be an object');
  return value;
}

function checkKeys(object: Record<string, unknown>, known: string[], at: string): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) throw new ConfigProblem(at === 'config' ? key : `${at}.${key}`, `is not a known key (known: ${known.join(', ')})`);
  }
}

function field(at: string, key: string): string {
  return at === 'config' ? key : `${at}.${key}`;
}

function optionalString(object: Record<string, unknown>, key: string, at: string): void {
  if (object[key] !== undefined && typeof object[key] !== 'string') throw new ConfigProblem(field(at, key), 'must be a string');
}

function optionalEnum(object: Record<string, unknown>, key: string, values: string[], at: string): string | undefined {
  const value = object[key];
  if (value !== undefined && (typeof value !== 'string' || !values.includes(value))) {
    throw new ConfigProblem(field(at, key), `must be one of ${values.join(', ')} (got ${JSON.stringify(value)})`);
  }
  return value as string | undefined;
}

function optionalInteger(object: Record<string, unknown>, key: string, at: string, min?: number): void {
  if (object[key] !== undefined) requiredInteger(object, key, at, min);
}

function requiredInteger(object: Record<string, unknown>, key: string, at: string, min?: number): void {
  const value = object[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || (min !== undefined && value < min)) {
    const what = min === undefined ? 'an integer' : `an integer ≥ ${min}`;
    throw new ConfigProblem(field(at, key), `must be ${what} (got ${JSON.stringify(value)})`);
  }
}
