/**
 * Test helpers for the simulator's own tests: start simulators, connect real `ws` clients on
 * 127.0.0.1, read the events they receive in order, and close everything afterwards.
 */
import { WebSocket } from 'ws';
import { decodeServerEvent } from '../../src/protocol/codec.js';
import type { ClientEvent, FunctionTool } from '../../src/protocol/generated/types.js';
import { startRealtimeSimulator, type RealtimeSimulator, type StartRealtimeSimulatorOptions } from './server.js';

/** A received server event, loosely typed for assertions. */
// A deliberate `any`: tests read nested fields of events they have just checked by type.
export type Received = { type: string; [field: string]: any };

export interface TestClient {
  readonly ws: WebSocket;
  /** Everything received, in order. */
  readonly received: Received[];
  /** The next event (after the last one `next` returned) of that type or matching the predicate. */
  next(match: string | ((event: Received) => boolean), timeoutMs?: number): Promise<Received>;
  /** Events after the last one `next` returned, up to and including the first match. */
  until(match: string | ((event: Received) => boolean), timeoutMs?: number): Promise<Received[]>;
  send(event: ClientEvent): void;
  /** Sends any JSON (for events the simulator must refuse). */
  sendJson(value: unknown): void;
  /** Resolves with the close code and reason once the socket closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
}

export interface ConnectOptions {
  key?: string | null;
  protocols?: string[];
  query?: string;
}

export const SUM_TOOL: FunctionTool = {
  type: 'function',
  name: 'mock__get-sum',
  description: 'Adds two numbers.',
  parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
};

export const WEATHER_TOOL: FunctionTool = { type: 'function', name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } };

export function createHarness() {
  const simulators: RealtimeSimulator[] = [];
  const sockets: WebSocket[] = [];
  return {
    async start(options: StartRealtimeSimulatorOptions = {}): Promise<RealtimeSimulator> {
      const simulator = await startRealtimeSimulator(options);
      simulators.push(simulator);
      return simulator;
    },
    async connect(simulator: RealtimeSimulator, options: ConnectOptions = {}): Promise<TestClient> {
      const key = options.key === undefined ? 'sk-test' : options.key;
      const headers = key === null || options.protocols ? {} : { Authorization: `Bearer ${key}` };
      const ws = new WebSocket(`${simulator.url}${options.query ?? '?model=gpt-realtime'}`, options.protocols ?? [], { headers });
      sockets.push(ws);
      const client = track(ws);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
        ws.once('error', reject);
      });
      return client;
    },
    /** Connects, reads session.created, sends session.update with `tools`, reads session.updated. */
    async ready(simulator: RealtimeSimulator, tools: FunctionTool[] = [SUM_TOOL]): Promise<TestClient> {
      const client = await this.connect(simulator);
      await client.next('session.created');
      client.send({ type: 'session.update', event_id: 'evt_update_1', session: { type: 'realtime', tools, instructions: 'Be brief.' } });
      await client.next('session.updated');
      return client;
    },
    async cleanup(): Promise<void> {
      for (const ws of sockets.splice(0)) if (ws.readyState !== ws.CLOSED) ws.terminate();
      await Promise.all(simulators.splice(0).map((simulator) => simulator.close()));
    },
  };
}

/** Events in arrival order, read with a cursor: `next`/`until` as in TestClient. */
export interface EventReader {
  readonly received: Received[];
  next(match: string | ((event: Received) => boolean), timeoutMs?: number): Promise<Received>;
  until(match: string | ((event: Received) => boolean), timeoutMs?: number): Promise<Received[]>;
  /** Adds an event (JSON text) and wakes the waiting reads. */
  push(text: string): void;
}

