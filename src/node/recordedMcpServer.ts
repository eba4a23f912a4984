/**
 * A mock MCP server generated from a recording: it answers each request the proxy makes with the
 * answer recorded for the same request (same HTTP method, same JSON-RPC method, in order). Records
 * are fed as a replay reaches them, so a whole recording is never held in memory, and an answer that
 * came late in the recording comes late in the replay too. A call that was never answered (a
 * timeout, a cancelled call) is never answered here either.
 *
 * It answers at the fetch boundary (the MCP SDK's injectable `fetch`) rather than on a loopback
 * port: the SDK still reads real HTTP responses and SSE streams, but a replay no longer pays a
 * socket round trip and the HTTP stacks of both ends per MCP request (about 1.7 ms each here, most
 * of a long replay's time). Live servers (`replay --mcp`) still go over HTTP.
 */
import { untilAborted } from '../untilAborted.js';
import type { FetchLike } from '../mcp/transports.js';
import type { RecordingRecord, RecordingRecordOf } from '../recording/format.js';
import { formatSseEvent } from '../recording/sse.js';
import { isJsonRpcResponse, withId } from './recordedJsonRpc.js';
import { createWakeups } from './wakeups.js';

export interface RecordedMcpServer {
  /** The URL to give the proxy for one recorded server label; only `fetch` answers it. */
  url(label: string): string;
  /** Answers requests to `url(label)` from the recording: give it to the MCP connections as `mcp.fetch`. */
  readonly fetch: FetchLike;
  /** Hands over one `mcp:<label>` record (request, response or SSE event), in recording order. */
  feed(record: RecordingRecord): void;
  /** No more records will come: requests nobody recorded get a plain answer instead of waiting. */
  finish(): void;
  /** Ends every open answer stream and fails the requests still waiting, as a closed server would. */
  close(): void;
  /**
   * How many requests and answer streams wait now for records not fed yet (a request, its answer,
   * an SSE event, or the POSTs a GET stream's next event comes after). A request whose answer never
   * came within `waitMs` no longer counts: it stays unanswered.
   */
  readonly waiting: number;
}

export interface RecordedMcpServerOptions {
  /** A request that does not match the recording. It is answered with HTTP 500. */
  onMismatch(message: string): void;
  /** How long a request waits for its recorded counterpart to be fed. Default 10 000 ms. */
  waitMs?: number;
}

interface Exchange {
  request: RecordingRecordOf<'http.request'>;
  /** The JSON-RPC method the recorded request carried (read once: claims look at it on every wake-up). */
  rpcMethod: string | undefined;
  response?: RecordingRecordOf<'http.response'>;
  events: Array<RecordingRecordOf<'sse.event'>>;
  /** Per event of a GET stream: how many POSTs of this server the recording had seen before it. */
  gates: number[];
  claimed: boolean;
  /** Its answer is all there (a JSON body, or the SSE event that answers the request). */
  complete: boolean;
}

/** Response headers worth replaying; the rest (date, length, keep-alive) belongs to the original connection. */
const REPLAYED_HEADERS = ['content-type', 'mcp-session-id', 'mcp-protocol-version', 'www-authenticate', 'cache-control'];

/**
 * Loopback and a port nothing listens on: should a request ever bypass `fetch`, it is refused on
 * this machine instead of leaving it.
 */
const ORIGIN = 'http://127.0.0.1:9';
const PATH = /^\/recorded\/([^/?]+)/;

