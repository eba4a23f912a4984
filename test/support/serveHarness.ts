/**
 * `serve` as the tests run it: a mock MCP server, the Realtime simulator (the sideband's WebSocket),
 * a fake OpenAI REST side and `startServe` on 127.0.0.1, all real HTTP and WebSocket, started and
 * stopped by the test; plus requests with the access token and an SSE reader.
 */
import { createParser } from 'eventsource-parser';
import { startMockMcpServer, type MockMcpServer, type MockTool } from '../../harness/mock-mcp/index.js';
import { startRealtimeSimulator, type RealtimeSimulator, type SimulatorStep } from '../../harness/simulator/index.js';
import { startServe, type RunningServe, type StartServeOptions } from '../../src/serve/startServe.js';
import type { ServeLogEntry } from '../../src/serve/serveOptions.js';
import { fakeOpenAiClient, startFakeOpenAi, type FakeOpenAi } from './fakeOpenAi.js';

export const TEST_KEY = 'sk-test-key';
export const TEST_TOKEN = 'test-access-token-0001';

export interface ServeHarness {
  readonly serve: RunningServe;
  readonly mcp: MockMcpServer;
  readonly sim: RealtimeSimulator;
  readonly openai: FakeOpenAi;
  readonly logs: ServeLogEntry[];
  /** Every answer serve gave (status, headers, body), for the secrets scan. */
  readonly answers: Array<{ path: string; status: number; headers: Record<string, string>; body: string }>;
  /** A request with the access token (unless `headers` sets Authorization); the body read as text. */
  request(path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; text: string; json: () => any }>;
  close(): Promise<void>;
}

export interface ServeHarnessOptions {
  tools?: MockTool[];
  script?: SimulatorStep[];
  serve?: Partial<StartServeOptions>;
  /** Default true: the script plays on every sideband connection. */
  everyConnection?: boolean;
  /** The OpenAI key serve, the fake and the simulator share. Default TEST_KEY. */
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
  const sim = await startRealtimeSimulator({ ...(options.script ? { script: options.script } : {}), apiKey, playOn: options.everyConnection === false ? 'first' : 'every' });
  const openai = await startFakeOpenAi({ apiKey });
  const logs: ServeLogEntry[] = [];
  const serve = await startServe({
    apiKey,
    port: 0,
    accessToken,
    openai: fakeOpenAiClient(sim.url),
    openaiBaseUrl: `${openai.url}/v1`,
    servers: [{ label: 'tools', url: mcp.url }],
    log: (entry) => void logs.push(entry),
    ...options.serve,
  });
  const answers: ServeHarness['answers'] = [];
  return {
    serve,
    mcp,
    sim,
    openai,
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
    async close() {
      await serve.close({ deadlineMs: 1_000 });
      await Promise.all([mcp.close(), sim.close(), openai.close()]);
    },
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
