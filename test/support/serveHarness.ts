/**
 * `serve` as the tests run it: a mock MCP server, the Realtime simulator (REST and sideband, its
 * standard key checked) and `startServe` with its default OpenAI side (the library's REST client and
 * sideband transport) pointed at the simulator, all real HTTP and WebSocket on 127.0.0.1, started
 * and stopped by the test. The browsers' media peers are the simulator's fake peers (no WebRTC
 * here: test/deploy/ runs the real thing): a test finds the peer by its offer and makes the caller
 * speak. Plus requests with the access token, an SSE reader, a webhook relay that keeps what it
 * relayed, and an OpenAI that quotes the key back in its refusals.
 */
import { createParser } from 'eventsource-parser';
import { afterEach } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startMockMcpServer, type MockMcpServer, type MockTool } from '../../harness/mock-mcp/index.js';
import { fakePeers, type FakePeer } from '../../harness/simulator/fakePeer.js';
import { startRealtimeSimulator, type RealtimeSimulator, type SimulatorConnection, type SimulatorStep, type StartRealtimeSimulatorOptions } from '../../harness/simulator/index.js';
import type { ClientEvent } from '../../src/protocol/generated/types.js';
import { createCall } from '../../src/protocol/calls.js';
import { startServe, type RunningServe, type StartServeOptions } from '../../src/serve/startServe.js';
import type { ServeLogEntry } from '../../src/serve/serveOptions.js';

export const TEST_KEY = 'sk-test-key';
export const TEST_TOKEN = 'test-access-token-0001';

export interface ServeHarness {
  readonly serve: RunningServe;
  readonly mcp: MockMcpServer;
  readonly sim: RealtimeSimulator;
  /** The media peers the simulator answered offers with, in order. */
  readonly peers: readonly FakePeer[];
  readonly logs: ServeLogEntry[];
  /** Every answer serve gave (status, headers, body), for the secrets scan. */
  readonly answers: Array<{ path: string; status: number; headers: Record<string, string>; body: string }>;
  /** A request with the access token (unless `headers` sets Authorization); the body read as text. */
  request(path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; text: string; json: () => any }>;
  /** A browser's SDP offer, told apart from every other by its origin line. */
  offer(): string;
  /** The peer that answered this offer (throws when none did). */
  peerFor(offer: string): FakePeer;
  /** The caller of the call made with this offer speaks (voice activity started, then stopped): the call's next `user` step plays. */
  speak(offer: string): void;
  /** The browser's side of the ephemeral-key flow: it creates the call itself with the `ek_` key (the library's createCall, application/sdp). */
  browserCall(clientSecret: string): Promise<{ callId: string; sdp: string; offer: string }>;
  /** The simulator's session of a call. */
  callSession(callId: string): SimulatorConnection;
  /** Function call outputs the session got, each with the channel it came over. */
  outputsOf(callId: string): Array<{ channel: string; callId: string; output: string }>;
  /** A relay to serve's `POST /webhooks/openai` that keeps each delivery and serve's answer (closed with the harness). */
  webhookRelay(): Promise<WebhookRelay>;
  close(): Promise<void>;
}

export interface ServeHarnessOptions {
  tools?: MockTool[];
  script?: SimulatorStep[];
  serve?: Partial<StartServeOptions>;
  /** More simulator options (the clock of client secrets…). */
  simulator?: Partial<StartRealtimeSimulatorOptions>;
  /** Default true: the script plays on every call. */
  everyConnection?: boolean;
  /** The OpenAI key serve and the simulator share. Default TEST_KEY. */
  apiKey?: string;
  /** The access token. Default TEST_TOKEN. */
  accessToken?: string;
}

export const ECHO_TOOLS: MockTool[] = [
  { name: 'get_forecast', description: 'The forecast for a city.', inputSchema: { type: 'object', properties: { city: { type: 'string' } } }, annotations: { readOnlyHint: true } },
  { name: 'send.email', description: 'Sends an email.', inputSchema: { type: 'object', properties: { to: { type: 'string' } } } },
];

