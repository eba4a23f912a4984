/**
 * End-to-end harness: the local Realtime simulator, MCP servers (the mock, real server-everything
 * over Streamable HTTP, real server-memory over stdio) and the Node proxy between them, all on
 * 127.0.0.1 over real sockets. `useE2E()` registers an afterEach that closes everything a test
 * started, in reverse order, so vitest exits with nothing left open.
 *
 * Assertions read what the SIMULATOR received (`sim.clientEvents`), plus an ordered record of the
 * proxy's wire (`wire`, from the transport's `frame` event: both directions, in the order the
 * proxy saw and sent them) and every proxy event (`events`, via `hooks.onEvent`).
 *
 * A send the proxy's strict encoder refuses (nothing goes out) fails the test that caused it, in
 * the afterEach, naming the refused event: a refusal must never pass as the expected behaviour.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { startMockMcpServer, type MockMcpConfig, type MockMcpServer } from '../../harness/mock-mcp/index.js';
import { startRealtimeSimulator, type RealtimeSimulator, type SimulatorScript, type SimulatorStep, type StartRealtimeSimulatorOptions } from '../../harness/simulator/index.js';
import type { ProxyError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import type { McpServerConfig, ToolCallResult } from '../../src/mcp/types.js';
import { createNodeRealtimeMcpProxy } from '../../src/node/realtimeMcpProxy.js';
import { createNodeWebSocketTransport } from '../../src/node/webSocketTransport.js';
import type { RealtimeMcpProxy } from '../../src/proxy/createRealtimeMcpProxy.js';
import type { ProxyEvents, RealtimeMcpProxyOptions, ToolCallTimeline } from '../../src/proxy/options.js';
import { describeRefusedSend, watchRefusedSends, type RefusedSend } from '../../src/protocol/refusedSends.js';
import { serverScripts, startEverything, type RunningServer } from '../support/mcpServers.js';

export const API_KEY = 'sk-e2e-test-key';

/** A loosely typed JSON event, for assertions on nested fields. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = { type: string; [field: string]: any };

export interface WireEntry {
  dir: 'in' | 'out';
  event: Loose;
}

export interface RecordedEvent {
  name: keyof ProxyEvents;
  payload: unknown;
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

export interface E2EOptions {
  script: SimulatorScript | SimulatorStep[];
  /** The Realtime key (the simulator requires it, the proxy presents it). Default API_KEY. */
  apiKey?: string;
  /** More simulator options (toolTimeoutMs, deltaDelayMs…). */
  simulator?: Omit<StartRealtimeSimulatorOptions, 'script' | 'apiKey'>;
  /** Start a mock MCP server with this config (label `mock`). */
  mock?: MockMcpConfig;
  /** Extra fields for the mock's server config (token, timeoutMs…). */
  mockServer?: Partial<McpServerConfig>;
  /** More server configs on the mock's endpoint, under other labels (e.g. with a wrong token). */
  mockAliases?: Array<Omit<McpServerConfig, 'url'>>;
  /** Start real server-everything over Streamable HTTP (label `everything`). */
  everything?: boolean;
  /** Spawn real server-memory over stdio (label `memory`). */
  memory?: boolean;
  /** More proxy options (approval, timeouts, bargeIn, hooks…). */
  proxy?: Partial<RealtimeMcpProxyOptions>;
  /**
   * `own` (default): the test builds the Node WebSocket transport (url + key) and records its frames.
   * `proxy`: the proxy builds it from `url` and `apiKey` (no wire record).
   */
  transport?: 'own' | 'proxy';
}

