/**
 * A mock MCP server generated from a recording: it answers each request the proxy makes with the
 * answer recorded for the same request (same HTTP method, same JSON-RPC method, in order), on
 * 127.0.0.1. Records are fed as a replay reaches them, so a whole recording is never held in memory,
 * and an answer that came late in the recording comes late in the replay too. A call that was never
 * answered (a timeout, a cancelled call) is never answered here either.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordingRecord, RecordingRecordOf } from '../recording/format.js';
import { formatSseEvent } from '../recording/sse.js';

export interface RecordedMcpServer {
  /** The URL to give the proxy for one recorded server label. */
  url(label: string): string;
  /** Hands over one `mcp:<label>` record (request, response or SSE event), in recording order. */
  feed(record: RecordingRecord): void;
  /** No more records will come: requests nobody recorded get a plain answer instead of waiting. */
  finish(): void;
  close(): Promise<void>;
}

export interface RecordedMcpServerOptions {
  /** A request that does not match the recording. The server answers it with HTTP 500. */
  onMismatch(message: string): void;
  /** How long a request waits for its recorded counterpart to be fed. Default 10 000 ms. */
  waitMs?: number;
}

interface Exchange {
  request: RecordingRecordOf<'http.request'>;
  response?: RecordingRecordOf<'http.response'>;
  events: Array<RecordingRecordOf<'sse.event'>>;
  /** Per event of a GET stream: how many POSTs of this server the recording had seen before it. */
  gates: number[];
  claimed: boolean;
  /** Its answer is all there (a JSON body, or the SSE event that answers the request). */
  complete: boolean;
  /** Wakes the HTTP response that serves this exchange when more of it is fed. */
  wake?: () => void;
}

/** Response headers worth replaying; the rest (date, length, keep-alive) belongs to the new connection. */
const REPLAYED_HEADERS = ['content-type', 'mcp-session-id', 'mcp-protocol-version', 'www-authenticate', 'cache-control'];