export async function startServeHarness(options: ServeHarnessOptions = {}): Promise<ServeHarness> {
  const mcp = await startMockMcpServer({ tools: options.tools ?? ECHO_TOOLS });
  const apiKey = options.apiKey ?? TEST_KEY;
  const accessToken = options.accessToken ?? TEST_TOKEN;
  const media = fakePeers();
  const sim = await startRealtimeSimulator({
    ...(options.script ? { script: options.script } : {}),
    apiKey,
    playOn: options.everyConnection === false ? 'first' : 'every',
    answerOffer: media.answerOffer,
    ...options.simulator,
  });
  const logs: ServeLogEntry[] = [];
  const serve = await startServe({
    apiKey,
    port: 0,
    accessToken,
    openaiBaseUrl: `${sim.httpUrl}/v1`,
    servers: [{ label: 'tools', url: mcp.url }],
    log: (entry) => void logs.push(entry),
    ...options.serve,
  });
  const answers: ServeHarness['answers'] = [];
  const relays: WebhookRelay[] = [];
  let offers = 0;
  const peerFor = (offer: string): FakePeer => {
    const peer = media.peers.find((candidate) => candidate.offerSdp === offer);
    if (peer === undefined) throw new Error('No peer answered that offer: the offer did not reach the simulator unchanged.');
    return peer;
  };
  const callSession = (callId: string): SimulatorConnection => {
    const index = sim.calls.find((call) => call.id === callId)?.sessionIndex;
    if (index === undefined) throw new Error(`The simulator has no session for call ${callId}.`);
    return sim.sessions[index]!;
  };
  return {
    serve,
    mcp,
    sim,
    peers: media.peers,
    logs,
    answers,
    async request(path, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${accessToken}`);
      const response = await fetch(`${serve.url}${path}`, { ...init, headers });
      const text = await response.text();
      const seen: Record<string, string> = {};
      response.headers.forEach((value, name) => (seen[name] = value));
      answers.push({ path, status: response.status, headers: seen, body: text });
      return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
    },
    offer: () => offerSdp((offers += 1)),
    peerFor,
    speak(offer) {
      const peer = peerFor(offer);
      peer.speak('started', 0);
      peer.speak('stopped', 800);
    },
    async browserCall(clientSecret) {
      const offer = offerSdp((offers += 1));
      const call = await createCall({ apiKey: clientSecret, baseUrl: `${sim.httpUrl}/v1`, sdp: offer });
      return { ...call, offer };
    },
    callSession,
    outputsOf: (callId) => callSession(callId).clientEventLog.flatMap(({ channel, event }) => (isOutput(event) ? [{ channel, callId: event.item.call_id, output: event.item.output }] : [])),
    async webhookRelay() {
      const relay = await startWebhookRelay(`${serve.url}/webhooks/openai`);
      relays.push(relay);
      return relay;
    },
    async close() {
      await serve.close({ deadlineMs: 1_000 });
      await Promise.all([mcp.close(), sim.close(), ...relays.map((relay) => relay.close())]);
    },
  };
}

/** An SDP offer with an audio section and the data channel; `n` in its origin line tells it apart. */
/**
 * For a test file's top level: `harness(options)` starts a harness, `closeAfterTest(x)` takes
 * anything else with a `close()`; each is closed after the test that started it.
 */
export function serveHarnessPerTest(): {
  harness: (options?: ServeHarnessOptions) => Promise<ServeHarness>;
  closeAfterTest: <T extends { close(): Promise<unknown> }>(started: T) => T;
} {
  const opened: Array<{ close(): Promise<unknown> }> = [];
  afterEach(async () => {
    for (const started of opened.splice(0)) await started.close();
  });
  const closeAfterTest = <T extends { close(): Promise<unknown> }>(started: T): T => {
    opened.push(started);
    return started;
  };
  return { harness: async (options = {}) => closeAfterTest(await startServeHarness(options)), closeAfterTest };
}

/** A POST with a JSON body. */
export const postJson = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

/** The simulator's script of one question and one tool call (get_forecast of the echo tools). */
export const ONE_CALL: SimulatorStep[] = [{ user: 'Weather in Paris?' }, { callTool: { name: 'get_forecast', arguments: { city: 'Paris' } } }];

export function offerSdp(n: number): string {
  return `v=0\r\no=- ${4000 + n} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:1\r\n`;
}

type OutputEvent = { type: 'conversation.item.create'; item: { type: 'function_call_output'; call_id: string; output: string } };
const isOutput = (event: ClientEvent): event is ClientEvent & OutputEvent => event.type === 'conversation.item.create' && event.item.type === 'function_call_output';

export interface WebhookRelay {
  /** `http://127.0.0.1:<port>/webhooks/openai`: give it to `sim.placeSipCall`. */
  readonly url: string;
  /** What was relayed (OpenAI's headers and raw body) and what serve answered, in order. */
  readonly deliveries: Array<{ headers: Record<string, string>; body: string; answer: { status: number; headers: Record<string, string>; body: string } }>;
  close(): Promise<void>;
}

/** Relays webhooks to `target` as they came, so a test can deliver one again (OpenAI retries) and read serve's whole answer. */
export async function startWebhookRelay(target: string): Promise<WebhookRelay> {
  const deliveries: WebhookRelay['deliveries'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (name === 'content-type' || name.startsWith('webhook-')) headers[name] = String(value);
      void fetch(target, { method: 'POST', headers, body }).then(
        async (answer) => {
          const answerHeaders: Record<string, string> = {};
          answer.headers.forEach((value, name) => (answerHeaders[name] = value));
          const text = await answer.text();
          deliveries.push({ headers, body, answer: { status: answer.status, headers: answerHeaders, body: text } });
          res.writeHead(answer.status, { 'content-type': answerHeaders['content-type'] ?? 'text/plain' });
          res.end(text);
        },
        (error: unknown) => {
          res.writeHead(502);
          res.end(String(error));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/openai`,
    deliveries,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * An OpenAI that refuses every request with 401 and quotes the bearer it got in the message, as a
 * careless or hostile server might: what serve relays must not carry the key. (The simulator never
 * echoes a key, as the real API does not.)
 */
export async function startKeyEchoingOpenAi(): Promise<{ readonly baseUrl: string; readonly requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { message: `Incorrect API key provided: ${key}. You can find your API key at your account page.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** Follows `GET /events?session=…` until `until` holds for an event (or the stream ends); resolves with every event read. */
export async function followEvents(url: string, sessionId: string, until: (event: SseEvent, all: SseEvent[]) => boolean, options: { token?: string; signal?: AbortSignal } = {}): Promise<SseEvent[]> {
  const controller = new AbortController();
  options.signal?.addEventListener('abort', () => controller.abort());
  const response = await fetch(`${url}/events?session=${sessionId}`, { headers: { authorization: `Bearer ${options.token ?? TEST_TOKEN}` }, signal: controller.signal });
  if (response.status !== 200 || response.body === null) throw new Error(`GET /events answered ${response.status}: ${await response.text()}`);
  const events: SseEvent[] = [];
  let done = false;
  const parser = createParser({
    onEvent: (event) => {
      if (done) return;
      events.push({ ...(event.id ? { id: event.id } : {}), ...(event.event ? { event: event.event } : {}), data: event.data });
      if (until(events.at(-1)!, events)) done = true;
    },
  });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  try {
    while (!done) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } finally {
    controller.abort();
  }
  return events;
}

/** The `data` of an SSE event from serve: `{ id, type, at, data }`. */
export const payload = (event: SseEvent): { type: string; data: any } => JSON.parse(event.data);
