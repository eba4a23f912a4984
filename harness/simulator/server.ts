/**
 * `startRealtimeSimulator`: a local OpenAI Realtime API (GA) over WebSocket on 127.0.0.1, at
 * `/v1/realtime`. It authenticates like the real API (bearer header, or the browser sub-protocols),
 * keeps one simulated session per connection, and plays a script on it.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ClientEvent, RealtimeSession } from '../../src/protocol/generated/types.js';
import { playScript, type ScriptRunResult, type ScriptState } from './player.js';
import { toPlan, validateSimulatorScript, type SimulatorScript, type SimulatorStep } from './script.js';
import { SimulatorSession, type RejectedFrame, type SimulatorServerEvent } from './session.js';
import { DEFAULT_MODEL } from './wire.js';

export interface StartRealtimeSimulatorOptions {
  /** The script (or a bare list of steps). Without one the simulator only answers client events. */
  script?: SimulatorScript | SimulatorStep[];
  /** Default 0 (any free port). The host is always 127.0.0.1. */
  port?: number;
  /** The key clients must present; unset: any key, or none (a local server). */
  apiKey?: string;
  /** Overrides the script's startWhen. Default `session.updated`. */
  startWhen?: 'connected' | 'session.updated';
  /** `first` (default): the script plays once, on the first connection that reaches startWhen; `every`: on every connection. */
  playOn?: 'first' | 'every';
  /** Overrides the script's toolTimeoutMs (default 10000). */
  toolTimeoutMs?: number;
  /** Overrides the script's deltaDelayMs (default 0). */
  deltaDelayMs?: number;
  /** Overrides the script's audioChunkMs (default 40). */
  audioChunkMs?: number;
  /** Fields of the session.created session to change (instructions, audio, …). */
  session?: Partial<RealtimeSession>;
  /** Keep every event in clientEvents/serverEvents (default true; turn off for long benchmarks). */
  recordEvents?: boolean;
  /**
   * Send session.created this long after the connection opens (default 0: at once). Client events
   * sent before it wait and are answered after it, in order, as the real API queues them.
   */
  sessionCreatedDelayMs?: number;
}

/** One connection as tests see it. */
export interface SimulatorConnection {
  readonly index: number;
  /** The `model` query parameter (default gpt-realtime). */
  readonly model: string;
  readonly query: Readonly<Record<string, string>>;
  readonly clientEvents: readonly ClientEvent[];
  readonly serverEvents: readonly SimulatorServerEvent[];
  readonly rejectedFrames: readonly RejectedFrame[];
  readonly closed: { code: number; reason: string } | undefined;
  /** The script run on this connection, when one plays here. */
  readonly run: { readonly state: ScriptState; readonly done: Promise<ScriptRunResult> } | undefined;
}

export interface RealtimeSimulator {
  /** `ws://127.0.0.1:<port>/v1/realtime` (add `?model=…`). */
  readonly url: string;
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  readonly sessions: readonly SimulatorConnection[];
  /** Every decoded client event, all connections, in order (per connection: sessions[i].clientEvents). */
  readonly clientEvents: readonly ClientEvent[];
  /** Every event sent, all connections, in order. */
  readonly serverEvents: readonly SimulatorServerEvent[];
  /** What happened: connections, steps, failures, closes. */
  readonly log: readonly string[];
  /** The state of the first script run. */
  readonly state: ScriptState;
  /** Resolves when the (first) script run finished or failed. Never rejects. */
  readonly done: Promise<ScriptRunResult>;
  /** Closes every connection (1001) and the server. Idempotent. */
  close(): Promise<void>;
}

