/**
 * The tool checks behind `realtime-mcp-proxy doctor`, kept free of output: what the proxy would make
 * of each listed tool (the ToolCatalog's own decisions, plus the schema changes and renames behind
 * them), the session's tool limits applied with the proxy's own function (so doctor's "usable"
 * is what `connect` would send), an estimate of the tool list's size in tokens, and the problems of
 * the list as a whole (no tools, none usable, past the tool limits, large, undescribed).
 */
import type { ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { ToolCatalog } from '../mcp/catalog.js';
import { FUNCTION_NAME_PATTERN } from '../mcp/names.js';
import { toRealtimeParameters, toRealtimeFunctionTool } from '../mcp/parameters.js';
import { applyToolLimits, describeToolLimit, estimateToolTokens, resolveToolLimits, TOKEN_ESTIMATE_NOTE, type LimitCandidate, type ResolvedToolLimits } from '../mcp/toolLimits.js';
import type { Tool } from '../mcp/types.js';
import type { Problem } from './doctorExplain.js';

export { TOKEN_ESTIMATE_NOTE };

/** Above this estimate the tool list is a noticeable share of every turn's input (the limit, toolLimits.maxTokens, is higher). */
export const LARGE_TOOL_LIST_TOKENS = 8_000;

export interface ToolReport {
  /** The name on the MCP server. */
  name: string;
  /** The Realtime function name, when the proxy exposes the tool. */
  functionName?: string;
  usable: boolean;
  /** Why the function name differs from the MCP name. */
  renamed?: string;
  /** What the proxy changes in the inputSchema so Realtime takes it. */
  schemaChanges: string[];
  /** Why the proxy leaves the tool out. */
  leftOut?: string;
  warnings: string[];
  /** Of this tool's entry in session.update (an estimate). */
  estimatedTokens?: number;
}

export interface ToolsSummary {
  listed: number;
  /** What a session would send: the catalog's tools within the tool limits. */
  usable: number;
  tools: ToolReport[];
  /** Of the whole session.update `tools` array (an estimate). */
  estimatedTokens: number;
  /** When the tool limits leave tools out: the limits, how many tools the catalog kept before them, and the proxy's own warning. */
  limited?: { limits: ResolvedToolLimits; available: number; availableTokens: number; reached: 'maxTools' | 'maxTokens'; message: string };
}

/**
 * What the proxy does with each listed tool, taken from a loaded ToolCatalog and the session's tool
 * limits (the defaults unless given), with the proxy's own functions, so the two agree.
 */
export function summarizeTools(listed: readonly Tool[], catalog: ToolCatalog, server: string, limits: ResolvedToolLimits = resolveToolLimits(undefined)): ToolsSummary {
  const candidates = catalog.tools.map((tool): LimitCandidate => ({ server: tool.server, tool: tool.mcpName, definition: toRealtimeFunctionTool(tool) }));
  const outcome = applyToolLimits(candidates, limits);
  const cutBy = outcome.reached === 'maxTokens' ? `toolLimits.maxTokens (${limits.maxTokens} tokens)` : `toolLimits.maxTools (${limits.maxTools} tools)`;
  const leftOutByLimit = new Set(outcome.leftOut.filter((candidate) => candidate.server === server).map((candidate) => candidate.tool));
  const seen = new Set<string>();
  const tools = listed.map((tool): ToolReport => {
    const warnings: string[] = [];
    if (seen.has(tool.name)) warnings.push('The server lists this name more than once; the proxy keeps one of them.');
    seen.add(tool.name);
    const kept = catalog.find(server, tool.name);
    const dropped = catalog.dropped.find((entry) => entry.server === server && entry.tool === tool.name);
    if (kept === undefined) {
      const reason = dropped?.reason ?? 'the proxy did not keep it';
      return { name: tool.name, usable: false, schemaChanges: [], leftOut: /^Failed to/.test(reason) ? reason : `Left out: ${reason}.`, warnings };
    }
    const adapted = toRealtimeParameters(tool.inputSchema);
    const description = tool.description ?? tool.title ?? tool.annotations?.title;
    if (!description || description.trim() === '') warnings.push('It has no description: the model has only the name to decide when to call it.');
    const report: ToolReport = {
      name: tool.name,
      functionName: kept.functionName,
      usable: true,
      schemaChanges: adapted.ok ? adapted.changes : [],
      warnings,
      estimatedTokens: estimateToolTokens(toRealtimeFunctionTool(kept)),
    };
    if (kept.functionName !== tool.name) report.renamed = whyRenamed(tool.name, listed);
    if (leftOutByLimit.has(tool.name)) {
      report.usable = false;
      report.leftOut = `Left out: past ${cutBy}, which a session applies in listing order; it would not be sent, and a call to it would be refused.`;
    }
    return report;
  });
  const described = describeToolLimit(outcome);
  return {
    listed: listed.length,
    usable: outcome.kept.length,
    tools,
    estimatedTokens: outcome.keptTokens,
    ...(described && outcome.reached ? { limited: { limits, available: candidates.length, availableTokens: outcome.totalTokens, reached: outcome.reached, message: described.message } } : {}),
  };
}

/** The limit's part of doctor's verdict: `limit 128 tools: 69 of 197 left out; …` (undefined when nothing was left out). */
export function limitNote(summary: ToolsSummary): string | undefined {
  const limited = summary.limited;
  if (limited === undefined) return undefined;
  const limit = limited.reached === 'maxTools' ? `limit ${limited.limits.maxTools} tools` : `limit ~${limited.limits.maxTokens} tokens`;
  return `${limit}: ${limited.available - summary.usable} of ${limited.available} left out; choose them with allowedTools, or raise toolLimits.${limited.reached}`;
}

function whyRenamed(name: string, listed: readonly Tool[]): string {
  const base = name.replace(/[^a-zA-Z0-9_-]/gu, '_');
  const reasons: string[] = [];
  if (name.length === 0) reasons.push('the name is empty');
  if (base !== name) reasons.push('it has characters Realtime function names do not allow (only a-z, A-Z, 0-9, "_" and "-")');
  if (base.length > 64) reasons.push('it is longer than the 64 characters Realtime allows');
  const sharers = listed.filter((other) => other.name !== name && other.name.replace(/[^a-zA-Z0-9_-]/gu, '_') === base);
  if (sharers.length > 0) reasons.push(`another tool (${sharers.map((other) => JSON.stringify(other.name)).join(', ')}) maps to the same name, so both get a hash suffix`);
  if (reasons.length === 0 && !FUNCTION_NAME_PATTERN.test(name)) reasons.push('it is not a valid Realtime function name');
  return reasons.length > 0 ? reasons.join('; ') : 'its plain name is taken by another tool';
}

/** Problems of a tool list as a whole (how many tools, how large, how many left out). */
export function toolListProblems(summary: ToolsSummary, capabilities: ServerCapabilities | undefined, url: string): Problem[] {
  const problems: Problem[] = [];
  if (summary.listed === 0) {
    const noCapability = capabilities !== undefined && capabilities.tools === undefined;
    problems.push({
      level: 'error',
      topic: 'tools',
      message: `Failed to find any tools at ${url}: the server listed none${noCapability ? ' and does not declare the tools capability (it may offer only resources or prompts)' : ''}. Please check that this is the server you meant; some servers list tools only for an authenticated user, or after their own configuration.`,
    });
  } else if (summary.usable === 0) {
    problems.push({
      level: 'error',
      topic: 'tools',
      message: `Failed to find a usable tool at ${url}: the server listed ${summary.listed}, and every one is left out (see the tools above). Please fix their definitions on the server.`,
    });
  }
  // The proxy's own tools_limited warning: what connect would say, word for word.
  if (summary.limited) problems.push({ level: 'warning', topic: 'size', message: summary.limited.message });
  if (summary.estimatedTokens > LARGE_TOOL_LIST_TOKENS) {
    problems.push({
      level: 'warning',
      topic: 'size',
      message: `The tool list is about ${summary.estimatedTokens} tokens (${TOKEN_ESTIMATE_NOTE}), sent as input with every response. Please narrow it with allowedTools or shorten the descriptions.`,
    });
  }
  const undescribed = summary.tools.filter((tool) => tool.usable && tool.warnings.some((warning) => warning.startsWith('It has no description')));
  if (undescribed.length > 0) {
    problems.push({
      level: 'warning',
      topic: 'tools',
      message: `${undescribed.length} tool${undescribed.length === 1 ? ' has' : 's have'} no description (${undescribed.map((tool) => tool.name).join(', ')}): the model has only the name to go on. Please add descriptions on the server.`,
    });
  }
  return problems;
}
