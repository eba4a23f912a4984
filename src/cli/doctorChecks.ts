/**
 * The checks behind `realtime-mcp-proxy doctor`, kept free of output: a fetch that records every
 * HTTP exchange (statuses, content types, timings, the negotiated protocol version, never a header
 * value), the explanation of a failed connect or listing, and what the proxy would make of each
 * listed tool (the ToolCatalog's own decisions, plus the schema changes and renames behind them).
 */
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { McpError, SUPPORTED_PROTOCOL_VERSIONS, type ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { ProxyError } from '../errors.js';
import type { ToolCatalog } from '../mcp/catalog.js';
import { FUNCTION_NAME_PATTERN } from '../mcp/names.js';
import { toRealtimeParameters, toRealtimeFunctionTool } from '../mcp/parameters.js';
import { httpStatusOf, type FetchLike } from '../mcp/transports.js';
import type { McpTransportKind, Tool } from '../mcp/types.js';

/** The Realtime API takes at most this many tools in one session. */
export const MAX_REALTIME_TOOLS = 128;
/** Above this estimate the tool list is a noticeable share of every turn's input. */
export const LARGE_TOOL_LIST_TOKENS = 8_000;
/** How the token counts are estimated (there is no tokenizer here). */
export const TOKEN_ESTIMATE_NOTE = 'estimate: characters of the session.update tools JSON ÷ 4, not a tokenizer count';

// ---------------------------------------------------------------------------------------------
// Recording fetch
// ---------------------------------------------------------------------------------------------

/** One HTTP request the SDK made, as far as it can be shown: no header values, no bodies. */
export interface HttpExchange {
  method: string;
  /** Path and query of the request URL. */
  path: string;
  /** The JSON-RPC methods in the body (POSTs). */
  rpc: string[];
  /** `mcp-protocol-version` the client sent (set by the SDK after initialize). */
  protocolVersion?: string;
  status?: number;
  contentType?: string;
  /** Where a 3xx pointed (without its query). */
  location?: string;
  /** The scheme and parameter names of `WWW-Authenticate` on a 401/403, and a resource_metadata URL. */
  authenticate?: { scheme: string; resourceMetadata?: string };
  /** A network failure (no HTTP answer), e.g. "connect ECONNREFUSED 127.0.0.1:4000". */
  error?: string;
  /** The error code of a network failure (ECONNREFUSED, ENOTFOUND, …). */
  errorCode?: string;
  /** The client gave up on the request (its deadline passed, or it was closed). */
  aborted?: boolean;
  /** ms from the start of the run to the request. */
  startMs: number;
  /** ms until the response headers (or the failure). */
  ms?: number;
}

export interface RecordingFetch {
  fetch: FetchLike;
  readonly exchanges: HttpExchange[];
}

/** Wraps a fetch so every request is noted in `exchanges`; the response is handed on untouched. */
export function recordingFetch(base: FetchLike = globalThis.fetch, now: () => number = () => performance.now()): RecordingFetch {
  const exchanges: HttpExchange[] = [];
  const origin = now();
  const fetch: FetchLike = async (url, init) => {
    const target = new URL(url instanceof URL ? url.href : String(url));
    const headers = new Headers(init?.headers);
    const exchange: HttpExchange = {
      method: (init?.method ?? 'GET').toUpperCase(),
      path: `${target.pathname}${target.search}`,
      rpc: rpcMethods(init?.body),
      startMs: Math.round(now() - origin),
    };
    const version = headers.get('mcp-protocol-version');
    if (version) exchange.protocolVersion = version;
    exchanges.push(exchange);
    const started = now();
    try {
      const response = await base(url, init);
      exchange.ms = Math.round(now() - started);
      exchange.status = response.status;
      const contentType = response.headers.get('content-type');
      if (contentType) exchange.contentType = contentType.split(';')[0]!.trim().toLowerCase();
      const location = response.headers.get('location');
      if (location) exchange.location = withoutQuery(location, target);
      const authenticate = response.headers.get('www-authenticate');
      if (authenticate && (response.status === 401 || response.status === 403)) exchange.authenticate = parseAuthenticate(authenticate);
      return response;
    } catch (error) {
      exchange.ms = Math.round(now() - started);
      const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
      exchange.error = cause?.message ?? (error instanceof Error ? error.message : String(error));
      const code = cause?.code ?? (error as { code?: unknown })?.code;
      if (typeof code === 'string') exchange.errorCode = code;
      if ((error as { name?: unknown })?.name === 'AbortError' || init?.signal?.aborted) exchange.aborted = true;
      throw error;
    }
  };
  return { fetch, exchanges };
}

function rpcMethods(body: unknown): string[] {
  if (typeof body !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(body);
    const messages = Array.isArray(parsed) ? parsed : [parsed];
    return messages.flatMap((message) => {
      const m = message as { method?: unknown; id?: unknown };
      if (typeof m?.method === 'string') return [m.method];
      return m && 'id' in m ? ['(response)'] : [];
    });
  } catch {
    return [];
  }
}

function withoutQuery(location: string, base: URL): string {
  try {
    const url = new URL(location, base);
    url.search = '';
    url.hash = '';
    url.username = '';
    url.password = '';
    return url.href;
  } catch {
    return '(unparsable Location)';
  }
}

function parseAuthenticate(value: string): { scheme: string; resourceMetadata?: string } {
  const scheme = /^\s*([A-Za-z][\w-]*)/.exec(value)?.[1] ?? 'unknown';
  const metadata = /resource_metadata\s*=\s*"([^"]+)"/i.exec(value)?.[1];
  return { scheme, ...(metadata ? { resourceMetadata: metadata } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Facts read from the exchanges
// ---------------------------------------------------------------------------------------------

/** The protocol version the client used after initialize (what the server chose). */
export function negotiatedProtocolVersion(exchanges: readonly HttpExchange[]): string | undefined {
  return exchanges.find((exchange) => exchange.protocolVersion !== undefined)?.protocolVersion;
}

export type ResponseFormat = 'sse' | 'json' | 'legacy-sse';

/** How the server answered the initialize POST: an SSE stream, plain JSON, or (legacy) on the GET stream. */
export function responseFormat(transport: McpTransportKind | undefined, exchanges: readonly HttpExchange[]): ResponseFormat | undefined {
  if (transport === 'sse') return 'legacy-sse';
  const initialize = [...exchanges].reverse().find((exchange) => exchange.method === 'POST' && exchange.rpc.includes('initialize') && exchange.status === 200);
  if (initialize?.contentType === 'text/event-stream') return 'sse';
  if (initialize?.contentType === 'application/json') return 'json';
  return undefined;
}

/** The Streamable HTTP attempt that made the connection fall back to legacy SSE: its first POST's status. */
export function fallbackStatus(transport: McpTransportKind | undefined, exchanges: readonly HttpExchange[]): number | undefined {
  if (transport !== 'sse') return undefined;
  return exchanges.find((exchange) => exchange.method === 'POST')?.status;
}

export function countRequests(exchanges: readonly HttpExchange[], rpc: string): number {
  return exchanges.filter((exchange) => exchange.rpc.includes(rpc)).length;
}

/** "tools (listChanged), resources (subscribe, listChanged), logging". */
export function describeCapabilities(capabilities: ServerCapabilities | undefined): string[] {
  if (capabilities === undefined) return [];
  return Object.entries(capabilities).map(([name, value]) => {
    const flags = value && typeof value === 'object' ? Object.entries(value as Record<string, unknown>).filter(([, on]) => on === true).map(([flag]) => flag) : [];
    return flags.length > 0 ? `${name} (${flags.join(', ')})` : name;
  });
}

// ---------------------------------------------------------------------------------------------
// Explanations
// ---------------------------------------------------------------------------------------------

export interface Problem {
  level: 'error' | 'warning' | 'note';
  /** What the problem is about: connect, auth, transport, protocol, tools, size, or a tool name. */
  topic: string;
  /** "Failed to X: why. Please Y." for errors; a sentence with what to do for the others. */
  message: string;
}

export interface FailureContext {
  url: string;
  /** Whether a token or an Authorization header was given. */
  credentials: boolean;
  /** The names of the other headers given (one may carry an API key). */
  headerNames: string[];
  timeoutMs: number;
}

const TRANSPORT_NAMES: Record<McpTransportKind, string> = { 'streamable-http': 'Streamable HTTP', sse: 'legacy HTTP+SSE', stdio: 'stdio' };

export function transportName(kind: McpTransportKind): string {
  return TRANSPORT_NAMES[kind];
}

const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'nothing is listening there, the connection was refused',
  ENOTFOUND: 'the host name does not resolve (DNS lookup failed)',
  EAI_AGAIN: 'the host name could not be resolved right now (DNS lookup timed out)',
  ECONNRESET: 'the connection was reset before an answer came',
  EHOSTUNREACH: 'the host cannot be reached',
  ENETUNREACH: 'the network is unreachable',
  ETIMEDOUT: 'the TCP connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'the TCP connection timed out',
  UND_ERR_SOCKET: 'the connection closed before an answer came',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate chain holds a self-signed certificate',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another host name',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate cannot be verified',
  EPROTO: 'the TLS handshake failed (is it plain http on this port?)',
};

/** Turns a failed connect into one problem that says why and what to do. */
export function explainConnectFailure(error: unknown, exchanges: readonly HttpExchange[], context: FailureContext): Problem {
  const { url } = context;
  const cause = (error as { cause?: unknown })?.cause ?? error;
  const status = httpStatusOf(cause) ?? (ProxyError.isInstance(error) ? (error.data as { status?: number } | undefined)?.status : undefined);
  const failed = (why: string, please: string): Problem => ({ level: 'error', topic: 'connect', message: `Failed to connect to ${url}: ${why}. Please ${please}.` });
  const network = exchanges.find((exchange) => exchange.error !== undefined && exchange.status === undefined && !exchange.aborted);
  const answered = exchanges.filter((exchange) => exchange.status !== undefined);

  // 1. No HTTP answer at all.
  if (answered.length === 0 && network) {
    const known = network.errorCode ? NETWORK_CAUSES[network.errorCode] : undefined;
    const why = known ? `${known}${network.errorCode ? ` (${network.errorCode})` : ''}` : `no HTTP answer (${network.error})`;
    const please = network.errorCode === 'ECONNREFUSED' || network.errorCode === 'ENOTFOUND' ? 'start the server, or check the host and port in the URL' : 'check that the server is reachable from here';
    return failed(why, please);
  }

  // 2. Credentials.
  const refused = answered.find((exchange) => exchange.status === 401 || exchange.status === 403);
  if (refused || cause instanceof UnauthorizedError || status === 401 || status === 403) {
    const code = refused?.status ?? status ?? 401;
    const oauth = refused?.authenticate?.resourceMetadata;
    const oauthHint = oauth
      ? ` The server advertises OAuth (resource metadata at ${oauth}): get an access token from its authorization server and pass it with --token.`
      : '';
    if (code === 403) {
      return {
        level: 'error',
        topic: 'auth',
        message: `Failed to connect to ${url}: the server refused access (HTTP 403)${context.credentials ? ': the credentials were accepted but lack the permission (scope) it needs' : ' and no credentials were given'}. Please check the token's scopes or the account's access.${oauthHint}`,
      };
    }
    return {
      level: 'error',
      topic: 'auth',
      message: context.credentials
        ? `Failed to connect to ${url}: the server refused the credentials given (HTTP ${code}). Please check the token (expired, revoked, or for another server?).${oauthHint}`
        : context.headerNames.length > 0
          ? `Failed to connect to ${url}: the server requires credentials (HTTP ${code}) and did not accept the headers given (${context.headerNames.join(', ')}). Please check the header name and value, or pass --token TOKEN (sent as "Authorization: Bearer TOKEN").${oauthHint}`
          : `Failed to connect to ${url}: the server requires credentials (HTTP ${code}) and none were given. Please pass --token TOKEN (sent as "Authorization: Bearer TOKEN") or --header "Name: value".${oauthHint}`,
    };
  }

  // 3. A redirect the SDK does not follow (another origin, or https → http).
  const redirect = answered.find((exchange) => exchange.status !== undefined && exchange.status >= 300 && exchange.status < 400);
  if (redirect) {
    return failed(
      `the server redirected ${redirect.method} ${redirect.path} (HTTP ${redirect.status}) to ${redirect.location ?? 'another place'}, and MCP clients follow redirects only within the same origin`,
      `use ${redirect.location ? 'that URL' : 'the final URL'} directly`,
    );
  }

  // 4. Neither transport is at this path.
  const firstPost = answered.find((exchange) => exchange.method === 'POST');
  const legacyGet = answered.find((exchange) => exchange.method === 'GET' && exchange.startMs >= (firstPost?.startMs ?? 0) && exchange !== firstPost);
  if (firstPost && [400, 404, 405].includes(firstPost.status!) && legacyGet && legacyGet.status !== 200) {
    return failed(
      `no MCP transport answered at this path: Streamable HTTP (POST) got HTTP ${firstPost.status}, and the legacy HTTP+SSE fallback (GET) got HTTP ${legacyGet.status}`,
      'check the path: servers commonly serve Streamable HTTP at /mcp and legacy SSE at /sse',
    );
  }
  if (legacyGet && legacyGet.status === 200 && legacyGet.contentType !== 'text/event-stream' && firstPost && [400, 404, 405].includes(firstPost.status!)) {
    return failed(
      `Streamable HTTP (POST) got HTTP ${firstPost.status}, and the legacy HTTP+SSE fallback (GET) got ${legacyGet.contentType ?? 'no content type'} instead of an event stream`,
      'check the path: this looks like a web page or another API, not an MCP endpoint',
    );
  }

  // 5. An answer that is not MCP.
  const foreign = answered.find(
    (exchange) => exchange.method === 'POST' && exchange.status === 200 && exchange.contentType !== undefined && exchange.contentType !== 'application/json' && exchange.contentType !== 'text/event-stream',
  );
  if (foreign || /Unexpected content type/i.test(messageOf(cause))) {
    return failed(
      `the server answered initialize with ${foreign?.contentType ?? 'an unexpected content type'}, not JSON or an SSE stream (text/event-stream)`,
      'check the path: this looks like a web page or another API, not an MCP endpoint',
    );
  }

  // 6. Protocol version.
  const version = /protocol version is not supported: (.*)$/i.exec(messageOf(cause))?.[1];
  if (version !== undefined) {
    return {
      level: 'error',
      topic: 'protocol',
      message: `Failed to connect to ${url}: the server chose protocol version "${version}", which this client does not speak (it speaks ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}). Please upgrade the MCP server (or its SDK) to a current protocol version.`,
    };
  }

  // 7. No answer in time.
  if (cause instanceof McpError && cause.code === -32001) {
    const initialize = answered.find((exchange) => exchange.method === 'POST' && exchange.rpc.includes('initialize'));
    const stream = initialize?.contentType === 'text/event-stream' || exchanges.some((exchange) => exchange.method === 'GET' && exchange.contentType === 'text/event-stream');
    return failed(
      stream
        ? `the server opened an event stream (text/event-stream) but no answer to initialize arrived within ${context.timeoutMs} ms`
        : `the server did not answer initialize within ${context.timeoutMs} ms`,
      stream
        ? 'check for a reverse proxy that buffers event streams (turn buffering off for this path, e.g. "X-Accel-Buffering: no" with nginx), or give it longer with --timeout'
        : 'check that the server is not stuck, or give it longer with --timeout',
    );
  }

  // 8. Any other HTTP status.
  if (status !== undefined) {
    const initialize = answered.find((exchange) => exchange.status === status);
    return failed(
      `the server answered ${initialize ? `${initialize.method} ${initialize.path}` : 'initialize'} with HTTP ${status}${status === 406 ? ' (Not Acceptable: it does not take "Accept: application/json, text/event-stream")' : status === 415 ? ' (Unsupported Media Type)' : ''}`,
      status >= 500 ? "check the server's logs" : 'check that the URL is the MCP endpoint and that the server speaks MCP over HTTP',
    );
  }

  // 9. Whatever the connection said.
  const text = ProxyError.isInstance(error) ? error.message : `Failed to connect to ${url}: ${messageOf(error)}. Please check the server.`;
  return { level: 'error', topic: 'connect', message: text };
}

/** Explains why tools/list failed on a connected server. */
export function explainListFailure(error: unknown, capabilities: ServerCapabilities | undefined, context: FailureContext): Problem {
  const cause = (error as { cause?: unknown })?.cause ?? error;
  const status = httpStatusOf(cause);
  const noTools = capabilities !== undefined && capabilities.tools === undefined;
  let why: string;
  let please: string;
  if (cause instanceof McpError && cause.code === -32601) {
    why = `the server does not implement tools/list (JSON-RPC -32601 Method not found)${noTools ? ' and does not declare the tools capability' : ''}`;
    please = 'check that this is the server you meant: it offers no tools';
  } else if (cause instanceof McpError && cause.code === -32001) {
    why = `the server did not answer tools/list within ${context.timeoutMs} ms`;
    please = 'give it longer with --timeout, or check the server';
  } else if (status === 401 || status === 403) {
    why = `the server refused tools/list (HTTP ${status}) although initialize was accepted`;
    please = context.credentials ? 'check the token’s scopes' : 'pass --token or an auth --header';
  } else {
    why = messageOf(cause);
    please = "check the server's logs";
  }
  return { level: 'error', topic: 'tools', message: `Failed to list the tools of ${context.url}: ${why}. Please ${please}.` };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------
// Tools
// ---------------------------------------------------------------------------------------------

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
