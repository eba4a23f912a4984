import { describe, expect, it } from 'vitest';
import type { ToolsReport } from '../api/serveTypes';
import { diagnoseFailure, diagnoseListing } from './doctor';

describe('diagnoseFailure', () => {
  it.each([
    [{ status: 502, code: 'session_failed', message: 'Failed to connect to MCP server "notes" at http://127.0.0.1:1/mcp: the server asks for credentials (HTTP 401), and none are configured for it. Please give them.' }, 'auth', 'notes', /Authorization/],
    [{ status: 502, code: 'session_failed', message: 'Failed to connect to MCP server "gh" at https://x/mcp: the server refused our credentials (HTTP 403). Please check.' }, 'auth', 'gh', /scopes/],
    [{ status: 502, code: 'session_failed', message: 'Failed to connect to MCP server "gh" at https://x/mcp: the server refused our credentials (HTTP 401). Please check.' }, 'auth', 'gh', /scopes/],
    [{ status: 502, code: 'session_failed', message: 'Failed to list the tools of MCP server "broken": connect ECONNREFUSED. Please check the server.' }, 'transport', 'broken', /running/],
    [{ status: 502, code: 'session_failed', message: 'Failed to connect to MCP server "old": unsupported protocol version 2023-01-01. Please update.' }, 'protocol', 'old', /protocol version/],
    [{ status: 403, code: 'runtime_mcp_disabled', message: 'Failed to use the MCP servers of the request.' }, 'refused', undefined, /--allow-runtime-mcp/],
    [{ status: 0, code: 'unreachable', message: 'Failed to list the tools: serve could not be reached.' }, 'transport', undefined, /Start serve/],
  ])('explains %#', (failure, kind, server, fix) => {
    const problem = diagnoseFailure(failure);
    expect(problem.kind).toBe(kind);
    expect(problem.server).toBe(server);
    expect(problem.fix).toMatch(fix);
    expect(problem.what).toBe(failure.message);
  });
});

describe('diagnoseListing', () => {
  const tool = (server: string, name: string, extra: Partial<ToolsReport['tools'][number]> = {}) => ({ functionName: `${server}__${name}`, server, mcpName: name, description: '', inputSchema: {}, offered: true, ...extra });

  it('finds servers with no tools, tools cut by the limits, and dropped tools', () => {
    const report: ToolsReport = {
      servers: [
        { label: 'empty', source: 'request', listed: true },
        { label: 'big', source: 'request', listed: true },
        { label: 'down', source: 'request', listed: false },
      ],
      tools: [tool('big', 'a'), tool('big', 'b', { offered: false, leftOut: 'Left out: past toolLimits.maxTools (1 tools), which a session applies in listing order.' }), tool('big', 'd', { offered: false, leftOut: 'Left out: its description is over the length limit.' })],
      dropped: [{ server: 'big', tool: 'c', reason: 'its input schema is not an object' }],
    };
    const problems = diagnoseListing(report, { maxTools: 1, maxTokens: 8000 });
    expect(problems.map((problem) => [problem.kind, problem.server])).toEqual([
      ['no-tools', 'empty'],
      ['transport', 'down'],
      ['tool-limit', undefined],
      ['dropped', 'big'],
    ]);
    expect(problems[2]!.what).toBe('1 tool left out by the tool limits (at most 1 tools and 8000 tokens of tool definitions): big__b.');
  });

  it('finds nothing wrong with a healthy listing, whatever the tools picked', () => {
    const report: ToolsReport = { servers: [{ label: 'ok', source: 'request', listed: true }], tools: [tool('ok', 'a'), tool('ok', 'b', { offered: false, leftOut: 'Left out: not in the allowed tools (the allowlist or the tools picked).' })], dropped: [] };
    expect(diagnoseListing(report)).toEqual([]);
  });
});
