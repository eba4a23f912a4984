/** The tool picker's logic: search, the default picks, and picks as serve's "server/tool" keys. */
import type { ToolEntry } from '../api/serveTypes';

export const toolKey = (tool: Pick<ToolEntry, 'server' | 'mcpName'>): string => `${tool.server}/${tool.mcpName}`;

/** Tools whose name, server or description holds every word of the query (any case). */
export function searchTools(tools: readonly ToolEntry[], query: string): ToolEntry[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...tools];
  return tools.filter((tool) => {
    const text = `${tool.functionName} ${tool.mcpName} ${tool.server} ${tool.description} ${tool.annotations?.title ?? ''}`.toLowerCase();
    return words.every((word) => text.includes(word));
  });
}

/** The picks a fresh listing starts with: what a session would offer (allowlist and limits applied). */
export function defaultPicks(tools: readonly ToolEntry[]): Set<string> {
  return new Set(tools.filter((tool) => tool.offered).map((tool) => tool.functionName));
}

/** The picks as serve's keys, in the listing's order; names no longer listed are left out. */
export function allowedToolKeys(tools: readonly ToolEntry[], picked: ReadonlySet<string>): string[] {
  return tools.filter((tool) => picked.has(tool.functionName)).map(toolKey);
}
