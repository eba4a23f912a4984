import { describe, expect, it } from 'vitest';
import { fakeTool, FakeMcpConnection } from '../../test/support/fakeMcpConnection.js';
import { ToolCatalog } from '../mcp/catalog.js';
import { toRealtimeFunctionTool } from '../mcp/parameters.js';
import { estimateToolTokens } from '../mcp/toolLimits.js';
import { limitNote, summarizeTools, toolListProblems } from './doctorTools.js';

async function summaryOf(count: number, describe: (i: number) => string, limits?: { maxTools: number; maxTokens: number }) {
  const listed = Array.from({ length: count }, (_, i) => fakeTool(`tool_${i}`, { description: describe(i) }));
  const catalog = new ToolCatalog([new FakeMcpConnection({ label: 'srv', url: 'http://127.0.0.1:1/mcp' }, listed)], { cache: false });
  await catalog.load();
  return { catalog, summary: summarizeTools(listed, catalog, 'srv', limits) };
}

describe('summarizeTools and the tool limits', () => {
  it('counts as usable only what a session would send, by the defaults (128 tools)', async () => {
    const { summary } = await summaryOf(130, (i) => `Does ${i}.`);
    expect([summary.listed, summary.usable]).toEqual([130, 128]);
    expect(summary.tools.filter((tool) => !tool.usable).map((tool) => tool.name)).toEqual(['tool_128', 'tool_129']);
    expect(summary.limited).toMatchObject({ available: 130, reached: 'maxTools', limits: { maxTools: 128, maxTokens: 16_000 } });
    expect(limitNote(summary)).toBe('limit 128 tools: 2 of 130 left out; choose them with allowedTools, or raise toolLimits.maxTools');
    const problems = toolListProblems(summary, undefined, 'http://127.0.0.1:1/mcp');
    expect(problems.filter((problem) => problem.message.startsWith('Offering 128 of 130 tools'))).toHaveLength(1);
  });

  it('cuts by estimated tokens too, and the estimate is the sum of the tools sent', async () => {
    const { catalog, summary } = await summaryOf(10, (i) => `${i} ${'word '.repeat(200)}`);
    const each = estimateToolTokens(toRealtimeFunctionTool(catalog.tools[0]!));
    const { summary: cut } = await summaryOf(10, (i) => `${i} ${'word '.repeat(200)}`, { maxTools: 128, maxTokens: each * 3 + 1 });
    expect(summary.limited).toBeUndefined();
    expect(limitNote(summary)).toBeUndefined();
    expect(cut.usable).toBe(3);
    expect(cut.estimatedTokens).toBe(cut.tools.filter((tool) => tool.usable).reduce((sum, tool) => sum + tool.estimatedTokens!, 0));
    expect(cut.tools[3]!.leftOut).toBe(`Left out: past toolLimits.maxTokens (${each * 3 + 1} tokens), which a session applies in listing order; it would not be sent, and a call to it would be refused.`);
    expect(limitNote(cut)).toBe(`limit ~${each * 3 + 1} tokens: 7 of 10 left out; choose them with allowedTools, or raise toolLimits.maxTokens`);
  });
});
