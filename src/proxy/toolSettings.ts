/**
 * Per-tool settings (`allowedTools`, `approval.tools`, `bargeIn`, `timeouts.tools`) are keyed by
 * the tool's MCP identity, `"server/tool"`, or given as a function of the catalog tool — never by
 * the Realtime function name, which changes when servers are added, prefixes are switched on or
 * names collide. Resolved against the catalog, they become settings per function name.
 *
 * A key splits at its first `/`: server labels cannot hold one (`^[a-zA-Z0-9_-]{1,32}$`), tool
 * names may. A bare tool name (no server) is refused, even when one server alone offers it: its
 * meaning would then depend on which servers happen to list what (a server that failed to list, or
 * a `list_changed` adding the same name elsewhere, would silently change what it names).
 */
import { closeNames } from '../didYouMean.js';
import { ProxyError } from '../errors.js';
import { parseToolIdentity, toolIdentity } from '../machines/policy.js';
import type { ApprovalRule, BargeInPolicy } from '../machines/types.js';
import type { CatalogTool, ToolAnnotations } from '../mcp/types.js';

/** `approval.tools` values: the machines' per-tool rule. */
export type ToolApproval = ApprovalRule;

/** `"server/tool"` keys, or a predicate on the catalog tool (anything but `true` leaves the tool out). */
export type ToolAllowlist = readonly string[] | ((tool: CatalogTool) => boolean);

/** Values by `"server/tool"` key, or a function of the catalog tool (`undefined`: no setting for it). */
export type PerToolSetting<T> = Readonly<Record<string, T>> | ((tool: CatalogTool) => T | undefined);

export interface ToolSettingsOptions {
  allowedTools?: ToolAllowlist;
  /** `approval.tools` of the proxy options. */
  approval?: PerToolSetting<ToolApproval>;
  bargeIn?: PerToolSetting<BargeInPolicy>;
  /** `timeouts.tools` of the proxy options, in ms. */
  timeoutsMs?: PerToolSetting<number>;
}

/** What the resolution needs of the catalog (a ToolCatalog has it). */
export interface ToolSettingsCatalog {
  readonly tools: readonly CatalogTool[];
  /** Every configured server label. */
  readonly servers: readonly string[];
  /** What a server listed (including tools left out of the catalog), or undefined when its listing failed. */
  listedTools(server: string): ReadonlyArray<{ name: string }> | undefined;
}

/** One tool the model may call, with its settings. */
export interface ResolvedToolSettings {
  functionName: string;
  server: string;
  /** The MCP tool name. */
  tool: string;
  annotations?: ToolAnnotations;
  approval?: ToolApproval;
  bargeIn?: BargeInPolicy;
  timeoutMs?: number;
}

export type ToolSettingName = 'allowedTools' | 'approval.tools' | 'bargeIn' | 'timeouts.tools';

export interface ToolSettingsProblem {
  setting: ToolSettingName;
  /** A key that names nothing or holds a bad value: `start()` fails on it. The others (a server that did not list, a function that threw) are error events. */
  fatal: boolean;
  error: ProxyError;
}

export interface ToolSettings {
  /** The tools the model may call (the allowlist applied), by function name. */
  byFunctionName: Map<string, ResolvedToolSettings>;
  problems: ToolSettingsProblem[];
}

const SUGGESTIONS = 5;

export function resolveToolSettings(catalog: ToolSettingsCatalog, options: ToolSettingsOptions): ToolSettings {
  const problems: ToolSettingsProblem[] = [];
  const allowlist = keyed(catalog, 'allowedTools', Array.isArray(options.allowedTools) ? options.allowedTools.map((key) => [key, true] as const) : undefined, isTrue, problems);
  const approval = perTool(catalog, 'approval.tools', options.approval, isApproval, problems);
  const bargeIn = perTool(catalog, 'bargeIn', options.bargeIn, isBargeIn, problems);
  const timeouts = perTool(catalog, 'timeouts.tools', options.timeoutsMs, isTimeout, problems);
  const allowed: Lookup<true> | undefined =
    typeof options.allowedTools === 'function' ? predicateLookup('allowedTools', options.allowedTools as (tool: CatalogTool) => unknown, isTrue, problems) : allowlist;

  const byFunctionName = new Map<string, ResolvedToolSettings>();
  for (const tool of catalog.tools) {
    if (allowed !== undefined && allowed(tool) !== true) continue;
    const settings: ResolvedToolSettings = {
      functionName: tool.functionName,
      server: tool.server,
      tool: tool.mcpName,
      ...(tool.annotations ? { annotations: tool.annotations } : {}),
    };
    const asked = approval?.(tool, 'always');
    if (asked !== undefined) settings.approval = asked;
    const policy = bargeIn?.(tool);
    if (policy !== undefined) settings.bargeIn = policy;
    const timeoutMs = timeouts?.(tool);
    if (timeoutMs !== undefined) settings.timeoutMs = timeoutMs;
    byFunctionName.set(tool.functionName, settings);
  }
  return { byFunctionName, problems };
}

