/**
 * `startMockMcpServer`: a configurable MCP server on 127.0.0.1 over bare `node:http`, speaking
 * Streamable HTTP (stateful or stateless) or legacy HTTP+SSE, with faults injected per tool call.
 *
 * The HTTP layer parses every POST body itself: it counts and logs each tools/call, carries out the
 * faults that live at the HTTP level (http500, expireSession, malformedSse), notes cancellations,
 * and hands the parsed body on to the SDK transport (`handleRequest(req, res, parsedBody)`).
 */
import { randomUUID } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { validateMockMcpConfig, validateMockTools, type MockMcpConfig, type MockMcpMode, type MockTool } from './config.js';
import { isHttpFault, type MockHttpFault } from './faults.js';
import {
  cancellationOf,
  isRequest,
  logRequest,
  messagesOf,
  readJsonBody,
  rpcMethodOf,
  sendJsonRpcError,
  sendSessionNotFound,
  sendText,
} from './http.js';
import { MockState, type MockCallRecord, type MockCallTicket, type MockRequestRecord } from './state.js';
import { createToolServer } from './toolServer.js';

export interface MockMcpServer {
  /** The endpoint to give a client: `http://127.0.0.1:<port>/mcp`, or `…/sse` in sse mode. */
  readonly url: string;
  readonly port: number;
  readonly mode: MockMcpMode;
  /** Every tools/call, in arrival order (entries are updated as calls end). */
  readonly callLog: readonly MockCallRecord[];
  /** Every HTTP request, in arrival order. */
  readonly requests: readonly MockRequestRecord[];
  readonly sessionsCreated: number;
  /** DELETE requests that carried a session id. */
  readonly deletesReceived: number;
  /** With `hangDelete`: held DELETEs whose client closed the connection (gave up) before the mock closed. */
  readonly deletesAbandoned: number;
  /** Replaces the tools (validated like the config) and sends notifications/tools/list_changed. */
  setTools(tools: MockTool[]): Promise<void>;
  /** Sends notifications/tools/list_changed to every connected session (none exist when stateless). */
  notifyToolsChanged(): Promise<void>;
  /** Forgets and closes every session: the next request with an old session id gets 404. */
  expireAllSessions(): Promise<void>;
  /** Closes every transport and the HTTP server. Idempotent. */
  close(): Promise<void>;
}

export interface StartMockMcpServerOptions {
  /** Default 0 (any free port). The host is always 127.0.0.1. */
  port?: number;
}

/** One SDK server and its transport: a session, or a single POST when stateless. */
interface Endpoint {
  server: Server;
  transport: StreamableHTTPServerTransport | SSEServerTransport;
  tickets: Map<string | number, MockCallTicket>;
  sessionId?: string;
  /** sse mode: the GET /sse response the session's messages go out on. */
  sseStream?: ServerResponse;
}

