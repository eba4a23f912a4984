/**
 * The doctor panel's findings: why a server gives no tools, or fewer than expected, each with what
 * to do. From the listing (`POST /tools`: servers, dropped tools, tools left out and why) and from
 * the failure serve answered instead (its message names the server and the cause).
 */
import type { ToolsReport } from '../api/serveTypes';

export type DoctorKind = 'transport' | 'auth' | 'protocol' | 'refused' | 'no-tools' | 'tool-limit' | 'dropped' | 'other';

export interface DoctorProblem {
  kind: DoctorKind;
  /** The server's label, when the problem is one server's. */
  server?: string;
  what: string;
  /** What to do. */
  fix: string;
}

export interface ListingFailure {
  message: string;
  status: number;
  code: string;
}

const SERVER_IN_MESSAGE = /MCP server "([A-Za-z0-9_-]{1,32})"/;

/** A failed listing, explained. */
export function diagnoseFailure(failure: ListingFailure): DoctorProblem {
  const server = SERVER_IN_MESSAGE.exec(failure.message)?.[1];
  const at = server ? { server } : {};
  const what = failure.message;
  if (failure.status === 0) return { kind: 'transport', what, fix: 'Start serve (npm run demo) and reload the page.' };
  if (failure.code === 'runtime_mcp_disabled') return { kind: 'refused', what, fix: 'Start serve with --allow-runtime-mcp, or configure the MCP servers in serve itself.' };
  if (failure.code === 'mcp_url_refused') return { kind: 'refused', ...at, what, fix: "Use a public http(s) URL, or allow this address in serve's MCP URL policy (local servers need serve's loopback allowance)." };
  if (failure.code === 'unauthorized') return { kind: 'auth', what, fix: 'Open the page with the address serve printed (it carries #token=…).' };
  // Refused credentials first: a server that refuses a token answers 401 too, and needs another token, not a header.
  if (/\b403\b|forbidden|refused our credentials/i.test(failure.message)) {
    return { kind: 'auth', ...at, what, fix: 'The server refused the credentials: check the token, its scopes, and that it belongs to this server.' };
  }
  if (/\b401\b|asks for credentials|unauthori[sz]ed/i.test(failure.message)) {
    return { kind: 'auth', ...at, what, fix: 'Add a header to this server: name Authorization, value Bearer <your token> (or the header its documentation names).' };
  }
  if (/protocol version|protocolVersion/i.test(failure.message)) {
    return { kind: 'protocol', ...at, what, fix: 'The server speaks an MCP protocol version the proxy does not: update the server, or check that the URL is its MCP endpoint.' };
  }
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|timed? ?out|could not (be )?reach|unreachable|fetch failed|connect/i.test(failure.message)) {
    return { kind: 'transport', ...at, what, fix: 'Check that the server is running and that the URL is its MCP endpoint (often ending in /mcp); serve must be able to reach it.' };
  }
  return { kind: 'other', ...at, what, fix: 'Read the message above; `realtime-mcp-proxy doctor <url>` checks one server in detail.' };
}

/** What a successful listing says is wrong or missing. */
export function diagnoseListing(report: ToolsReport, limits?: { maxTools: number; maxTokens: number }): DoctorProblem[] {
  const problems: DoctorProblem[] = [];
  const toolsOf = new Map<string, number>();
  for (const tool of report.tools) toolsOf.set(tool.server, (toolsOf.get(tool.server) ?? 0) + 1);
  for (const server of report.servers) {
    if (!server.listed) {
      problems.push({ kind: 'transport', server: server.label, what: `MCP server "${server.label}" could not be listed.`, fix: 'Check that it is running and reachable from serve, then list the tools again.' });
    } else if ((toolsOf.get(server.label) ?? 0) === 0) {
      problems.push({
        kind: 'no-tools',
        server: server.label,
        what: `MCP server "${server.label}" lists 0 tools the proxy can use.`,
        fix: 'Check the server offers tools (its tools capability), that your credentials allow listing them, and the dropped tools below.',
      });
    }
  }
  const limited = report.tools.filter((tool) => !tool.offered && tool.leftOut !== undefined && /tool ?limits/i.test(tool.leftOut));
  if (limited.length > 0) {
    const bounds = limits && limits.maxTools > 0 ? ` (at most ${limits.maxTools} tools and ${limits.maxTokens} tokens of tool definitions)` : '';
    problems.push({
      kind: 'tool-limit',
      what: `${limited.length} tool${limited.length === 1 ? '' : 's'} left out by the tool limits${bounds}: ${limited.slice(0, 5).map((tool) => tool.functionName).join(', ')}${limited.length > 5 ? ', …' : ''}.`,
      fix: 'Pick fewer tools: the model works best with a short list.',
    });
  }
  for (const dropped of report.dropped.slice(0, 20)) {
    problems.push({ kind: 'dropped', server: dropped.server, what: `Tool "${dropped.tool}" of "${dropped.server}" cannot be used: ${dropped.reason}`, fix: 'Nothing to do here unless you need it: the server must change its definition.' });
  }
  return problems;
}