/** A setting's value for a tool; `failClosed` is what a throwing or misbehaving function gives. */
type Lookup<T> = (tool: CatalogTool, failClosed?: T) => T | undefined;

function perTool<T>(catalog: ToolSettingsCatalog, setting: ToolSettingName, given: PerToolSetting<T> | undefined, valid: (value: unknown) => value is T, problems: ToolSettingsProblem[]): Lookup<T> | undefined {
  if (given === undefined) return undefined;
  if (typeof given === 'function') return predicateLookup(setting, given as (tool: CatalogTool) => unknown, valid, problems);
  if (typeof given !== 'object' || given === null) {
    problems.push(fatal(setting, `it is ${given === null ? 'null' : typeof given}`, 'give an object keyed by "server/tool", or a function of the tool'));
    return undefined;
  }
  return keyed(catalog, setting, Object.entries(given), valid, problems);
}

/** Checks every key against the catalog; the lookup goes by server, then tool (nested Maps: names are data). */
function keyed<T>(catalog: ToolSettingsCatalog, setting: ToolSettingName, entries: ReadonlyArray<readonly [unknown, unknown]> | undefined, valid: (value: unknown) => value is T, problems: ToolSettingsProblem[]): Lookup<T> | undefined {
  if (entries === undefined) return undefined;
  const byServer = new Map<string, Map<string, T>>();
  for (const [key, value] of entries) {
    const where = checkKey(catalog, setting, key, problems);
    if (where === undefined) continue;
    if (!valid(value)) {
      problems.push(fatal(setting, `${quote(key as string)} has the value ${describe(value)}`, expectedValue(setting)));
      continue;
    }
    let tools = byServer.get(where.server);
    if (tools === undefined) byServer.set(where.server, (tools = new Map()));
    tools.set(where.tool, value);
  }
  return (tool) => byServer.get(tool.server)?.get(tool.mcpName);
}

function checkKey(catalog: ToolSettingsCatalog, setting: ToolSettingName, key: unknown, problems: ToolSettingsProblem[]): { server: string; tool: string } | undefined {
  if (typeof key !== 'string') {
    problems.push(fatal(setting, `it holds ${describe(key)}, not a "server/tool" string`, 'give "server/tool" keys'));
    return undefined;
  }
  const identity = parseToolIdentity(key);
  if (identity === undefined) {
    const offering = catalog.servers.filter((server) => catalog.listedTools(server)?.some((tool) => tool.name === key)).map((server) => toolIdentity(server, key));
    // A typo of a listed name ("get_wether"): the keys it may have meant.
    const listed = offering.length > 0 ? [] : listedIdentities(catalog);
    const close = closeNames(key, new Set(listed.map(({ tool }) => tool))).flatMap((name) => listed.filter(({ tool }) => tool === name).map((entry) => entry.key));
    const hint = offering.length > 0 ? `write it as ${list(offering)}` : `write keys as "server/tool"${close.length > 0 ? '' : exampleKey(catalog)}`;
    problems.push(fatal(setting, `${quote(key)} names no server${close.length > 0 ? ` (did you mean ${list(close)}?)` : ''}`, hint));
    return undefined;
  }
  const { server, tool } = identity;
  if (!catalog.servers.includes(server)) {
    problems.push(fatal(setting, `no MCP server is labelled ${quote(server)} (in ${quote(key)})`, `use one of: ${list([...catalog.servers].sort(compare))}`));
    return undefined;
  }
  const listed = catalog.listedTools(server);
  if (listed === undefined) {
    problems.push({
      setting,
      fatal: false,
      error: new ProxyError(
        'invalid_options',
        `Failed to check ${setting}: MCP server ${quote(server)} did not list its tools, so ${quote(key)} cannot be checked. Please check the server; the setting applies to that tool once it is listed.`,
        { data: { setting, key, server } },
      ),
    });
    return { server, tool };
  }
  if (!listed.some((candidate) => candidate.name === tool)) {
    const names = listed.map((candidate) => `${server}/${candidate.name}`).sort(compare);
    const close = closeNames(tool, listed.map((candidate) => candidate.name)).map((name) => toolIdentity(server, name));
    const guess = close.length > 0 ? ` (did you mean ${list(close)}?)` : '';
    problems.push(fatal(setting, `no tool named ${quote(tool)} on server ${quote(server)}${guess}`, names.length > 0 ? `use one of: ${list(names)}` : 'check the server: it lists no tools'));
    return undefined;
  }
  return { server, tool };
}

