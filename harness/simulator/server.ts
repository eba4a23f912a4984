/**
 * `startRealtimeSimulator`: a local OpenAI Realtime API (GA) on 127.0.0.1. The WebSocket at
 * `/v1/realtime` authenticates like the real API (bearer header, or the browser sub-protocols) and
 * keeps one simulated session per connection, or attaches to a call (`?call_id=`, the sideband);
 * the REST side (routes.ts) issues client secrets and answers and controls calls (calls.ts). A
 * script plays on the sessions.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ClientEvent, RealtimeSession, RealtimeSessionConfig } from '../../src/protocol/generated/types.js';
import { authenticate, presentedKey } from './auth.js';
import { CallRegistry, type SimulatorCall } from './calls.js';
import { webSocketChannel } from './channels.js';
import { ClientSecretStore } from './clientSecrets.js';
import { HttpFailure, sendProblem, type HttpProblem } from './http.js';
import type { AnswerOffer, SimulatorPeer } from './peer.js';
import type { AnswerWebRtcOfferOptions } from './webrtcPeer.js';
import { playScript, type ScriptRunResult, type ScriptState } from './player.js';
import { handleRequest } from './routes.js';
import { toPlan, validateSimulatorScript, type SimulatorScript, type SimulatorStep } from './script.js';
import { SimulatorSession, type ReceivedClientEvent, type RejectedFrame, type SessionMedia, type SimulatorServerEvent } from './session.js';
import { placeSipCall, type PlaceSipCallOptions, type PlacedSipCall } from './sipCalls.js';
import { DEFAULT_MODEL } from './wire.js';
import { loadRehearsal, type RehearsalOptions } from './rehearsal.js';

export interface StartRealtimeSimulatorOptions {
  /** The script (or a bare list of steps). Without one the simulator only answers client events. */
  script?: SimulatorScript | SimulatorStep[];
  /**
   * Instead of a script: a model that calls the session's tools with schema-sampled arguments on
   * every user turn and says what they answered, with synthesized speech (rehearsal.ts).
   */
  rehearsal?: boolean | RehearsalOptions;
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
  /** Answers a WebRTC offer with a media peer. Default: `answerWebRtcOffer` of `./webrtcPeer.js`, loaded on the first call. */
  answerOffer?: AnswerOffer;
  /** The real peer's voice activity detector (ignored with answerOffer): level threshold in dBFS, silence that ends speech. */
  webrtcVad?: { thresholdDb?: number; silenceMs?: number };
  /** Unix ms now, for client-secret expiry (default `Date.now`): tests expire keys without sleeping. */
  clientSecretClock?: () => number;
  /** How long a SIP call rings before it expires unanswered. Default 30000. */
  sipAcceptTimeoutMs?: number;
  /** The largest REST request body accepted. Default 1 MiB. */
  maxBodyBytes?: number;
}

/** One connection as tests see it. */
export interface SimulatorConnection {
  readonly index: number;
  /** The call this session belongs to (`rtc_…`), or undefined for a WebSocket session of its own. */
  readonly callId: string | undefined;
  /** Where its output audio goes: `events` (WebSocket deltas), `peer` (a WebRTC track), `sip`. */
  readonly media: SessionMedia['kind'];
  /** The `model` query parameter (default gpt-realtime). */
  readonly model: string;
  readonly query: Readonly<Record<string, string>>;
  readonly clientEvents: readonly ClientEvent[];
  /** Each client event with the channel it came from (`websocket`, `datachannel`, `sideband`). */
  readonly clientEventLog: readonly ReceivedClientEvent[];
  readonly serverEvents: readonly SimulatorServerEvent[];
  readonly rejectedFrames: readonly RejectedFrame[];
  /** How the session ended (its socket closed, or its call ended). */
  readonly closed: { code: number; reason: string } | undefined;
  /** The script run on this connection, when one plays here. */
  readonly run: { readonly state: ScriptState; readonly done: Promise<ScriptRunResult> } | undefined;
}

export interface RealtimeSimulator {
  /** `ws://127.0.0.1:<port>/v1/realtime` (add `?model=…`, or `?call_id=…` for a sideband). */
  readonly url: string;
  /** `http://127.0.0.1:<port>`: the REST base is `httpUrl + '/v1'`. */
  readonly httpUrl: string;
  readonly port: number;
  /** Sessions started so far (WebSocket connections and calls; sidebands do not count). */
  readonly connections: number;
  /** Every call so far (a snapshot per read). */
  readonly calls: readonly SimulatorCall[];
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
  /**
   * A phone call rings: a pending call and a signed `realtime.call.incoming` webhook POSTed to
   * `webhookUrl`. Resolves once the receiver answered the webhook.
   */
  placeSipCall(options: PlaceSipCallOptions): Promise<PlacedSipCall>;
  /** Closes every connection (1001), ends every call, and closes the server. Idempotent. */
  close(): Promise<void>;
}