export function eventReader(): EventReader {
  const received: Received[] = [];
  const wakers = new Set<() => void>();
  let cursor = 0;
  const until = (match: string | ((event: Received) => boolean), timeoutMs = 5000): Promise<Received[]> => {
    const test = typeof match === 'string' ? (event: Received) => event.type === match : match;
    return new Promise((resolve, reject) => {
      const attempt = (): boolean => {
        const at = received.findIndex((event, i) => i >= cursor && test(event));
        if (at < 0) return false;
        const slice = received.slice(cursor, at + 1);
        cursor = at + 1;
        clearTimeout(timer);
        wakers.delete(wake);
        resolve(slice);
        return true;
      };
      const wake = (): void => void attempt();
      const timer = setTimeout(() => {
        wakers.delete(wake);
        reject(new Error(`No ${typeof match === 'string' ? match : 'matching event'} within ${timeoutMs} ms; received after the cursor: ${received.slice(cursor).map((e) => e.type).join(', ')}`));
      }, timeoutMs);
      if (!attempt()) wakers.add(wake);
    });
  };
  return {
    received,
    until,
    next: async (match, timeoutMs) => (await until(match, timeoutMs)).at(-1) as Received,
    push: (text) => {
      received.push(JSON.parse(text) as Received);
      for (const wake of [...wakers]) wake();
    },
  };
}

function track(ws: WebSocket): TestClient {
  const reader = eventReader();
  ws.on('message', (data) => reader.push(data.toString()));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return {
    ws,
    received: reader.received,
    until: reader.until,
    next: reader.next,
    send: (event) => ws.send(JSON.stringify(event)),
    sendJson: (value) => ws.send(JSON.stringify(value)),
    closed,
  };
}

/** Every event must decode with our codec, in the given dialect ('ga' unless it carries a beta name). */
export function decodeAll(events: readonly object[]): { type: string; ok: boolean; dialect?: string; error?: string }[] {
  return events.map((event) => {
    const result = decodeServerEvent(JSON.stringify(event));
    const type = (event as { type: string }).type;
    return result.ok ? { type, ok: true, dialect: result.dialect } : { type, ok: false, error: result.error.message };
  });
}

/** The function call items of a response.done. */
export function callsOf(done: Received): { call_id: string; name: string; arguments: string; status: string }[] {
  return (done.response.output as Received[]).filter((item) => item.type === 'function_call') as never;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON, when it is JSON. */
  readonly json: Received | undefined;
}

/** A POST to the simulator's REST side (`path` under its httpUrl), with `Authorization: Bearer <key>` unless key is null. */
export async function post(
  simulator: RealtimeSimulator,
  path: string,
  options: { key?: string | null; body?: string | FormData | Blob; contentType?: string } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = {};
  const key = options.key === undefined ? 'sk-test' : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (options.contentType !== undefined) headers['content-type'] = options.contentType;
  const response = await fetch(`${simulator.httpUrl}${path}`, { method: 'POST', headers, ...(options.body !== undefined ? { body: options.body } : {}) });
  const text = await response.text();
  let json: Received | undefined;
  try {
    json = JSON.parse(text) as Received;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** POSTs a JSON body. */
export function postJson(simulator: RealtimeSimulator, path: string, body: unknown, key?: string | null): Promise<HttpAnswer> {
  return post(simulator, path, { body: JSON.stringify(body), contentType: 'application/json', ...(key !== undefined ? { key } : {}) });
}

/** The call id of a `Location: /v1/realtime/calls/rtc_…` header. */
export function callIdOf(answer: HttpAnswer): string {
  const location = answer.headers.get('location') ?? '';
  const id = /^\/v1\/realtime\/calls\/(rtc_[A-Za-z0-9]+)$/.exec(location)?.[1];
  if (id === undefined) throw new Error(`No call id in the Location header (${JSON.stringify(location)}); status ${answer.status}: ${answer.text}`);
  return id;
}

/** The HTTP status and JSON body of a refused WebSocket upgrade (rejects when the upgrade is accepted). */
export function refusedUpgrade(url: string, headers: Record<string, string> = {}, protocols: string[] = []): Promise<{ status: number; body: any }> {
  const ws = new WebSocket(url, protocols, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
  });
}