function predicateLookup<T>(setting: ToolSettingName, predicate: (tool: CatalogTool) => unknown, valid: (value: unknown) => value is T, problems: ToolSettingsProblem[]): Lookup<T> {
  return (tool, failClosed) => {
    const key = toolIdentity(tool.server, tool.mcpName);
    let value: unknown;
    try {
      value = predicate(tool);
    } catch (cause) {
      problems.push({ setting, fatal: false, error: new ProxyError('listener_error', `Failed to apply ${setting} to ${quote(key)}: the function threw ${cause instanceof Error ? cause.name : typeof cause}. Please catch errors in it; ${failClosedNote(setting)}.`, { cause, data: { setting, key } }) });
      return failClosed;
    }
    if (value === undefined || valid(value)) return value as T | undefined;
    if (setting === 'allowedTools') return undefined; // anything but true leaves the tool out
    problems.push({ setting, fatal: false, error: new ProxyError('invalid_options', `Failed to apply ${setting} to ${quote(key)}: the function returned ${describe(value)}. Please return ${expectedValue(setting).replace(/^use /, '')} or undefined; ${failClosedNote(setting)}.`, { data: { setting, key } }) });
    return failClosed;
  };
}

function fatal(setting: ToolSettingName, why: string, please: string): ToolSettingsProblem {
  // `why` and `please` kept apart: a change mid-session (setAllowedTools) words the same problem as its own.
  return { setting, fatal: true, error: new ProxyError('invalid_options', `Failed to configure ${setting}: ${why}. Please ${please}.`, { data: { setting, why, please } }) };
}

/** At most this many keys in an allowlist: beyond any catalog's size (toolLimits.maxTools is at most 10 000). */
export const MAX_ALLOWLIST_KEYS = 10_000;
/** A label (≤ 32), a slash and an MCP tool name fit well within this. */
const MAX_KEY_CHARS = 1_000;

/**
 * An allowlist given at run time (`setAllowedTools`), checked for its shape before anything reads
 * the catalog: an array of at most MAX_ALLOWLIST_KEYS strings (copied, so the host changing its
 * array later changes nothing), or a function of the tool. The reason it is refused otherwise.
 */
export function checkAllowlistShape(allowed: unknown): { ok: true; allowlist: ToolAllowlist } | { ok: false; why: string; please: string } {
  if (typeof allowed === 'function') return { ok: true, allowlist: allowed as (tool: CatalogTool) => boolean };
  const please = 'pass an array of "server/tool" strings';
  if (!Array.isArray(allowed)) return { ok: false, why: `it is ${describe(allowed)}, not an array`, please };
  if (allowed.length > MAX_ALLOWLIST_KEYS) return { ok: false, why: `it holds ${allowed.length} keys, over ${MAX_ALLOWLIST_KEYS}`, please: 'list only the tools the model may call' };
  const keys: string[] = [];
  for (let i = 0; i < allowed.length; i++) {
    const key: unknown = allowed[i];
    if (typeof key !== 'string') return { ok: false, why: `item ${i} is ${describe(key)}, not a "server/tool" string`, please };
    if (key.length > MAX_KEY_CHARS) return { ok: false, why: `item ${i} is ${key.length} characters long, over ${MAX_KEY_CHARS}`, please };
    keys.push(key);
  }
  return { ok: true, allowlist: keys };
}

function failClosedNote(setting: ToolSettingName): string {
  if (setting === 'allowedTools') return 'the tool was left out';
  if (setting === 'approval.tools') return 'the call will ask for approval';
  return 'the default applies';
}

function expectedValue(setting: ToolSettingName): string {
  if (setting === 'approval.tools') return 'use "never" or "always"';
  if (setting === 'bargeIn') return 'use "cancel" or "finish"';
  if (setting === 'timeouts.tools') return 'use a positive number of milliseconds';
  return 'use true';
}

/** Every listed tool as { tool, key: "server/tool" }, in server order. */
function listedIdentities(catalog: ToolSettingsCatalog): Array<{ tool: string; key: string }> {
  return catalog.servers.flatMap((server) => (catalog.listedTools(server) ?? []).map((tool) => ({ tool: tool.name, key: toolIdentity(server, tool.name) })));
}

function exampleKey(catalog: ToolSettingsCatalog): string {
  const first = catalog.tools.map((tool) => toolIdentity(tool.server, tool.mcpName)).sort(compare)[0];
  return first === undefined ? '' : ` (e.g. ${quote(first)})`;
}

/** A handful of quoted names, sorted as given, and how many more there are. */
function list(names: readonly string[]): string {
  const shown = names.slice(0, SUGGESTIONS).map(quote).join(', ');
  return names.length > SUGGESTIONS ? `${shown} (and ${names.length - SUGGESTIONS} more)` : shown;
}

/** Names come from servers and hosts: JSON quoting keeps quotes and control characters visible. */
function quote(text: string): string {
  return JSON.stringify(text);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return `a ${Array.isArray(value) ? 'array' : typeof value}`;
}

// Code-unit order, not localeCompare: messages must not depend on the runtime's locale.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const isTrue = (value: unknown): value is true => value === true;
const isApproval = (value: unknown): value is ToolApproval => value === 'never' || value === 'always';
const isBargeIn = (value: unknown): value is BargeInPolicy => value === 'cancel' || value === 'finish';
const isTimeout = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value > 0;