export async function startMockMcpServer(config: MockMcpConfig, options: StartMockMcpServerOptions = {}): Promise<MockMcpServer> {
  const checked = validateMockMcpConfig(config);
  const mode = checked.mode ?? 'stateful';
  const state = new MockState(checked);
  const sessions = new Map<string, Endpoint>();
  const stateless = new Set<Endpoint>();
  let closing: Promise<void> | undefined;

  const notifyAll = async (except?: Endpoint): Promise<void> => {
    const targets = [...sessions.values()].filter((endpoint) => endpoint !== except);
    await Promise.all(targets.map((endpoint) => endpoint.server.sendToolListChanged().catch(() => undefined)));
  };

  const createEndpoint = (transport: Endpoint['transport'], sessionId?: string): Endpoint => {
    const endpoint: Endpoint = { transport, tickets: new Map(), server: undefined as unknown as Server, ...(sessionId ? { sessionId } : {}) };
    endpoint.server = createToolServer(state, {
      tickets: endpoint.tickets,
      notifyOthers: () => notifyAll(endpoint),
      standaloneListChanged: checked.jsonResponse === true && mode !== 'sse',
    });
    return endpoint;
  };

  const expire = async (endpoint: Endpoint): Promise<void> => {
    if (endpoint.sessionId !== undefined && sessions.get(endpoint.sessionId) === endpoint) sessions.delete(endpoint.sessionId);
    await endpoint.server.close().catch(() => undefined);
  };

  /** Counts calls, notes cancellations, and answers HTTP-level faults itself (then returns true). */
  const preflight = async (endpoint: Endpoint, body: unknown, res: ServerResponse): Promise<boolean> => {
    const messages = messagesOf(body);
    for (const message of messages) {
      const cancel = cancellationOf(message);
      if (cancel) noteCancellation(endpoint, cancel.requestId, cancel.reason);
      if (!isRequest(message, 'tools/call')) continue;
      const params = message.params ?? {};
      const name = typeof params.name === 'string' ? params.name : '';
      const args = typeof params.arguments === 'object' && params.arguments !== null ? (params.arguments as Record<string, unknown>) : undefined;
      const ticket = state.beginCall(name, args, message.id, endpoint.sessionId);
      const final = ticket.plan.final;
      if (messages.length === 1 && isHttpFault(final)) {
        await httpFault(endpoint, ticket, final, res);
        return true;
      }
      endpoint.tickets.set(message.id, ticket);
    }
    return false;
  };

  const noteCancellation = (endpoint: Endpoint, requestId: string | number, reason: string | undefined): void => {
    // Stateless: the cancellation comes in its own POST, so look through every call in flight.
    const owners = mode === 'stateless' ? [...stateless] : [endpoint];
    const owner = owners.find((candidate) => candidate.tickets.has(requestId));
    const ticket = owner?.tickets.get(requestId);
    if (!owner || !ticket) return;
    ticket.cancelled = true;
    if (reason !== undefined) ticket.record.cancelReason = reason;
    // A stateless server never sees the notification; closing it aborts the handler.
    if (mode === 'stateless') void owner.server.close().catch(() => undefined);
  };

  const httpFault = async (endpoint: Endpoint, ticket: MockCallTicket, fault: MockHttpFault, res: ServerResponse): Promise<void> => {
    for (const lead of ticket.plan.lead) if (lead.kind === 'delay') await sleep(lead.ms);
    ticket.record.outcome = `fault:${fault.kind}`;
    if (ticket.changesToolList) {
      state.toggleListChangedTool();
      await notifyAll(fault.kind === 'expireSession' ? endpoint : undefined);
    }
    if (fault.kind === 'http500') return sendText(res, 500, 'Internal Server Error (mock MCP fault http500)');
    if (fault.kind === 'httpStatus') return sendText(res, fault.status, `${STATUS_CODES[fault.status] ?? 'Error'} (mock MCP fault httpStatus)`);
    if (fault.kind === 'expireSession') {
      await expire(endpoint);
      return sendSessionNotFound(res);
    }
    const frame = `event: message\ndata: {"jsonrpc":"2.0","id":${JSON.stringify(ticket.record.requestId)},"result": this is not JSON\n\n`;
    if (endpoint.sseStream) {
      endpoint.sseStream.write(frame);
      return sendText(res, 202, 'Accepted');
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      ...(endpoint.sessionId ? { 'mcp-session-id': endpoint.sessionId } : {}),
    });
    res.end(frame);
  };

  const handleStateful = async (req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> => {
    const header = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(header) ? header[0] : header;
    if (req.method === 'DELETE' && sessionId) {
      state.deletesReceived += 1;
      if (checked.hangDelete === true) {
        res.on('close', () => {
          if (!closing) state.deletesAbandoned += 1;
        });
        return;
      }
    }
    if (sessionId) {
      const endpoint = sessions.get(sessionId);
      if (!endpoint) return sendSessionNotFound(res);
      if (req.method === 'POST' && (await preflight(endpoint, body, res))) return;
      return (endpoint.transport as StreamableHTTPServerTransport).handleRequest(req, res, body);
    }
    if (req.method !== 'POST' || !messagesOf(body).some((message) => isRequest(message, 'initialize'))) {
      return sendJsonRpcError(res, 400, -32000, 'Bad Request: No valid session ID provided');
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: checked.jsonResponse === true,
      onsessioninitialized: (id) => {
        endpoint.sessionId = id;
        sessions.set(id, endpoint);
        state.sessionsCreated += 1;
      },
      onsessionclosed: (id) => void sessions.delete(id),
    });
    const endpoint = createEndpoint(transport);
    endpoint.server.onclose = () => {
      if (endpoint.sessionId !== undefined && sessions.get(endpoint.sessionId) === endpoint) sessions.delete(endpoint.sessionId);
    };
    await endpoint.server.connect(transport);
    await transport.handleRequest(req, res, body);
  };

  const handleStateless = async (req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> => {
    if (req.method !== 'POST') return sendJsonRpcError(res, 405, -32000, 'Method not allowed.', { allow: 'POST' });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: checked.jsonResponse === true });
    const endpoint = createEndpoint(transport);
    stateless.add(endpoint);
    res.on('close', () => {
      stateless.delete(endpoint);
      void endpoint.server.close().catch(() => undefined);
    });
    await endpoint.server.connect(transport);
    if (await preflight(endpoint, body, res)) return;
    await transport.handleRequest(req, res, body);
  };

  const handleSse = async (req: IncomingMessage, res: ServerResponse, url: URL, body: unknown): Promise<void> => {
    if (url.pathname === '/sse' && req.method === 'GET') {
      const transport = new SSEServerTransport('/message', res);
      const endpoint = createEndpoint(transport, transport.sessionId);
      endpoint.sseStream = res;
      sessions.set(transport.sessionId, endpoint);
      state.sessionsCreated += 1;
      endpoint.server.onclose = () => void (sessions.get(transport.sessionId) === endpoint && sessions.delete(transport.sessionId));
      await endpoint.server.connect(transport);
      return;
    }
    if (url.pathname === '/sse') return sendText(res, 405, 'Method Not Allowed', { allow: 'GET' });
    if (url.pathname !== '/message') return sendText(res, 404, 'Not Found');
    if (req.method !== 'POST') return sendText(res, 405, 'Method Not Allowed', { allow: 'POST' });
    const endpoint = sessions.get(url.searchParams.get('sessionId') ?? '');
    if (!endpoint) return sendSessionNotFound(res);
    if (await preflight(endpoint, body, res)) return;
    await (endpoint.transport as SSEServerTransport).handlePostMessage(req, res, body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const record = logRequest(req, res, state.requests);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (closing) return sendText(res, 503, 'Service Unavailable (mock MCP server closing)');
    if (checked.requireBearer !== undefined && req.headers.authorization !== `Bearer ${checked.requireBearer}`) {
      const message = checked.echoRejectedCredentials ? `Unauthorized: wrong credentials (got ${JSON.stringify(req.headers.authorization ?? null)})` : 'Unauthorized: missing or wrong bearer token';
      return sendJsonRpcError(res, 401, -32001, message, { 'www-authenticate': 'Bearer realm="mock-mcp"' });
    }
    if (mode !== 'sse' && url.pathname !== '/mcp') return sendText(res, 404, 'Not Found');
    let body: unknown;
    if (req.method === 'POST') {
      const read = await readJsonBody(req);
      if (!read.ok) return sendJsonRpcError(res, read.status, read.code, read.message);
      body = read.body;
      record.rpcMethods = messagesOf(body).map(rpcMethodOf);
    }
    if (mode === 'stateful') return handleStateful(req, res, body);
    if (mode === 'stateless') return handleStateless(req, res, body);
    return handleSse(req, res, url, body);
  };

  const http = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendText(res, 500, `Mock MCP server error: ${(error as Error)?.message ?? String(error)}`);
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}${mode === 'sse' ? '/sse' : '/mcp'}`,
    port,
    mode,
    callLog: state.callLog,
    requests: state.requests,
    get sessionsCreated() {
      return state.sessionsCreated;
    },
    get deletesReceived() {
      return state.deletesReceived;
    },
    get deletesAbandoned() {
      return state.deletesAbandoned;
    },
    async setTools(tools) {
      state.setTools(validateMockTools(tools, mode));
      await notifyAll();
    },
    notifyToolsChanged: () => notifyAll(),
    async expireAllSessions() {
      await Promise.all([...sessions.values()].map(expire));
    },
    close() {
      closing ??= (async () => {
        const endpoints = [...sessions.values(), ...stateless];
        sessions.clear();
        stateless.clear();
        await Promise.all(endpoints.map((endpoint) => endpoint.server.close().catch(() => undefined)));
        await new Promise<void>((resolve) => {
          http.close(() => resolve());
          http.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