export async function startRealtimeSimulator(options: StartRealtimeSimulatorOptions = {}): Promise<RealtimeSimulator> {
  const script = options.script === undefined ? undefined : validateSimulatorScript(options.script);
  const plan = script ? toPlan(script.steps) : undefined;
  const startWhen = options.startWhen ?? script?.startWhen ?? 'session.updated';
  const toolTimeoutMs = options.toolTimeoutMs ?? script?.toolTimeoutMs ?? 10_000;
  const sessions: SimulatorSession[] = [];
  const runs = new Map<SimulatorSession, { state: ScriptState; done: Promise<ScriptRunResult> }>();
  const clientEvents: ClientEvent[] = [];
  const serverEvents: SimulatorServerEvent[] = [];
  const log: string[] = [];
  const recordEvents = options.recordEvents ?? true;
  const firstState: ScriptState = { status: plan ? 'waiting' : 'passed', step: 0 };
  let settleFirst: (result: ScriptRunResult) => void = () => undefined;
  const done = plan ? new Promise<ScriptRunResult>((resolve) => (settleFirst = resolve)) : Promise.resolve({ ok: true, steps: 0 });
  let closing: Promise<void> | undefined;

  const startScript = (session: SimulatorSession): void => {
    if (!plan || runs.has(session) || session.closed) return;
    const first = runs.size === 0;
    if (!first && (options.playOn ?? 'first') === 'first') return;
    const state: ScriptState = first ? firstState : { status: 'waiting', step: 0 };
    const run = playScript(session, plan, { toolTimeoutMs, state }).catch((error: unknown): ScriptRunResult => {
      const message = `the simulator failed: ${(error as Error).message}`;
      Object.assign(state, { status: 'failed', error: message });
      return { ok: false, steps: state.step - 1, error: message };
    });
    runs.set(session, { state, done: run });
    if (first) void run.then(settleFirst);
  };

  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has('realtime') ? 'realtime' : false) });
  const http = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'application/json', upgrade: 'websocket' });
    res.end(JSON.stringify({ error: { type: 'invalid_request_error', code: null, param: null, message: 'Connect to /v1/realtime with a WebSocket.' } }));
  });

  const onConnection = (ws: WebSocket, req: IncomingMessage): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const index = sessions.length;
    const line = (text: string): void => void log.push(`#${index} ${text}`);
    const session = new SimulatorSession(ws, {
      index,
      model: url.searchParams.get('model') ?? DEFAULT_MODEL,
      query: Object.fromEntries(url.searchParams),
      deltaDelayMs: options.deltaDelayMs ?? script?.deltaDelayMs ?? 0,
      audioChunkMs: options.audioChunkMs ?? script?.audioChunkMs ?? 40,
      recordEvents,
      ...(options.session ? { session: options.session } : {}),
      ...(options.sessionCreatedDelayMs !== undefined ? { sessionCreatedDelayMs: options.sessionCreatedDelayMs } : {}),
      log: line,
      onClientEvent: (event) => void (recordEvents && clientEvents.push(event)),
      onServerEvent: (event) => void (recordEvents && serverEvents.push(event)),
      onSessionUpdated: () => startScript(session),
    });
    sessions.push(session);
    line(`connected (${url.search || 'no query'})`);
    if (startWhen === 'connected') startScript(session);
  };

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (closing) return refuse(socket, 503, 'The simulator is shutting down.', null);
    if (url.pathname !== '/v1/realtime') return refuse(socket, 404, `Invalid URL (GET ${url.pathname}). Connect to /v1/realtime.`, null);
    const key = presentedKey(req);
    // Without a configured key the simulator is a local server that needs none (as `connect` treats ws:// on loopback).
    if (key === undefined && options.apiKey !== undefined) {
      return refuse(socket, 401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", null);
    }
    if (options.apiKey !== undefined && key !== options.apiKey) {
      return refuse(socket, 401, 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_api_key');
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req));
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (http.address() as AddressInfo).port;

  const close = async (): Promise<void> => {
    closing ??= (async () => {
      for (const session of sessions) if (!session.closed) session.closeSocket(1001, 'The simulator is shutting down.');
      await Promise.all([...wss.clients].map(closedOrTerminated));
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      if (firstState.status === 'waiting') {
        Object.assign(firstState, { status: 'failed', error: 'the simulator closed before the script started' });
        settleFirst({ ok: false, steps: 0, error: 'the simulator closed before the script started' });
      }
      await Promise.all([...runs.values()].map((run) => run.done));
    })();
    return closing;
  };

  return {
    url: `ws://127.0.0.1:${port}/v1/realtime`,
    port,
    get connections() {
      return sessions.length;
    },
    get sessions() {
      return sessions.map((session) => view(session, runs.get(session)));
    },
    clientEvents,
    serverEvents,
    log,
    state: firstState,
    done,
    close,
  };
}

/** Waits for the closing handshake, or ends the socket after 500 ms. */
function closedOrTerminated(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === ws.CLOSED) return resolve();
    const timer = setTimeout(() => ws.terminate(), 500);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function view(session: SimulatorSession, run: SimulatorConnection['run']): SimulatorConnection {
  return {
    index: session.index,
    model: session.model,
    query: session.query,
    clientEvents: session.clientEvents,
    serverEvents: session.serverEvents,
    rejectedFrames: session.rejectedFrames,
    get closed() {
      return session.closed;
    },
    run,
  };
}

/** The key from `Authorization: Bearer <key>`, or the `openai-insecure-api-key.<key>` sub-protocol. */
function presentedKey(req: IncomingMessage): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  if (bearer) return bearer;
  const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const prefix = 'openai-insecure-api-key.';
  const key = protocols.find((p) => p.startsWith(prefix))?.slice(prefix.length);
  return key && protocols.includes('realtime') ? key : undefined;
}

/** Answers the upgrade request with an HTTP error and a JSON body like the API's. */
function refuse(socket: Duplex, status: number, message: string, code: string | null): void {
  const body = JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code } });
  const reason = status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Service Unavailable';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
