/**
 * The shapes the MCP layer shares: what a server is configured with, what the catalog keeps of a
 * tool, and what a call ends in. The MCP wire types themselves come from the SDK.
 */
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { CallToolResult, Tool, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';

export type { CallToolResult, Tool, ToolAnnotations };

/** A JSON Schema object, as MCP servers send them (`inputSchema`, `outputSchema`). */
export type JsonSchema = { [keyword: string]: unknown };

/** How a connection reaches its server. `auto` tries Streamable HTTP, then legacy HTTP+SSE. */
export type McpTransportKind = 'streamable-http' | 'sse' | 'stdio';

/** One MCP server, as the host configures it. */
export interface McpServerConfig {
  /** Names the server in events, errors and (optionally) function-name prefixes. `^[a-zA-Z0-9_-]{1,32}$`. */
  label: string;
  /** An `http(s)://` endpoint (Streamable HTTP or legacy SSE). Exactly one of `url` and `command`. */
  url?: string;
  /** A local server to spawn over stdio (Node only: `realtime-mcp-proxy/node`). */
  command?: string;
  args?: readonly string[];
  /** The child's whole environment: the SDK passes only a small allow-list when this is absent. */
  env?: Record<string, string>;
  cwd?: string;
  /**
   * What happens to a stdio server's stderr. `capture` (default): its last lines are kept, and the
   * error that reports the server failing to start or exiting quotes them (redacted). `inherit`: the
   * same, and every line is also passed through to this process's stderr.
   */
  stderr?: 'capture' | 'inherit';
  /** Sent on every HTTP request. */
  headers?: Record<string, string>;
  /** A bearer token, or a function asked again after a 401 (for short-lived tokens). */
  token?: string | (() => Promise<string>);
  /** The SDK's OAuth provider, passed through to the transport. */
  authProvider?: OAuthClientProvider;
  /** Default deadline of one tool call, in ms. Default 30 000 (a voice turn cannot wait longer). */
  timeoutMs?: number;
  /** Per-tool deadlines (by MCP tool name), in ms; win over `timeoutMs`. */
  toolTimeoutsMs?: Record<string, number>;
  /** A ceiling progress notifications cannot extend, in ms. Default 4 × the call's timeout. */
  maxTotalTimeoutMs?: number;
  transport?: 'auto' | McpTransportKind;
  /** Which tools the model may see and call: names, or a predicate. Default: all. */
  allowedTools?: readonly string[] | ((tool: Tool) => boolean);
  /**
   * Whether a 400 whose body speaks of an invalid, unknown or missing session ("No valid session ID",
   * "Session not found", "Server not initialized") counts as a session the server no longer knows,
   * like the spec's 404. server-everything and Notion answer a restart that way. Default: it counts
   * (detected from the body); `false` turns the detection off, leaving only the 404. Either way the
   * connection re-initializes and sends the refused request once more (it did not run).
   */
  treatNoValidSessionAsExpired?: boolean;
}

/** A tool as the catalog keeps it, with the name the model sees. */
export interface CatalogTool {
  /** The server label. */
  server: string;
  /** The tool's name on its MCP server. */
  mcpName: string;
  /** The Realtime function name (`^[a-zA-Z0-9_-]{1,64}$`). */
  functionName: string;
  description: string;
  /** The schema as the server sent it (arguments are validated against this). */
  inputSchema: JsonSchema;
  /** The schema as sent to Realtime (adapted where Realtime cannot take the original). */
  parameters: JsonSchema;
  outputSchema?: JsonSchema;
  annotations?: ToolAnnotations;
  /** Changes whenever the server's definition of the tool changes (a hash of it). */
  version: string;
  /** The tool as listed, untouched. */
  definition: Tool;
}

/** A Realtime function tool, as it goes into `session.update`. */
export interface RealtimeFunctionTool {
  type: 'function';
  name: string;
  description: string;
  parameters: JsonSchema;
}

/** How a tool call ended. Everything but `ok` carries a model-facing error in `output`. */
export type ToolCallCode =
  | 'ok'
  /** The tool ran and reported an error (`isError: true`). */
  | 'tool_error'
  /** The arguments were not JSON or failed the tool's `inputSchema`; the MCP server was not called. */
  | 'invalid_arguments'
  /** No tool has this function name. */
  | 'unknown_tool'
  /** The tool exists but the allowlist leaves it out; the MCP server was not called. */
  | 'not_allowed'
  /** The tool did not answer in time. */
  | 'timeout'
  /** The call was aborted (barge-in, response cancelled, session closed). */
  | 'cancelled'
  /** The server could not be reached, or the connection broke. */
  | 'transport_error'
  /** The server refused our credentials. */
  | 'auth_error'
  /** The server answered with a JSON-RPC error or a malformed response. */
  | 'protocol_error'
  /** The session expired during the call, and the call could not safely be retried. */
  | 'session_expired'
  /** `structuredContent` did not match `outputSchema`, with strict output checks on. */
  | 'output_schema_mismatch';

export interface ToolCallTimings {
  /** `Date.now()` when the call was started. */
  startedAt: number;
  /** Wall time until the result was known, in ms. */
  durationMs: number;
  /** `Date.now()` when the MCP request was handed to the connection (after routing and argument checks); for a host tool, when its `execute` was called. */
  requestSentAt?: number;
}

/** The outcome of one function call: exactly one of these per call, whatever happens. */
export interface ToolCallResult {
  code: ToolCallCode;
  /** The `function_call_output` string for the model. */
  output: string;
  /** For the host: what went wrong, "Failed to X: why. Please Y." (absent when `code` is `ok`). */
  message?: string;
  functionName: string;
  /** Who ran it: an MCP server (`server`, `mcpName`), or one of the host's own tools (`hostTools`: no `server`). */
  source?: 'mcp' | 'host';
  server?: string;
  mcpName?: string;
  /** The full MCP result when the server answered (also on `tool_error`). */
  mcpResult?: CallToolResult;
  timings: ToolCallTimings;
}
