/**
 * Builds the SDK transport a connection uses for one attempt. SDK transports cannot be restarted
 * (typescript-sdk #1641), so every connect and every re-initialization asks for a fresh one.
 */
import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike, Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { ProxyError } from '../errors.js';
import { watchResponseStreams, type StreamFailure } from './responseStreams.js';
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
  // Looked up at call time, as the SDK does: a fetch replaced after start-up (tests, instrumentation) is used.
  const base: FetchLike = fetchImpl ?? ((input, init) => fetch(input, init));
  if (kind === 'sse') return countSends(new SSEClientTransport(url, { requestInit, authProvider: config.authProvider, fetch: base }));
  const transport: StreamableHTTPClientTransport = new StreamableHTTPClientTransport(url, {
    requestInit,
    authProvider: config.authProvider,
    fetch: watchResponseStreams(base, (failure) => failRequests(transport, failure)),
  });
  return transport;
}

const sendsSettled = new WeakMap<Transport, () => Promise<void>>();

/**
 * Resolves once no message of a legacy SSE transport is still being POSTed (answers included).
 * When the event stream breaks, a POST still on its way may yet be refused as a stale session (the
 * request did not run, and is sent again); only after that are the requests left waiting for the
 * stream ended.
 */
export function whenSendsSettled(transport: Transport | undefined): Promise<void> {
  return transport === undefined ? Promise.resolve() : (sendsSettled.get(transport)?.() ?? Promise.resolve());
}

function countSends<T extends Transport>(transport: T): T {
  let inFlight = 0;
  let waiters: Array<() => void> = [];
  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    inFlight++;
    try {
      return await send(message, options);
    } finally {
      if (--inFlight === 0) {
        const done = waiters;
        waiters = [];
        // A macrotask later: the request's own rejection (queued as microtasks) has settled it first.
        setTimeout(() => done.forEach((resolve) => resolve()), 0);
      }
    }
  };
  sendsSettled.set(transport, () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((done) => waiters.push(done))));
  return transport;
}

/** The failures behind the errors `failRequests` ends requests with (by the error's `data`, which only this module makes). */
const streamFailures = new WeakMap<object, StreamFailure>();

/**
 * Ends each request of a failed answer stream now: an error response handed to the client as if
 * the server had sent it, so the SDK settles the request (its deadline and progress handler go with it).
 */
function failRequests(transport: Transport, failure: StreamFailure): void {
  for (const id of failure.requestIds) {
    const data = { streamFailure: failure.kind };
    streamFailures.set(data, failure);
    transport.onmessage?.({ jsonrpc: '2.0', id, error: { code: ErrorCode.ConnectionClosed, message: failure.detail, data } });
  }
}

/** The answer-stream failure a request was ended with (see `failRequests`), if that is what `error` is. */
export function streamFailureOf(error: unknown): StreamFailure | undefined {
  return error instanceof McpError && typeof error.data === 'object' && error.data !== null ? streamFailures.get(error.data) : undefined;
}

/**
 * A local server's process ended. A stdio transport reports it to `onerror` just before `onclose`,
 * with the last lines the server wrote to stderr, so that the error about it can say why.
 */
export class McpServerExit extends Error {
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** The server's last stderr lines (bounded), oldest first. */
  readonly lastOutput: readonly string[];

  constructor(exitCode: number | null, signal: string | null, lastOutput: readonly string[]) {
    super('');
    this.name = 'McpServerExit';
    this.exitCode = exitCode;
    this.signal = signal;
    this.lastOutput = lastOutput;
    this.message = `the server ${this.how}.${this.lastOutputText}`;
  }

  /** "exited (code 1)", "was killed (SIGKILL)". */
  get how(): string {
    return this.signal !== null ? `was killed (${this.signal})` : this.exitCode !== null ? `exited (code ${this.exitCode})` : 'exited';
  }

  /** ` Its last output: "…" "…".`, or nothing when the server wrote nothing to stderr. */
  get lastOutputText(): string {
    return this.lastOutput.length > 0 ? ` Its last output: ${this.lastOutput.map((line) => JSON.stringify(line)).join(' ')}.` : '';
  }
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