export interface E2E {
  sim: RealtimeSimulator;
  proxy: RealtimeMcpProxy;
  mock?: MockMcpServer;
  everything?: RunningServer;
  wire: WireEntry[];
  events: RecordedEvent[];
  errors: ProxyError[];
  logs: LogLine[];
  /** Every `function_call_output` the simulator received, in order. */
  outputs(): Array<{ call_id: string; output: string }>;
  outputFor(callId: string): string | undefined;
  /** How many `response.create` the simulator received. */
  creates(): number;
  /** Every `session.update` the simulator received. */
  sessionUpdates(): Loose[];
  /** The function call items the simulator finished (`response.output_item.done`), with their status. */
  calls(): Array<{ call_id: string; name: string; arguments: string; status: string }>;
  /** Payloads of one proxy event, in order. */
  eventsOf<E extends keyof ProxyEvents>(name: E): Array<ProxyEvents[E][0]>;
  timelines(): ToolCallTimeline[];
  /** The MCP-side result of each call that reached the executor, from its `toolCall.ended` report (in the order calls ended). */
  results(): Array<ToolCallResult & { callId: string }>;
  /** The spoken transcripts the simulator sent, in order. */
  transcripts(): string[];
  /** Waits until every frame each side sent has been received by the other, and nothing moved for `quietMs`. */
  quiesce(quietMs?: number): Promise<void>;
}

type Cleanup = () => Promise<void> | void;
const cleanups: Cleanup[] = [];
/** Sends the encoder refused since the last check, in every session the current test started. */
const refusedSends: string[] = [];

/**
 * Registers the afterEach that closes everything the tests of this file started, then fails the
 * test if the proxy attempted a send the encoder refused.
 */
export function useE2E(): void {
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch {
        // Closing is best effort: one failure must not keep the others open.
      }
    }
    failOnRefusedSends();
  });
}

/** Throws (and forgets them) when the proxy attempted sends the encoder refused; the afterEach calls it. */
export function failOnRefusedSends(): void {
  if (refusedSends.length === 0) return;
  const lines = refusedSends.splice(0);
  throw new Error(`The proxy attempted ${lines.length} send(s) its encoder refused (nothing went out):\n${lines.map((line) => `- ${line}`).join('\n')}`);
}

export async function waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** How the codec words a refused encode ("Failed to encode the client event …"). */
const ENCODER_REFUSAL = /^Failed to encode the client event/;

