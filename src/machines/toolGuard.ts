/**
 * The session's tool list belongs to the proxy. Another client on the same session (the page's
 * WebRTC data channel beside the server's sideband) may send its own `session.update`: the server
 * then reports tools the proxy did not send in a `session.updated` the proxy did not ask for. This
 * module tells whether such a report overrides the proxy's tools (and how), and how many times the
 * proxy may send its tools again before it only warns, so that two clients fighting over the tools
 * cannot exchange updates without end.
 *
 * What counts: the set of tools by kind and name (a function's `name`, an MCP server's
 * `server_label`), each field the proxy sent (compared as JSON with sorted keys, so a server that
 * reorders keys or adds fields of its own changes nothing), and a `tool_choice` other than `auto`.
 * An MCP tool's `authorization` and `headers` are left out: the server need not echo secrets.
 */
import type { RealtimeFunctionTool } from '../mcp/types.js';
import type { McpTool } from '../protocol/generated/types.js';

/** Re-assertions allowed within `TOOLS_REASSERT_WINDOW_MS`; past them the proxy only warns. */
export const TOOLS_REASSERT_LIMIT = 3;
export const TOOLS_REASSERT_WINDOW_MS = 60_000;

/** Names reported per list (the other client's names are data: a hostile one may send thousands). */
const MAX_NAMES = 32;
const MAX_NAME_LENGTH = 128;
/** Deeper than this a definition is not compared field by field: it counts as changed. */
const MAX_DEPTH = 64;
const SECRET_FIELDS = new Set(['authorization', 'headers']);

export interface ToolsOverride {
  /** Tools the other client added (function names, MCP server labels). */
  added: string[];
  /** The proxy's tools it removed. */
  removed: string[];
  /** The proxy's tools whose definition it changed. */
  changed: string[];
  /** The `tool_choice` it set, when not `auto`. */
  toolChoice?: unknown;
}

type Offered = RealtimeFunctionTool | McpTool;

class TooDeep extends Error {}

/** JSON with sorted keys: the same value reads the same whatever the key order. */
function canonical(value: unknown, depth = 0): string {
  if (depth > MAX_DEPTH) throw new TooDeep();
  if (Array.isArray(value)) return `[${value.map((entry) => canonical(entry, depth + 1)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonical(entry, depth + 1)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

function sameField(ours: unknown, theirs: unknown): boolean {
  try {
    return canonical(ours) === canonical(theirs);
  } catch {
    return false;
  }
}

function nameOf(tool: unknown): string {
  if (typeof tool !== 'object' || tool === null) return '';
  const { type, name, server_label: label } = tool as { type?: unknown; name?: unknown; server_label?: unknown };
  const named = type === 'mcp' ? label : name;
  return typeof named === 'string' ? named : '';
}

/** Kind and name: a function and an MCP server may share a name. */
function keyOf(tool: unknown): string {
  const type = typeof tool === 'object' && tool !== null ? (tool as { type?: unknown }).type : undefined;
  return `${typeof type === 'string' ? type : '?'}\u0000${nameOf(tool)}`;
}

function clip(names: string[]): string[] {
  return names.slice(0, MAX_NAMES).map((name) => (name.length > MAX_NAME_LENGTH ? `${name.slice(0, MAX_NAME_LENGTH)}…` : name));
}

/**
 * How the session a server reports differs from the tools the proxy offered, or undefined when it
 * does not (no `tools` reported, or the same tools and `tool_choice`).
 */
export function toolsOverride(offered: readonly Offered[], reported: unknown): ToolsOverride | undefined {
  if (typeof reported !== 'object' || reported === null) return undefined;
  const { tools, tool_choice: toolChoice } = reported as { tools?: unknown; tool_choice?: unknown };
  const choiceOverridden = toolChoice !== undefined && toolChoice !== 'auto';
  if (!Array.isArray(tools)) return choiceOverridden ? { added: [], removed: [], changed: [], toolChoice } : undefined;
  const theirs = new Map<string, unknown>();
  for (const tool of tools) theirs.set(keyOf(tool), tool);
  const ours = new Map<string, Offered>(offered.map((tool) => [keyOf(tool), tool]));
  const removed: string[] = [];
  const changed: string[] = [];
  for (const [key, tool] of ours) {
    const reportedTool = theirs.get(key) as Record<string, unknown> | undefined;
    if (reportedTool === undefined) removed.push(nameOf(tool));
    else if (Object.entries(tool).some(([field, value]) => !SECRET_FIELDS.has(field) && !sameField(value, reportedTool[field]))) changed.push(nameOf(tool));
  }
  const added = [...theirs.keys()].filter((key) => !ours.has(key)).map((key) => nameOf(theirs.get(key)));
  // A list holding one tool twice is not the list the proxy sent, even when the names match.
  const duplicated = theirs.size !== tools.length;
  if (added.length === 0 && removed.length === 0 && changed.length === 0 && !duplicated && !choiceOverridden) return undefined;
  return { added: clip(added), removed: clip(removed), changed: clip(changed), ...(choiceOverridden ? { toolChoice } : {}) };
}

/** The re-assertions still inside the window at `now` (oldest first). */
export function recentReassertions(times: readonly number[], now: number): number[] {
  return times.filter((at) => now - at < TOOLS_REASSERT_WINDOW_MS && at <= now);
}
