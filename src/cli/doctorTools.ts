/**
 * The tool checks behind `realtime-mcp-proxy doctor`, kept free of output: what the proxy would make
 * of each listed tool (the ToolCatalog's own decisions, plus the schema changes and renames behind
 * them), an estimate of the tool list's size in tokens, and the problems of the list as a whole (no
 * tools, none usable, too many for one Realtime session, too large, undescribed).
 */
import type { ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { ToolCatalog } from '../mcp/catalog.js';
import { FUNCTION_NAME_PATTERN } from '../mcp/names.js';
import { toRealtimeParameters, toRealtimeFunctionTool } from '../mcp/parameters.js';
import type { Tool } from '../mcp/types.js';
import type { Problem } from './doctorExplain.js';

/** The Realtime API takes at most this many tools in one session. */
export const MAX_REALTIME_TOOLS = 128;
/** Above this estimate the tool list is a noticeable share of every turn's input. */
export const LARGE_TOOL_LIST_TOKENS = 8_000;
/** How the token counts are estimated (there is no tokenizer here). */
export const TOKEN_ESTIMATE_NOTE = 'estimate: characters of the session.update tools JSON ÷ 4, not a tokenizer count';

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
  usable: number;
  tools: ToolReport[];
  /** Of the whole session.update `tools` array (an estimate). */
  estimatedTokens: number;
}

export function estimateTokens(json: string): number {
  return Math.ceil(json.length / 4);
}

/** What the proxy does with each listed tool, taken from a loaded ToolCatalog (so the two agree). */
export function summarizeTools(listed: readonly Tool[], catalog: ToolCatalog, server: string): ToolsSummary {
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
      estimatedTokens: estimateTokens(JSON.stringify(toRealtimeFunctionTool(kept))),
    };
    if (kept.functionName !== tool.name) report.renamed = whyRenamed(tool.name, listed);
    return report;
  });
  return {
    listed: listed.length,
    usable: catalog.tools.length,
    tools,
    estimatedTokens: estimateTokens(JSON.stringify(catalog.functionTools())),
  };
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
  if (summary.usable > MAX_REALTIME_TOOLS) {
    problems.push({
      level: 'warning',
      topic: 'size',
      message: `${summary.usable} usable tools is more than the ${MAX_REALTIME_TOOLS} the Realtime API takes in one session. Please narrow them with allowedTools.`,
    });
  }
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