export function createRecordedMcpServer(options: RecordedMcpServerOptions): RecordedMcpServer {
  const waitMs = options.waitMs ?? 10_000;
  const byLabel = new Map<string, { exchanges: Exchange[]; byRid: Map<string, Exchange>; postsFed: number; postsClaimed: number }>();
  const wakeups = createWakeups();
  let finished = false;
  let closed = false;
  /** Ends what is still open (streams, requests never answered) when the server closes. */
  const open = new Set<(error: unknown) => void>();
  const connectionClosed = () => new TypeError('fetch failed', { cause: new Error('the recorded MCP server closed the connection') });

  const stateOf = (label: string) => {
    let state = byLabel.get(label);
    if (!state) byLabel.set(label, (state = { exchanges: [], byRid: new Map(), postsFed: 0, postsClaimed: 0 }));
    return state;
  };
  const urlOf = (label: string) => `${ORIGIN}/recorded/${encodeURIComponent(label)}`;
  /** A legacy SSE server names the URL to POST to (`endpoint` event): here, under this server. */
  const replayedEndpoint = (recorded: string, label: string) => `${urlOf(label)}/messages${/\?.*$/.exec(recorded)?.[0] ?? ''}`;

  const fetch: FetchLike = async (input, init = {}) => {
    const signal = init.signal ?? undefined;
    signal?.throwIfAborted();
    if (closed) throw connectionClosed();
    const label = decodeURIComponent(PATH.exec(new URL(String(input)).pathname)?.[1] ?? '');
    const method = (init.method ?? 'GET').toUpperCase();
    const body = typeof init.body === 'string' ? init.body : init.body == null ? '' : await new Response(init.body).text();
    const rpc = parseRpc(body);
    try {
      return await untilAborted(answer(label, method, rpc, signal), signal);
    } catch (error) {
      if (signal?.aborted || error instanceof TypeError) throw error;
      options.onMismatch(`Failed to answer an MCP request from the recording: ${(error as Error).message}.`);
      return new Response(null, { status: 500 });
    }
  };

  async function answer(label: string, method: string, rpc: { method?: string; id?: string | number } | undefined, signal: AbortSignal | undefined): Promise<Response> {
    const describe = `${method}${rpc?.method ? ` ${rpc.method}` : ''}`;
    const exchange = await claim(label, method, rpc?.method);
    if (exchange === 'mismatch') return new Response(null, { status: 500 });
    if (exchange === undefined) {
      // Nothing recorded for it: the session's end (DELETE), a stream the recording never opened.
      if (method === 'DELETE') return new Response(null, { status: 200 });
      if (method === 'GET') return new Response(null, { status: 405, headers: { allow: 'POST, DELETE' } });
      if (rpc && rpc.id === undefined) return new Response(null, { status: 202 });
      options.onMismatch(`Failed to replay MCP server "${label}": the proxy sent ${describe}, which the recording does not have. Please record the scenario again if the proxy's behaviour changed on purpose.`);
      return new Response(null, { status: 500 });
    }
    const answered = await wakeups.until(() => exchange.response !== undefined, Date.now() + waitMs, () => finished);
    // Never answered in the recording: the client times out or cancels, or the server closes.
    if (!answered || exchange.response === undefined) return new Promise<never>((_, reject) => void open.add(reject));
    const recorded = exchange.response;
    if (recorded.status === 0) throw connectionClosed();
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = recorded.headers?.[name];
      if (value !== undefined) headers[name] = value;
    }
    const status = recorded.status;
    if (!headers['content-type']?.includes('text/event-stream')) {
      const text = recorded.body === undefined ? '' : typeof recorded.body === 'string' ? recorded.body : JSON.stringify(withId(recorded.body, rpc?.id));
      return new Response(NULL_BODY_STATUSES.has(status) ? null : text, { status, headers });
    }
    return new Response(eventStream(label, method, exchange, rpc?.id, signal), { status, headers });
  }

  /**
   * The recorded SSE events of one exchange as a byte stream; a POST's ends with its answer. An
   * abort by the client errors it, as fetch does to a body it is still reading.
   */
  function eventStream(label: string, method: string, exchange: Exchange, id: string | number | undefined, signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
    const encoder = new TextEncoder();
    const state = stateOf(label);
    let sent = 0;
    let ended = false;
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    // An event of a GET stream (legacy SSE answers, notifications) waits for the POSTs that came
    // before it in the recording: an answer must not overtake its request.
    const due = () => exchange.events.length > sent && (method !== 'GET' || exchange.gates[sent]! <= state.postsClaimed);
    /** Ends the stream once: `error` errors it (abort, server closed), `undefined` closes it, `null` (the reader cancelled) leaves it. */
    const end = (error: unknown) => {
      if (ended) return;
      ended = true;
      open.delete(end);
      signal?.removeEventListener('abort', aborted);
      wakeups.wakeAll();
      if (error === undefined) controller.close();
      else if (error !== null) controller.error(error);
    };
    const aborted = () => end(signal!.reason);
    const pump = async () => {
      for (;;) {
        const more = await wakeups.until(due, method === 'GET' ? Infinity : Date.now() + waitMs, () => finished || ended);
        if (!more || ended) break;
        while (due()) {
          const event = exchange.events[sent++]!;
          const data = event.event === 'endpoint' && typeof event.data === 'string' ? replayedEndpoint(event.data, label) : typeof event.data === 'string' ? event.data : JSON.stringify(withId(event.data, id));
          controller.enqueue(encoder.encode(formatSseEvent({ ...(event.event ? { event: event.event } : {}), ...(event.id ? { id: event.id } : {}), data })));
          // The answer to this request ends its stream, as MCP servers do.
          if (method === 'POST' && isJsonRpcResponse(event.data)) return end(undefined);
        }
      }
      end(undefined);
    };
    return new ReadableStream<Uint8Array>({
      start(streamController) {
        controller = streamController;
        open.add(end);
        signal?.addEventListener('abort', aborted, { once: true });
        void pump();
      },
      cancel: () => end(null),
    });
  }

  /** The next unclaimed exchange of this label for this request; waits for it to be fed. */
  async function claim(label: string, method: string, rpcMethod: string | undefined): Promise<Exchange | undefined | 'mismatch'> {
    const state = stateOf(label);
    // Served and complete exchanges are forgotten, so memory follows the open requests only.
    if (state.exchanges.length > 64) state.exchanges = state.exchanges.filter((exchange) => !(exchange.claimed && exchange.complete));
    // Concurrent requests may leave in another order than recorded (a tools/list and a retried
    // tools/call after a re-initialization), so a POST takes the first of its own JSON-RPC method.
    const matches = (exchange: Exchange) => !exchange.claimed && exchange.request.method === method && (method !== 'POST' || exchange.rpcMethod === rpcMethod);
    let candidate: Exchange | undefined;
    const found = await wakeups.until(
      () => (candidate = state.exchanges.find(matches)) !== undefined || (method === 'POST' && state.exchanges.some((exchange) => !exchange.claimed && exchange.request.method === 'POST')),
      Date.now() + waitMs,
      () => finished || method === 'DELETE',
    );
    if (!found) return undefined;
    if (candidate === undefined) {
      const other = state.exchanges.find((exchange) => !exchange.claimed && exchange.request.method === 'POST')!;
      options.onMismatch(
        `Failed to replay MCP server "${label}": the proxy sent ${method} ${rpcMethod ?? '(no JSON-RPC method)'} where the recording has ${method} ${other.rpcMethod ?? '(none)'} (seq ${other.request.seq}). Please record the scenario again if the proxy's behaviour changed on purpose.`,
      );
      return 'mismatch';
    }
    candidate.claimed = true;
    if (method === 'POST') {
      state.postsClaimed++;
      wakeups.wakeAll();
    }
    return candidate;
  }

  return {
    url: urlOf,
    fetch,
    feed(record) {
      if (!record.peer.startsWith('mcp:')) return;
      const state = stateOf(record.peer.slice(4));
      if (record.kind === 'http.request') {
        const exchange: Exchange = { request: record, rpcMethod: parseRpc(record.body)?.method, events: [], gates: [], claimed: false, complete: false };
        if (record.method === 'POST') state.postsFed++;
        state.exchanges.push(exchange);
        state.byRid.set(record.rid, exchange);
      } else if (record.kind === 'http.response' || record.kind === 'sse.event') {
        const exchange = state.byRid.get(record.rid);
        if (!exchange) return;
        if (record.kind === 'http.response') {
          exchange.response = record;
          exchange.complete = !record.headers?.['content-type']?.includes('text/event-stream');
        } else {
          exchange.events.push(record);
          exchange.gates.push(state.postsFed);
          // A POST's stream ends with its answer; a GET stream (legacy SSE: every answer) goes on.
          exchange.complete = exchange.request.method === 'POST' && isJsonRpcResponse(record.data);
        }
        if (exchange.complete) state.byRid.delete(record.rid);
      }
      wakeups.wakeAll();
    },
    finish() {
      finished = true;
      wakeups.wakeAll();
    },
    close() {
      finished = true;
      closed = true;
      wakeups.wakeAll();
      for (const end of [...open]) end(connectionClosed());
      open.clear();
    },
    get waiting() {
      return wakeups.sleeping;
    },
  };
}

/** Statuses whose responses carry no body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);


function parseRpc(body: unknown): { method?: string; id?: string | number } | undefined {
  let value = body;
  if (typeof body === 'string') {
    if (body === '') return undefined;
    try {
      value = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { method, id } = value as { method?: unknown; id?: unknown };
  return { ...(typeof method === 'string' ? { method } : {}), ...(typeof id === 'string' || typeof id === 'number' ? { id } : {}) };
}
