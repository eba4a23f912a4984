/**
 * How many tools, and how many tokens of tool definitions, one `session.update` may carry. The
 * session (the proxy) and `doctor` both decide with `applyToolLimits`, so what doctor reports is
 * what a session sends.
 *
 * Tools are kept in catalog order (configured server order, then each server's listing order)
 * until a limit is reached; every tool after that is left out, so the cut is predictable and the
 * same on every run. A tool left out is not offered to the model and a call to it is refused.
 */
import { ProxyError } from '../errors.js';
import type { RealtimeFunctionTool } from './types.js';

export interface ToolLimits {
  /**
   * At most this many tools in `session.update`. Default 128: the Chat Completions and Responses
   * APIs refuse more (`array_above_max_length`); no Realtime-specific limit is documented, but
   * every tool costs tokens and latency on every turn all the same. 1–10 000.
   */
  maxTools?: number;
  /**
   * At most this many tokens of tool definitions (estimated: UTF-8 bytes of each tool's JSON as
   * sent ÷ 4, not a tokenizer count). Default 16 000: half of gpt-realtime's 32k-token context,
   * which the definitions take from on every turn, leaving the other half for the instructions,
   * the conversation (audio is ~10 tokens a second) and the 4k of a response. 1–1 000 000.
   */
  maxTokens?: number;
}

export const DEFAULT_MAX_TOOLS = 128;
export const DEFAULT_MAX_TOOL_TOKENS = 16_000;
export const TOOL_LIMIT_BOUNDS = { maxTools: 10_000, maxTokens: 1_000_000 } as const;
/** How `estimateToolTokens` counts, for messages. */
export const TOKEN_ESTIMATE_NOTE = "estimate: UTF-8 bytes of each tool's JSON in session.update ÷ 4, not a tokenizer count";

export type ResolvedToolLimits = Required<ToolLimits>;
export type ToolLimitName = keyof ToolLimits;

/** Checks `toolLimits` and fills in the defaults; throws a ProxyError `invalid_options` naming the field. */
export function resolveToolLimits(limits: unknown): ResolvedToolLimits {
  if (limits === undefined) return { maxTools: DEFAULT_MAX_TOOLS, maxTokens: DEFAULT_MAX_TOOL_TOKENS };
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) {
    throw new ProxyError('invalid_options', `Failed to configure toolLimits: it is ${limits === null ? 'null' : Array.isArray(limits) ? 'an array' : typeof limits}, not an object. Please give { maxTools?: number, maxTokens?: number }.`);
  }
  const given = limits as Record<string, unknown>;
  const unknown = Object.keys(given).filter((key) => key !== 'maxTools' && key !== 'maxTokens');
  if (unknown.length > 0) {
    throw new ProxyError('invalid_options', `Failed to configure toolLimits: ${unknown.map((key) => JSON.stringify(key)).join(', ')} is not a limit. Please use maxTools and maxTokens.`);
  }
  return {
    maxTools: bounded(given, 'maxTools', DEFAULT_MAX_TOOLS),
    maxTokens: bounded(given, 'maxTokens', DEFAULT_MAX_TOOL_TOKENS),
  };
}

function bounded(given: Record<string, unknown>, name: ToolLimitName, fallback: number): number {
  const value = given[name];
  if (value === undefined) return fallback;
  const max = TOOL_LIMIT_BOUNDS[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    const shown = typeof value === 'number' || typeof value === 'boolean' || value === null ? String(value) : typeof value === 'string' ? JSON.stringify(value) : `a ${typeof value}`;
    throw new ProxyError('invalid_options', `Failed to configure toolLimits.${name}: ${shown} is not a whole number from 1 to ${max}. Please give one (default ${fallback}).`, { data: { setting: `toolLimits.${name}` } });
  }
  return value;
}

const encoder = new TextEncoder();

/** Tokens of one tool as `session.update` sends it (name, description, parameters): UTF-8 bytes of its JSON ÷ 4, rounded up. */
export function estimateToolTokens(tool: RealtimeFunctionTool): number {
  return Math.ceil(encoder.encode(JSON.stringify(tool)).length / 4);
}