export async function startE2E(options: E2EOptions): Promise<E2E> {
  const servers: McpServerConfig[] = [];
  let mock: MockMcpServer | undefined;
  let everything: RunningServer | undefined;
  if (options.mock) {
    const started = await startMockMcpServer(options.mock);
    mock = started;
    cleanups.push(() => started.close());
    servers.push({ label: 'mock', url: started.url, ...options.mockServer });
    for (const alias of options.mockAliases ?? []) servers.push({ ...alias, url: started.url });
  }
  if (options.everything) {
    const started = await startEverything('streamableHttp');
    everything = started;
    cleanups.push(() => started.stop());
    servers.push({ label: 'everything', url: started.url });
  }
  if (options.memory) {
    const folder = mkdtempSync(join(tmpdir(), 'rmp-e2e-memory-'));
    cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
    servers.push({
      label: 'memory',
      command: process.execPath,
      args: [serverScripts.memory],
      env: { MEMORY_FILE_PATH: join(folder, 'memory.jsonl'), PATH: process.env.PATH ?? '' },
    });
  }
  servers.push(...(options.proxy?.servers ?? []));

  const apiKey = options.apiKey ?? API_KEY;
  const sim = await startRealtimeSimulator({ ...options.simulator, script: options.script, apiKey });
  cleanups.push(() => sim.close());

  const wire: WireEntry[] = [];
  const events: RecordedEvent[] = [];
  const errors: ProxyError[] = [];
  const logs: LogLine[] = [];
  const record =
    (level: LogLine['level']) =>
    (fields: Record<string, unknown>, message: string): void =>
      void logs.push({ level, fields, message });
  const logger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  const hooks = options.proxy?.hooks;

  const own = (options.transport ?? 'own') === 'own';
  const transport = own ? watchRefusedSends(createNodeWebSocketTransport({ url: sim.url, apiKey }), (refused: RefusedSend) => refusedSends.push(describeRefusedSend(refused))) : undefined;
  transport?.on('frame', (dir, text) => void wire.push({ dir, event: JSON.parse(text) as Loose }));

  const proxy = createNodeRealtimeMcpProxy({
    catalogCache: false,
    ...options.proxy,
    ...(transport ? { transport } : { url: sim.url, apiKey }),
    servers,
    hooks: {
      logger: hooks?.logger ?? logger,
      onEvent: (name, payload) => {
        events.push({ name, payload });
        hooks?.onEvent?.(name, payload);
      },
      onError: (error) => {
        errors.push(error);
        // With the proxy's own transport there is no send to watch: its report of the refusal stands in.
        if (!own && ENCODER_REFUSAL.test(error.message)) refusedSends.push(error.message);
        hooks?.onError?.(error);
      },
    },
  });
  cleanups.push(() => proxy.close());
  await proxy.start();

  const clientEvents = () => sim.clientEvents as unknown as Loose[];
  const serverEvents = () => sim.serverEvents as unknown as Loose[];
  const outputs = () =>
    clientEvents()
      .filter((e) => e.type === 'conversation.item.create' && e.item?.type === 'function_call_output')
      .map((e) => ({ call_id: e.item.call_id as string, output: e.item.output as string }));
  const e2e: E2E = {
    sim,
    proxy,
    ...(mock ? { mock } : {}),
    ...(everything ? { everything } : {}),
    wire,
    events,
    errors,
    logs,
    outputs,
    outputFor: (callId) => outputs().find((o) => o.call_id === callId)?.output,
    creates: () => clientEvents().filter((e) => e.type === 'response.create').length,
    sessionUpdates: () => clientEvents().filter((e) => e.type === 'session.update'),
    calls: () =>
      serverEvents()
        .filter((e) => e.type === 'response.output_item.done' && e.item?.type === 'function_call')
        .map((e) => ({ call_id: e.item.call_id, name: e.item.name, arguments: e.item.arguments, status: e.item.status })),
    eventsOf: <E extends keyof ProxyEvents>(name: E) => events.filter((e) => e.name === name).map((e) => e.payload as ProxyEvents[E][0]),
    timelines: () => e2e.eventsOf('toolCall.ended'),
    results: () => e2e.timelines().flatMap((t) => (t.result ? [{ ...t.result, callId: t.callId }] : [])),
    transcripts: () => serverEvents().filter((e) => e.type === 'response.output_audio_transcript.done').map((e) => e.transcript as string),
    async quiesce(quietMs = 100) {
      const fingerprint = () => `${sim.serverEvents.length}/${sim.clientEvents.length}/${wire.length}/${events.length}`;
      const balanced = () => {
        if (!own) return true;
        const rejected = sim.sessions.reduce((n, s) => n + s.rejectedFrames.length, 0);
        const inbound = wire.filter((w) => w.dir === 'in').length;
        const outbound = wire.length - inbound;
        return inbound === sim.serverEvents.length && outbound === sim.clientEvents.length + rejected;
      };
      let last = '';
      let since = Date.now();
      await waitFor(
        () => {
          const now = fingerprint();
          if (now !== last || !balanced()) {
            last = now;
            since = Date.now();
            return false;
          }
          return Date.now() - since >= quietMs;
        },
        'the wire to go quiet',
        5000,
      );
    },
  };
  return e2e;
}

/** The session tools of a session.update, by name. */
export function toolNames(update: Loose): string[] {
  return (update.session.tools as Loose[]).filter((t) => t.type === 'function').map((t) => t.name as string);
}

/** Parses a model-facing error output `{"error":{"code","message"}}`. */
export function errorOf(output: string | undefined): { code: string; message: string } | undefined {
  if (output === undefined) return undefined;
  try {
    return (JSON.parse(output) as { error?: { code: string; message: string } }).error;
  } catch {
    return undefined;
  }
}