export async function startRealtimeSimulator(options: StartRealtimeSimulatorOptions = {}): Promise<RealtimeSimulator> {
  const rehearsalOn = options.rehearsal !== undefined && options.rehearsal !== false;
  if (rehearsalOn && options.script !== undefined) {
    throw new Error('Failed to start the Realtime simulator: both a script and rehearsal were given. Please pass one: a script plays scripted turns, rehearsal answers every user turn on its own.');
  }
  const log: string[] = [];
  const rehearsal = rehearsalOn ? await loadRehearsal(options.rehearsal === true ? {} : (options.rehearsal as RehearsalOptions), (line) => void log.push(line)) : undefined;
  const script = options.script === undefined ? undefined : validateSimulatorScript(options.script);
  const plan = script ? toPlan(script.steps) : undefined;
  const startWhen = options.startWhen ?? script?.startWhen ?? 'session.updated';
  const toolTimeoutMs = options.toolTimeoutMs ?? script?.toolTimeoutMs ?? 10_000;
  const sessions: SimulatorSession[] = [];
  const runs = new Map<SimulatorSession, { state: ScriptState; done: Promise<ScriptRunResult> }>();
  const clientEvents: ClientEvent[] = [];
  const serverEvents: SimulatorServerEvent[] = [];
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

  const secrets = new ClientSecretStore(options.clientSecretClock ?? Date.now, options.session);
  const callOf = new Map<SimulatorSession, string>();
  let channelCount = 0;

  const newSession = (settings: { model: string; query: Record<string, string>; callId?: string; initialConfigs: RealtimeSessionConfig[]; media: SessionMedia; onEnded?: (closed: { code: number; reason: string }) => void }): SimulatorSession => {
    const index = sessions.length;
    const line = (text: string): void => void log.push(`#${index} ${text}`);
    const session = new SimulatorSession({
      index,
      model: settings.model,
      query: settings.query,
      deltaDelayMs: options.deltaDelayMs ?? script?.deltaDelayMs ?? 0,
      audioChunkMs: options.audioChunkMs ?? script?.audioChunkMs ?? 40,
      recordEvents,
      ...(options.session ? { session: options.session } : {}),
      initialConfigs: settings.initialConfigs,
      media: settings.media,
      ...(options.sessionCreatedDelayMs !== undefined ? { sessionCreatedDelayMs: options.sessionCreatedDelayMs } : {}),
      log: line,
      onClientEvent: (event) => void (recordEvents && clientEvents.push(event)),
      onServerEvent: (event) => void (recordEvents && serverEvents.push(event)),
      onSessionUpdated: () => startScript(session),
      ...(settings.onEnded ? { onEnded: settings.onEnded } : {}),
    });
    sessions.push(session);
    rehearsal?.(session);
    if (settings.callId !== undefined) callOf.set(session, settings.callId);
    return session;
  };

  const calls = new CallRegistry({
    newSession: ({ callId, model, initialConfigs, media, onEnded }) => newSession({ model: model ?? DEFAULT_MODEL, query: {}, callId, initialConfigs, media, onEnded }),
    connected: (session) => {
      if (startWhen === 'connected') startScript(session);
    },
    answerOffer: options.answerOffer ?? ((sdp) => answerWithWebRtcPeer(sdp, { ...(options.webrtcVad ? { vad: options.webrtcVad } : {}), log: (line) => void log.push(`webrtc: ${line}`) })),
    log: (line) => void log.push(line),
  });
  const routeContext = { apiKey: options.apiKey, secrets, calls, maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024, log: (line: string) => void log.push(line) };

  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has('realtime') ? 'realtime' : false) });
  const http = createServer((req, res) => {
    if (closing) return sendProblem(res, { status: 503, message: 'The simulator is shutting down.', code: null });
    void handleRequest(req, res, routeContext);
  });

  const onConnection = (ws: WebSocket, url: URL, initialConfigs: RealtimeSessionConfig[]): void => {
    const configuredModel = [...initialConfigs].reverse().find((config) => config.model !== undefined)?.model;
    const session = newSession({ model: url.searchParams.get('model') ?? configuredModel ?? DEFAULT_MODEL, query: Object.fromEntries(url.searchParams), initialConfigs, media: { kind: 'events' } });
    session.log(`connected (${url.search || 'no query'})`);
    session.attach(webSocketChannel(ws, 'websocket', `websocket-${channelCount++}`, (text) => session.log(text)), 'owner');
    if (startWhen === 'connected') startScript(session);
  };

  const onSideband = (ws: WebSocket, callId: string): void => {
    const id = `sideband-${channelCount++}`;
    try {
      calls.attachSideband(callId, () => webSocketChannel(ws, 'sideband', id, (text) => void log.push(`${callId} ${text}`)));
    } catch {
      ws.close(1000, 'The call has ended.'); // it ended between the upgrade check and now
    }
  };

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (closing) return refuse(socket, { status: 503, message: 'The simulator is shutting down.', code: null });
    if (url.pathname !== '/v1/realtime') return refuse(socket, { status: 404, message: `Invalid URL (GET ${url.pathname}). Connect to /v1/realtime.`, code: null });
    const auth = authenticate(presentedKey(req, true), options.apiKey, secrets);
    if (!auth.ok) return refuse(socket, auth.problem);
    const callId = url.searchParams.get('call_id');
    if (callId === null) {
      const initialConfigs = auth.caller.kind === 'ephemeral' ? [auth.caller.secret.config] : [];
      return wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, url, initialConfigs));
    }
    if (url.searchParams.has('model')) {
      return refuse(socket, { status: 400, message: 'Pass exactly one of model and call_id: call_id attaches to an existing call, whose model is set. Please drop model.', code: 'invalid_value', param: 'model' });
    }
    // Reported from the real API: an ephemeral key on the sideband finds no session.
    if (auth.caller.kind === 'ephemeral' || !calls.hasLiveSession(callId)) {
      return refuse(socket, { status: 404, message: 'No session found for the provided call_id', code: 'call_id_not_found' });
    }
    wss.handleUpgrade(req, socket, head, (ws) => onSideband(ws, callId));
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (http.address() as AddressInfo).port;

  const close = async (): Promise<void> => {
    closing ??= (async () => {
      await calls.closeAll(1001, 'The simulator is shutting down.');
      for (const session of sessions) if (!session.closed) session.end(1001, 'The simulator is shutting down.');
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
    httpUrl: `http://127.0.0.1:${port}`,
    port,
    get calls() {
      return calls.list();
    },
    placeSipCall: (call) => placeSipCall(calls, call, options.sipAcceptTimeoutMs ?? 30_000),
    get connections() {
      return sessions.length;
    },
    get sessions() {
      return sessions.map((session) => view(session, runs.get(session), callOf.get(session)));
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

function view(session: SimulatorSession, run: SimulatorConnection['run'], callId: string | undefined): SimulatorConnection {
  return {
    index: session.index,
    callId,
    media: session.media.kind,
    model: session.model,
    query: session.query,
    clientEvents: session.clientEvents,
    clientEventLog: session.clientEventLog,
    serverEvents: session.serverEvents,
    rejectedFrames: session.rejectedFrames,
    get closed() {
      return session.closed;
    },
    run,
  };
}

/** The WebRTC peer of `webrtcPeer.ts`, loaded on the first call so the WebSocket mode never loads a WebRTC stack (werift and opusscript load later still, inside it). */
async function answerWithWebRtcPeer(offerSdp: string, options: AnswerWebRtcOfferOptions): Promise<SimulatorPeer> {
  let module: typeof import('./webrtcPeer.js');
  try {
    module = await import('./webrtcPeer.js');
  } catch (error) {
    throw new HttpFailure({ status: 500, message: `The simulator's WebRTC peer could not be loaded (${(error as Error).message}). Please install the dev dependencies (werift), or pass the answerOffer option.`, code: null });
  }
  return module.answerWebRtcOffer(offerSdp, options);
}

const STATUS_TEXT = new Map([
  [400, 'Bad Request'],
  [401, 'Unauthorized'],
  [404, 'Not Found'],
  [503, 'Service Unavailable'],
]);

/** Answers the upgrade request with an HTTP error and a JSON body like the API's. */
function refuse(socket: Duplex, problem: HttpProblem): void {
  const body = JSON.stringify({ error: { message: problem.message, type: 'invalid_request_error', param: problem.param ?? null, code: problem.code } });
  const reason = STATUS_TEXT.get(problem.status) ?? 'Error';
  socket.end(`HTTP/1.1 ${problem.status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