/** A tool that may be sent: its MCP identity and its definition as sent. */
export interface LimitCandidate {
  server: string;
  /** The MCP tool name. */
  tool: string;
  definition: RealtimeFunctionTool;
}

export interface ToolLimitOutcome<T extends LimitCandidate> {
  limits: ResolvedToolLimits;
  kept: T[];
  /** In catalog order; empty when every candidate fits. */
  leftOut: T[];
  /** The limit that stopped the list (undefined when every candidate fits). */
  reached?: ToolLimitName;
  keptTokens: number;
  /** Of every candidate. */
  totalTokens: number;
}

/** Keeps candidates in the order given until one would pass a limit; that one and every later one is left out. */
export function applyToolLimits<T extends LimitCandidate>(candidates: readonly T[], limits: ResolvedToolLimits): ToolLimitOutcome<T> {
  const kept: T[] = [];
  const leftOut: T[] = [];
  let reached: ToolLimitName | undefined;
  let keptTokens = 0;
  let totalTokens = 0;
  for (const candidate of candidates) {
    const tokens = estimateToolTokens(candidate.definition);
    totalTokens += tokens;
    if (reached === undefined && kept.length >= limits.maxTools) reached = 'maxTools';
    if (reached === undefined && keptTokens + tokens > limits.maxTokens) reached = 'maxTokens';
    if (reached !== undefined) {
      leftOut.push(candidate);
      continue;
    }
    kept.push(candidate);
    keptTokens += tokens;
  }
  return { limits, kept, leftOut, keptTokens, totalTokens, ...(reached ? { reached } : {}) };
}

/** One server's share of a cut: how many of its candidates were kept. */
export interface ServerToolCount {
  server: string;
  kept: number;
  total: number;
}

/** What a cut left out, for a `tools_limited` warning (proxy) or a problem (doctor): one message, and the facts as data. */
export function describeToolLimit<T extends LimitCandidate>(outcome: ToolLimitOutcome<T>): { message: string; data: Record<string, unknown> } | undefined {
  const { reached, limits, kept, leftOut } = outcome;
  if (reached === undefined) return undefined;
  const total = kept.length + leftOut.length;
  const servers = new Map<string, ServerToolCount>();
  for (const [list, isKept] of [[kept, true], [leftOut, false]] as const) {
    for (const candidate of list) {
      let count = servers.get(candidate.server);
      if (count === undefined) servers.set(candidate.server, (count = { server: candidate.server, kept: 0, total: 0 }));
      count.total++;
      if (isKept) count.kept++;
    }
  }
  const losers = [...servers.values()].filter((count) => count.kept < count.total);
  const lost = losers.map((count) => `${JSON.stringify(count.server)} (${count.kept} of ${count.total} kept)`).join(', ');
  const why =
    reached === 'maxTools'
      ? `toolLimits.maxTools is ${limits.maxTools} (the default 128 is the most Chat Completions and Responses take; Realtime documents no limit)`
      : `the next tool would pass toolLimits.maxTokens, ${limits.maxTokens} tokens`;
  const example = losers[0]!.server;
  const message =
    `Offering ${kept.length} of ${total} tools (~${outcome.keptTokens} of ~${outcome.totalTokens} tokens, estimated): ${why}. ` +
    `Tools are kept in configured order; the rest are not offered and their calls are refused: ${lost}. ` +
    `Please choose the tools the model needs with allowedTools (server ${JSON.stringify(example)}'s own list, or "${example}/tool" keys in the session's; from the CLI: --allow or allowedTools in the config file), or raise toolLimits.${reached} (at most ${TOOL_LIMIT_BOUNDS[reached]}).`;
  return {
    message,
    data: {
      kept: kept.length,
      total,
      keptTokens: outcome.keptTokens,
      totalTokens: outcome.totalTokens,
      reached,
      limits: { ...limits },
      servers: losers,
      leftOut: leftOut.map((candidate) => ({ server: candidate.server, tool: candidate.tool, functionName: candidate.definition.name })),
    },
  };
}
