/**
 * A session machine under test, with the server played event by event: what it sent, emitted and
 * executed, and the server events to play (shared by the session's scenario tests).
 */
import { type SimulatedClock, createActor, fromPromise } from 'xstate';
import type { ToolCallResult } from '../mcp/types.js';
import type { ServerEvent } from '../protocol/generated/types.js';
import { sessionMachine, type SessionEmitted, type SessionInput } from './session.js';
import { toolCallMachine } from './toolCall.js';
import type { ExecuteToolCallInput } from './types.js';

export const HOSTILE_IDS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

export function start(input: Partial<SessionInput> = {}, options: { clock?: SimulatedClock; hang?: boolean } = {}) {
  const executed: string[] = [];
  const executeToolCall = fromPromise<ToolCallResult, ExecuteToolCallInput>(async ({ input: call }) => {
    executed.push(call.callId);
    if (options.hang) await new Promise(() => undefined);
    return { code: 'ok', output: `out ${call.callId}`, functionName: call.functionName, timings: { startedAt: 0, durationMs: 0 } };
  });
  const machine = sessionMachine.provide({ actors: { toolCall: toolCallMachine.provide({ actors: { executeToolCall } }) } });
  const actor = createActor(machine, {
    input: { tools: [{ type: 'function', name: 'lookup', description: '', parameters: { type: 'object' } }], ...input },
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const emitted: SessionEmitted[] = [];
  const errors: unknown[] = [];
  actor.subscribe({ error: (error) => errors.push(error) });
  actor.on('*', (event) => emitted.push(event as SessionEmitted));
  actor.start();
  const server = (event: unknown) => actor.send(event as ServerEvent);
  const sent = () => emitted.filter((e): e is Extract<SessionEmitted, { type: 'send' }> => e.type === 'send').map((e) => e.event);
  const outputs = () => sent().filter((e) => e.type === 'conversation.item.create').map((e) => (e as { item: { call_id?: string; type: string; output?: string; approval_request_id?: string; approve?: boolean } }).item);
  const creates = () => sent().filter((e) => e.type === 'response.create').length;
  const of = <T extends SessionEmitted['type']>(type: T) => emitted.filter((e): e is Extract<SessionEmitted, { type: T }> => e.type === type);
  return { actor, emitted, errors, executed, server, sent, outputs, creates, of };
}

export type Session = ReturnType<typeof start>;
export const flush = () => new Promise((done) => setTimeout(done, 0));

export function ready(session: Session) {
  session.server({ type: 'session.created', session: { type: 'realtime' } });
  session.server({ type: 'session.updated', session: { type: 'realtime' } });
}

export const call = (callId: string, status: 'in_progress' | 'completed' | 'incomplete', itemId = `item_${callId}`) => ({
  id: itemId,
  type: 'function_call',
  status,
  call_id: callId,
  name: 'lookup',
  arguments: status === 'in_progress' ? '' : '{}',
});
export const created = (responseId: string, conversationId: string | null = 'conv_1') => ({ type: 'response.created', response: { id: responseId, status: 'in_progress', conversation_id: conversationId, output: [] } });
export const added = (responseId: string, callId: string, itemId?: string) => ({ type: 'response.output_item.added', response_id: responseId, output_index: 0, item: call(callId, 'in_progress', itemId) });
export const itemDone = (responseId: string, callId: string, status: 'completed' | 'incomplete' = 'completed', itemId?: string) => ({
  type: 'response.output_item.done',
  response_id: responseId,
  output_index: 0,
  item: call(callId, status, itemId),
});
export const done = (responseId: string, status = 'completed', output: unknown[] = [], conversationId: string | null = 'conv_1') => ({
  type: 'response.done',
  response: { id: responseId, status, conversation_id: conversationId, output },
});
