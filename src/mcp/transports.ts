/**
 * Builds the SDK transport a connection uses for one attempt. SDK transports cannot be restarted
 * (typescript-sdk #1641), so every connect and every re-initialization asks for a fresh one.
 */
import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike, Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ProxyError } from '../errors.js';
import type { McpServerConfig, McpTransportKind } from './types.js';

export type { FetchLike, Transport };

/** Spawns a local server over stdio. Node only: `realtime-mcp-proxy/node` provides one. */
export type StdioTransportFactory = (config: McpServerConfig) => Transport;

export interface TransportOptions {
  fetch?: FetchLike;
  stdioTransport?: StdioTransportFactory;
  /** Hears each value a token function returns, before it is sent (to register it for redaction). */
  onSecret?: (secret: string) => void;
}

export function createMcpTransport(kind: McpTransportKind, config: McpServerConfig, options: TransportOptions): Transport {
  if (kind === 'stdio') {
    if (options.stdioTransport === undefined) {
      throw new ProxyError(
        'invalid_options',
        `Failed to start MCP server "${config.label}": stdio servers need Node. Please create the connection with createNodeMcpConnection from "realtime-mcp-proxy/node".`,
      );
    }
    return options.stdioTransport(config);
  }
  const url = new URL(config.url!);
  const requestInit: RequestInit | undefined = config.headers ? { headers: { ...config.headers } } : undefined;
  const fetchImpl = config.token === undefined ? options.fetch : withBearerToken(options.fetch ?? globalThis.fetch, config.token, config.label, options.onSecret);
  const common = { requestInit, authProvider: config.authProvider, ...(fetchImpl ? { fetch: fetchImpl } : {}) };
  return kind === 'sse' ? new SSEClientTransport(url, common) : new StreamableHTTPClientTransport(url, common);
}

/**
 * Adds `Authorization: Bearer <token>` to every request. A token function is asked again after a
 * 401, and the request is sent once more with the new token (once: a second 401 is the answer).
 * `onToken` hears each value the function returns, before it is sent.
 */
export function withBearerToken(fetchImpl: FetchLike, token: string | (() => Promise<string>), label: string, onToken?: (token: string) => void): FetchLike {
  let current: Promise<string> | undefined;
  const fetchToken = (): Promise<string> =>
    (current = (typeof token === 'string' ? Promise.resolve(token) : Promise.resolve().then(token)).then(
      (value) => {
        if (typeof value !== 'string' || value.length === 0) throw new Error('it did not return a non-empty string');
        onToken?.(value);
        return value;
      },
      (cause: unknown) => {
        current = undefined;
        throw new ProxyError(
          'invalid_options',
          `Failed to get a token for MCP server "${label}": the token function threw ${cause instanceof Error ? cause.name : typeof cause}. Please check the token function.`,
          { cause },
        );
      },
    ));
  const send = (url: string | URL, init: RequestInit | undefined, value: string) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${value}`);
    return fetchImpl(url, { ...init, headers });
  };
  return async (url, init) => {
    const used = await (current ?? fetchToken());
    const response = await send(url, init, used);
    if (response.status !== 401 || typeof token === 'string') return response;
    const latest = await current;
    // Another request may already have refreshed the token while this one was in flight.
    const fresh = latest !== undefined && latest !== used ? latest : await fetchToken();
    if (fresh === used) return response;
    await response.body?.cancel();
    return send(url, init, fresh);
  };
}

/** The HTTP status of a transport error, when it has one. */
export function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof StreamableHTTPError || error instanceof SseError) return typeof error.code === 'number' && error.code > 0 ? error.code : undefined;
  // The legacy SSE transport reports a refused POST as a plain Error; the status is only in its message.
  const legacy = error instanceof Error ? /^Error POSTing to endpoint \(HTTP (\d{3})\)/.exec(error.message) : null;
  return legacy ? Number(legacy[1]) : undefined;
}

/** The spec's rule for falling back to HTTP+SSE: only when the first POST is refused as a protocol mismatch. */
export function isLegacyServerAnswer(error: unknown): boolean {
  const status = httpStatusOf(error);
  return status === 400 || status === 404 || status === 405;
}
