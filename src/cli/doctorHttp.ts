/**
 * What the doctor sees of HTTP, kept free of output: a fetch that records every request the MCP SDK
 * makes (method, path, JSON-RPC methods, status, content type, timings, the protocol version the
 * client sent; never a header value or a body), and the facts read back from those exchanges (the
 * negotiated protocol version, the answer format, the status behind a fallback to legacy SSE, the
 * number of pages) and from the server's declared capabilities. doctorExplain.ts turns the
 * exchanges of a failed connect into an explanation; doctorReport.ts lists them.
 */
import type { ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { FetchLike } from '../mcp/transports.js';
import type { McpTransportKind } from '../mcp/types.js';

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
