import { describe, expect, it } from 'vitest';
import type { McpTool } from '../protocol/generated/types.js';
import { recentReassertions, TOOLS_REASSERT_WINDOW_MS, toolsOverride } from './toolGuard.js';

const fn = (name: string, parameters: Record<string, unknown> = { type: 'object', properties: { q: { type: 'string' } } }) => ({ type: 'function' as const, name, description: `${name} it.`, parameters });
const mcp: McpTool = { type: 'mcp', server_label: 'docs', server_url: 'https://mcp.example/mcp', authorization: 'tok', require_approval: 'never' };
const offered = [fn('echo'), fn('add'), mcp];

describe('toolsOverride', () => {
  it('the same tools, keys in another order, server fields added, secrets not echoed: no override', () => {
    const reported = {
      type: 'realtime',
      tool_choice: 'auto',
      tools: [
        { type: 'mcp', server_label: 'docs', require_approval: 'never', server_url: 'https://mcp.example/mcp', allowed_tools: null },
        { parameters: { properties: { q: { type: 'string' } }, type: 'object' }, description: 'add it.', name: 'add', type: 'function' },
        fn('echo'),
      ],
    };
    expect(toolsOverride(offered, reported)).toBeUndefined();
  });

  it('a session without tools (or not an object) overrides nothing', () => {
    expect(toolsOverride(offered, { type: 'realtime', instructions: 'Hi.' })).toBeUndefined();
    expect(toolsOverride(offered, null)).toBeUndefined();
  });

  it('names what was added, removed and changed (a function and an MCP server may share a name)', () => {
    const reported = { tools: [fn('echo', { type: 'object' }), { type: 'function', name: 'docs' }, { ...mcp, server_url: 'https://evil.example/mcp' }, fn('forged_tool')] };
    expect(toolsOverride(offered, reported)).toEqual({ added: ['docs', 'forged_tool'], removed: ['add'], changed: ['echo', 'docs'] });
  });

  it('a tool_choice other than auto is an override; one tool listed twice too', () => {
    expect(toolsOverride(offered, { tools: [fn('echo'), fn('add'), mcp], tool_choice: 'none' })).toEqual({ added: [], removed: [], changed: [], toolChoice: 'none' });
    expect(toolsOverride(offered, { tools: [fn('echo'), fn('add'), mcp, fn('add')] })).toEqual({ added: [], removed: [], changed: [] });
  });

  it('hostile tools: garbage entries, __proto__ names, thousands of names, a definition nested too deep', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    const many = Array.from({ length: 5_000 }, (_, i) => fn(`t${i}`));
    const found = toolsOverride(offered, { tools: [null, 7, fn('__proto__'), { type: 'function', name: 'x'.repeat(1_000) }, fn('echo', deep), fn('add'), mcp, ...many] });
    // null and 7 are one nameless entry; the names are clipped in number and length.
    expect(found?.added.slice(0, 2)).toEqual(['', '__proto__']);
    expect(found?.added).toHaveLength(32);
    expect(found?.added[2]).toHaveLength(129);
    expect(found?.changed).toEqual(['echo']);
  });
});

describe('recentReassertions', () => {
  it('keeps those inside the window (and none from the future)', () => {
    const now = 1_000_000;
    expect(recentReassertions([now - TOOLS_REASSERT_WINDOW_MS, now - TOOLS_REASSERT_WINDOW_MS + 1, now, now + 5], now)).toEqual([now - TOOLS_REASSERT_WINDOW_MS + 1, now]);
  });
});
