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
  /** The scheme of `WWW-Authenticate` on a 401/403, its resource_metadata URL and its `error` (RFC 6750: invalid_token, insufficient_scope…). */
  authenticate?: { scheme: string; resourceMetadata?: string; error?: string };
  /**
   * On a 401/403: what the server said is wrong with the credentials, read from the `error` of
   * `WWW-Authenticate` or else from the start of the body ("Invalid bearer token"); the body itself is never kept.
   */
  refusal?: Refusal;
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

/** Why a server refused credentials: they are not valid, or they are valid but lack a permission. */
export type Refusal = 'invalid_token' | 'insufficient_scope';

export interface RecordingFetch {
  fetch: FetchLike;
  readonly exchanges: HttpExchange[];
  /** Resolves once every refusal body has been read (bounded in size and time). */
  settled(): Promise<void>;
}

/** How much of a refusal's body is read to find why, and for how long at most. */
const REFUSAL_BODY_BYTES = 4_096;
const REFUSAL_BODY_MS = 1_000;

/** Wraps a fetch so every request is noted in `exchanges`; the response is handed on untouched. */
export function recordingFetch(base: FetchLike = globalThis.fetch, now: () => number = () => performance.now()): RecordingFetch {
  const exchanges: HttpExchange[] = [];
  const reading: Array<Promise<void>> = [];
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
      if (response.status === 401 || response.status === 403) {
        if (authenticate) exchange.authenticate = parseAuthenticate(authenticate);
        const said = exchange.authenticate?.error;
        if (said === 'invalid_token' || said === 'insufficient_scope') exchange.refusal = said;
        // The SDK reads the body too (for its message): a copy is read beside it, never awaited here.
        else if (response.body) reading.push(readRefusal(response.clone()).then((refusal) => void (refusal && (exchange.refusal = refusal))));
      }
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
  return { fetch, exchanges, settled: async () => void (await Promise.all(reading)) };
}

/** The start of a refusal's body, classified; undefined when it says nothing recognisable (or does not end in time). */
async function readRefusal(response: Response): Promise<Refusal | undefined> {
  const reader = response.body?.getReader();
  if (!reader) return undefined;
  const decoder = new TextDecoder();
  let text = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, REFUSAL_BODY_MS)));
  try {
    while (text.length < REFUSAL_BODY_BYTES) {
      const chunk = await Promise.race([reader.read(), timedOut.then(() => undefined)]);
      if (chunk === undefined || chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
  } catch {
    // A body that broke off says what it said so far.
  } finally {
    clearTimeout(timer);
    void reader.cancel().catch(() => undefined);
  }
  return classifyRefusal(text);
}

/** "insufficient_scope" / "Insufficient scope" → insufficient_scope; "invalid_token", "Invalid bearer token", "token expired" → invalid_token. */
export function classifyRefusal(text: string): Refusal | undefined {
  if (/insufficient[_ ]scope/i.test(text)) return 'insufficient_scope';
  if (/invalid[_ ]token|invalid (?:bearer |access |api |auth(?:entication)? )?(?:token|key|credentials?)|(?:token|key|credentials?) (?:is |has )?(?:invalid|expired|revoked|been revoked)|expired[_ ]token/i.test(text)) return 'invalid_token';
  return undefined;
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

function parseAuthenticate(value: string): { scheme: string; resourceMetadata?: string; error?: string } {
  const scheme = /^\s*([A-Za-z][\w-]*)/.exec(value)?.[1] ?? 'unknown';
  const metadata = /resource_metadata\s*=\s*"([^"]+)"/i.exec(value)?.[1];
  // Only a token-shaped code is kept (error_description is free text and may quote the credentials).
  const error = /(?:^|[\s,])error\s*=\s*"?([a-z_]{1,40})"?/i.exec(value)?.[1]?.toLowerCase();
  return { scheme, ...(metadata ? { resourceMetadata: metadata } : {}), ...(error ? { error } : {}) };
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
