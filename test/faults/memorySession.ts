/**
 * A proxy session whose Realtime side is scripted frame by frame (a memory transport: the test
 * plays the server, so it can repeat, reorder and misname events at will) and whose MCP side is a
 * real mock MCP server over HTTP on 127.0.0.1. Like a server, the scripted side answers each
 * `session.update` with `session.updated` (unless told not to). Everything the proxy sends, every
 * event and error it reports, and any uncaught exception while the session runs are collected.
 */
import { afterEach } from 'vitest';
import { startMockMcpServer, type MockMcpServer, type MockTool } from '../../harness/mock-mcp/index.js';
import type { ProxyError } from '../../src/errors.js';
import { createMemoryTransport, type MemoryTransport } from '../../src/protocol/memoryTransport.js';
import { createRealtimeMcpProxy, type RealtimeMcpProxy } from '../../src/proxy/createRealtimeMcpProxy.js';
import type { ProxyEvents, RealtimeMcpProxyOptions } from '../../src/proxy/options.js';
import { waitFor } from '../e2e/support.js';

export { waitFor };

/** A loosely typed client event, for assertions on nested fields. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Sent = { type: string; event_id?: string; [field: string]: any };

export interface MemorySession {
  proxy: RealtimeMcpProxy;
  transport: MemoryTransport;
  mock: MockMcpServer;
  /** Delivers server frames in order. */
  deliver(...frames: object[]): void;
  sent(): Sent[];
  outputs(): Array<{ call_id: string; output: string }>;
  creates(): Sent[];
  errors: ProxyError[];
  events: Array<{ name: keyof ProxyEvents; payload: unknown }>;
  eventsOf<E extends keyof ProxyEvents>(name: E): Array<ProxyEvents[E][0]>;
  /** Exceptions nobody caught while the session ran (the promise: none). */
  uncaught: unknown[];
}

export interface MemorySessionOptions {
  tools?: MockTool[];
  proxy?: Partial<RealtimeMcpProxyOptions>;
  /** Do not answer session.update (to test configuring). */
  silentServer?: boolean;
  /** Stop after session.created (the test drives configuring itself). */
  stopAtCreated?: boolean;
}

const cleanups: Array<() => Promise<void> | void> = [];

export function useMemorySessions(): void {
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
}

export const lookupTool: MockTool = {
  name: 'lookup',
  description: 'Looks a word up.',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
  annotations: { readOnlyHint: true },
};

export async function startMemorySession(options: MemorySessionOptions = {}): Promise<MemorySession> {
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  cleanups.push(() => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  });
  const mock = await startMockMcpServer({ tools: options.tools ?? [lookupTool] });
  cleanups.push(() => mock.close());
  const transport = createMemoryTransport();
  const errors: ProxyError[] = [];
  const events: Array<{ name: keyof ProxyEvents; payload: unknown }> = [];
  const proxy = createRealtimeMcpProxy({
    transport,
    servers: [{ label: 'mock', url: mock.url }],
    catalogCache: false,
    ...options.proxy,
    hooks: {
      ...options.proxy?.hooks,
      onEvent: (name, payload) => {
        events.push({ name, payload });
        options.proxy?.hooks?.onEvent?.(name, payload);
      },
      onError: (error) => {
        errors.push(error);
        options.proxy?.hooks?.onError?.(error);
      },
    },
  });
  cleanups.push(() => proxy.close());
  const deliver = (...frames: object[]) => {
    for (const frame of frames) if (transport.state === 'open') transport.deliver(frame);
  };
  transport.onSend((_text, event) => {
    // Like the server: every session.update is answered, a moment later.
    if (event.type === 'session.update' && !options.silentServer) setImmediate(() => deliver({ type: 'session.updated', session: { type: 'realtime' } }));
  });
  await proxy.start();
  deliver({ type: 'session.created', session: { type: 'realtime' } });
  if (!options.stopAtCreated && !options.silentServer) await waitFor(() => proxy.snapshot().state === 'ready', 'the session to be ready');
  const sent = () => transport.sent.map((text) => JSON.parse(text) as Sent);
  return {
    proxy,
    transport,
    mock,
    deliver,
    sent,
    outputs: () => sent().filter((e) => e.type === 'conversation.item.create' && e.item.type === 'function_call_output').map((e) => e.item),
    creates: () => sent().filter((e) => e.type === 'response.create'),
    errors,
    events,
    eventsOf: <E extends keyof ProxyEvents>(name: E) => events.filter((e) => e.name === name).map((e) => e.payload as ProxyEvents[E][0]),
    uncaught,
  };
}

/* Server frames */

export const responseCreated = (id: string, conversationId: string | null = 'conv_1') => ({ type: 'response.created', response: { id, object: 'realtime.response', status: 'in_progress', conversation_id: conversationId, output: [] } });
export const functionCall = (callId: string, status: 'in_progress' | 'completed' | 'incomplete', args = '{"text":"tea"}', name = 'lookup', itemId = `item_${callId}`) => ({
  id: itemId,
  type: 'function_call',
  status,
  call_id: callId,
  name,
  arguments: status === 'in_progress' ? '' : args,
});
export const itemAdded = (responseId: string, callId: string, name = 'lookup', itemId?: string) => ({
  type: 'response.output_item.added',
  response_id: responseId,
  output_index: 0,
  item: functionCall(callId, 'in_progress', undefined, name, itemId),
});
export const itemDone = (responseId: string, callId: string, status: 'completed' | 'incomplete' = 'completed', name = 'lookup', itemId?: string) => ({
  type: 'response.output_item.done',
  response_id: responseId,
  output_index: 0,
  item: functionCall(callId, status, undefined, name, itemId),
});
export const responseDone = (id: string, status = 'completed', output: unknown[] = [], conversationId: string | null = 'conv_1') => ({
  type: 'response.done',
  response: { id, object: 'realtime.response', status, conversation_id: conversationId, output },
});
/** A whole response that calls `lookup` once, completed. */
export const oneCall = (responseId: string, callId: string, name = 'lookup') => [
  responseCreated(responseId),
  itemAdded(responseId, callId, name),
  itemDone(responseId, callId, 'completed', name),
  responseDone(responseId, 'completed', [functionCall(callId, 'completed', undefined, name)]),
];
export const speechStarted = () => ({ type: 'input_audio_buffer.speech_started', audio_start_ms: 0, item_id: 'item_user' });
export const refusal = (eventId?: string) => ({
  type: 'error',
  error: { type: 'invalid_request_error', code: 'conversation_already_has_active_response', message: 'Conversation already has an active response in progress.', ...(eventId ? { event_id: eventId } : {}) },
});
export const HOSTILE_IDS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'] as const;