export async function startRecordedMcpServer(options: RecordedMcpServerOptions): Promise<RecordedMcpServer> {
  const waitMs = options.waitMs ?? 10_000;
  const byLabel = new Map<string, { exchanges: Exchange[]; byRid: Map<string, Exchange>; postsFed: number; postsClaimed: number }>();
  const waiting = new Set<() => void>();
  let finished = false;
  const open = new Set<ServerResponse>();

  const stateOf = (label: string) => {
    let state = byLabel.get(label);
    if (!state) byLabel.set(label, (state = { exchanges: [], byRid: new Map(), postsFed: 0, postsClaimed: 0 }));
    return state;
  };
  const wakeAll = () => {
    for (const wake of [...waiting]) wake();
  };

  const server = createServer((req, res) => {
    void serve(req, res).catch((error: unknown) => {
      options.onMismatch(`Failed to answer an MCP request from the recording: ${(error as Error).message}.`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.end();
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const label = decodeURIComponent(/^\/mcp\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '');
    const body = await readBody(req);
    const rpc = parseRpc(body);
    const method = req.method ?? 'GET';
    const describe = `${method}${rpc?.method ? ` ${rpc.method}` : ''}`;
    const exchange = await claim(label, method, rpc?.method);
    if (exchange === 'mismatch') return;
    if (exchange === undefined) {
      // Nothing recorded for it: the session's end (DELETE), a stream the recording never opened.
      if (method === 'DELETE') res.writeHead(200).end();
      else if (method === 'GET') res.writeHead(405, { allow: 'POST, DELETE' }).end();
      else if (rpc && rpc.id === undefined) res.writeHead(202).end();
      else {
        options.onMismatch(`Failed to replay MCP server "${label}": the proxy sent ${describe}, which the recording does not have. Please record the scenario again if the proxy's behaviour changed on purpose.`);
        res.writeHead(500).end();
      }
      return;
    }
    res.on('close', () => open.delete(res));
    open.add(res);
    const response = await fed(exchange, () => exchange.response !== undefined);
    if (response === false || exchange.response === undefined) return; // never answered in the recording: the client times out or cancels
    const recorded = exchange.response;
    if (recorded.status === 0) {
      req.socket.destroy();
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = recorded.headers?.[name];
      if (value !== undefined) headers[name] = value;
    }
    if (!headers['content-type']?.includes('text/event-stream')) {
      const text = recorded.body === undefined ? '' : typeof recorded.body === 'string' ? recorded.body : JSON.stringify(withId(recorded.body, rpc?.id));
      res.writeHead(recorded.status, headers).end(text);
      return;
    }
    res.writeHead(recorded.status, headers);
    res.flushHeaders();
    let sent = 0;
    const state = stateOf(label);
    // An event of a GET stream (legacy SSE answers, notifications) waits for the POSTs that came
    // before it in the recording: an answer must not overtake its request.
    const due = () => exchange.events.length > sent && (method !== 'GET' || exchange.gates[sent]! <= state.postsClaimed);
    for (;;) {
      const more = await fed(exchange, due, method === 'GET' ? Infinity : waitMs);
      if (more === false || res.destroyed) break;
      while (due()) {
        const event = exchange.events[sent++]!;
        const data = event.event === 'endpoint' && typeof event.data === 'string' ? replayedEndpoint(event.data, label) : typeof event.data === 'string' ? event.data : JSON.stringify(withId(event.data, rpc?.id));
        res.write(formatSseEvent({ ...(event.event ? { event: event.event } : {}), ...(event.id ? { id: event.id } : {}), data }));
        // The answer to this request ends its stream, as MCP servers do.
        if (method === 'POST' && isResponseTo(event.data)) {
          res.end();
          return;
        }
      }
    }
    res.end();
  }

  /** The next unclaimed exchange of this label for this request; waits for it to be fed. */
  async function claim(label: string, method: string, rpcMethod: string | undefined): Promise<Exchange | undefined | 'mismatch'> {
    const state = stateOf(label);
    // Served and complete exchanges are forgotten, so memory follows the open requests only.
    if (state.exchanges.length > 64) state.exchanges = state.exchanges.filter((exchange) => !(exchange.claimed && exchange.complete));
    const deadline = Date.now() + waitMs;
    for (;;) {
      const candidate = state.exchanges.find((exchange) => !exchange.claimed && exchange.request.method === method);
      if (candidate) {
        const recordedMethod = parseRpc(candidate.request.body)?.method;
        if (method === 'POST' && recordedMethod !== rpcMethod) {
          options.onMismatch(
            `Failed to replay MCP server "${label}": the proxy sent ${method} ${rpcMethod ?? '(no JSON-RPC method)'} where the recording has ${method} ${recordedMethod ?? '(none)'} (seq ${candidate.request.seq}). Please record the scenario again if the proxy's behaviour changed on purpose.`,
          );
          return 'mismatch';
        }
        candidate.claimed = true;
        if (method === 'POST') {
          state.postsClaimed++;
          wakeAll();
        }
        return candidate;
      }
      if (finished || Date.now() >= deadline || method === 'DELETE') return undefined;
      await new Promise<void>((resolve) => {
        const wake = () => {
          waiting.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, Math.max(0, deadline - Date.now()));
        waiting.add(wake);
      });
    }
  }

  /** Waits until `ready()` holds for this exchange, or no more records can come. */
  async function fed(exchange: Exchange, ready: () => boolean, timeoutMs = waitMs): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (finished) return false;
      if (Date.now() >= deadline) return false;
      await new Promise<void>((resolve) => {
        const wake = () => {
          waiting.delete(wake);
          exchange.wake = undefined;
          clearTimeout(timer);
          resolve();
        };
        const timer = Number.isFinite(deadline) ? setTimeout(wake, Math.max(0, deadline - Date.now())) : undefined;
        exchange.wake = wake;
        waiting.add(wake);
      });
    }
    return true;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const urlOf = (label: string) => `http://127.0.0.1:${port}/mcp/${encodeURIComponent(label)}`;
  /** A legacy SSE server names the URL to POST to (`endpoint` event): here, under this server. */
  const replayedEndpoint = (recorded: string, label: string) => {
    const query = /\?.*$/.exec(recorded)?.[0] ?? '';
    return `${urlOf(label)}/messages${query}`;
  };

  return {
    url: urlOf,
    feed(record) {
      if (!record.peer.startsWith('mcp:')) return;
      const state = stateOf(record.peer.slice(4));
      if (record.kind === 'http.request') {
        const exchange: Exchange = { request: record, events: [], gates: [], claimed: false, complete: false };
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
          exchange.complete = exchange.request.method === 'POST' && isResponseTo(record.data);
        }
        if (exchange.complete) state.byRid.delete(record.rid);
      }
      wakeAll();
    },
    finish() {
      finished = true;
      wakeAll();
    },
    async close() {
      finished = true;
      wakeAll();
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

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

function isResponseTo(data: unknown): boolean {
  return typeof data === 'object' && data !== null && 'id' in data && ('result' in data || 'error' in data);
}

/** A recorded JSON-RPC response carries the id of the request that is being answered now. */
function withId(data: unknown, id: string | number | undefined): unknown {
  if (id === undefined || !isResponseTo(data)) return data;
  return { ...(data as object), id };
}
