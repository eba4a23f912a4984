import { describe, expect, it } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import type { ToolCallResult } from '../mcp/types.js';
import type { ClientEvent, ServerEvent } from '../protocol/generated/types.js';
import { sessionMachine, type SessionEmitted, type SessionInput } from './session.js';
import { toolCallMachine } from './toolCall.js';
import type { ExecuteToolCallInput } from './types.js';

type Executor = (input: ExecuteToolCallInput, signal: AbortSignal) => Promise<ToolCallResult>;

const okResult = (output: string): ToolCallResult => ({ code: 'ok', output, functionName: 'x', timings: { startedAt: Date.now(), durationMs: 1 } });

function start(input: Partial<SessionInput> = {}, executor: Executor = async (call) => okResult(`ran ${call.functionName}`)) {
  const executed: ExecuteToolCallInput[] = [];
  const executeToolCall = fromPromise<ToolCallResult, ExecuteToolCallInput>(({ input: call, signal }) => {
    executed.push(call);
    return executor(call, signal);
  });
  const machine = sessionMachine.provide({ actors: { toolCall: toolCallMachine.provide({ actors: { executeToolCall } }) } });
  const actor = createActor(machine, { input: { tools: [{ type: 'function', name: 'lookup', description: 'd', parameters: { type: 'object' } }], ...input } });
  const emitted: SessionEmitted[] = [];
  for (const type of ['send', 'session.ready', 'session.error', 'session.ended', 'approval.requested', 'toolCall.settled', 'batch.finished', 'session.anomaly', 'approval.settled'] as const) {
    actor.on(type, (event) => emitted.push(event as SessionEmitted));
  }
  actor.start();
  const sent = () => emitted.filter((e): e is Extract<SessionEmitted, { type: 'send' }> => e.type === 'send').map((e) => e.event);
  const server = (event: unknown) => actor.send(event as ServerEvent);
  return { actor, emitted, sent, executed, server };
}

const flush = () => new Promise((done) => setTimeout(done, 0));

function ready(session: ReturnType<typeof start>) {
  session.server({ type: 'session.created', event_id: 'e1', session: { type: 'realtime' } });
  session.server({ type: 'session.updated', event_id: 'e2', session: { type: 'realtime' } });
}

/** The events of a response that calls `calls`, up to (not including) response.done. */
function callResponse(session: ReturnType<typeof start>, responseId: string, calls: Array<{ callId: string; name?: string; status?: 'completed' | 'incomplete' }>) {
  session.server({ type: 'response.created', event_id: 'e', response: { id: responseId, object: 'realtime.response', status: 'in_progress', output: [] } });
  calls.forEach(({ callId, name = 'lookup' }, index) => {
    const item = { id: `item_${callId}`, type: 'function_call', status: 'in_progress', call_id: callId, name, arguments: '' };
    session.server({ type: 'response.output_item.added', event_id: 'e', response_id: responseId, output_index: index, item });
    session.server({ type: 'response.function_call_arguments.delta', event_id: 'e', response_id: responseId, item_id: item.id, output_index: index, call_id: callId, delta: '{}' });
  });
  calls.forEach(({ callId, name = 'lookup', status = 'completed' }, index) => {
    const item = { id: `item_${callId}`, type: 'function_call', status, call_id: callId, name, arguments: '{}' };
    session.server({ type: 'response.output_item.done', event_id: 'e', response_id: responseId, output_index: index, item });
  });
}

const responseDone = (session: ReturnType<typeof start>, responseId: string, status = 'completed') =>
  session.server({ type: 'response.done', event_id: 'e', response: { id: responseId, object: 'realtime.response', status, output: [] } });

const outputs = (sent: ClientEvent[]) => sent.filter((e) => e.type === 'conversation.item.create').map((e) => (e as { item: { call_id: string; output: string } }).item);
const creates = (sent: ClientEvent[]) => sent.filter((e) => e.type === 'response.create').length;

describe('sessionMachine', () => {
  it('sends session.update with the tools right after session.created, and is ready on session.updated', () => {
    const session = start({ instructions: 'Be brief.' });
    session.server({ type: 'session.created', event_id: 'e1', session: { type: 'realtime' } });
    expect(session.sent()).toEqual([{ type: 'session.update', event_id: 'rmp_session_update_1', session: expect.objectContaining({ type: 'realtime', instructions: 'Be brief.', tool_choice: 'auto', tools: [expect.objectContaining({ name: 'lookup' })] }) }]);
    expect(session.actor.getSnapshot().value).toBe('configuring');
    session.server({ type: 'session.updated', event_id: 'e2', session: { type: 'realtime' } });
    expect(session.actor.getSnapshot().value).toEqual({ ready: 'synced' });
    expect(session.emitted.some((e) => e.type === 'session.ready')).toBe(true);
  });

  it('runs a completed call, sends its output, then exactly one response.create after response.done', async () => {
    const session = start();
    ready(session);
    callResponse(session, 'resp_1', [{ callId: 'call_1' }]);
    await flush();
    expect(outputs(session.sent())).toEqual([{ type: 'function_call_output', call_id: 'call_1', output: 'ran lookup' }]);
    expect(creates(session.sent())).toBe(0);
    responseDone(session, 'resp_1');
    expect(creates(session.sent())).toBe(1);
    expect(Object.keys(session.actor.getSnapshot().children)).toEqual(['response']);
  });

  it('waits for every call of the response before one response.create', async () => {
    let release!: () => void;
    const slow = new Promise<void>((done) => (release = done));
    const session = start({}, async (call) => {
      if (call.callId === 'call_b') await slow;
      return okResult(call.callId);
    });
    ready(session);
    callResponse(session, 'resp_1', [{ callId: 'call_a' }, { callId: 'call_b' }]);
    responseDone(session, 'resp_1');
    await flush();
    expect([outputs(session.sent()).length, creates(session.sent())]).toEqual([1, 0]);
    release();
    await flush();
    expect([outputs(session.sent()).length, creates(session.sent())]).toEqual([2, 1]);
  });

  it('never runs an incomplete call and sends no response.create for a cancelled response', async () => {
    const session = start();
    ready(session);
    callResponse(session, 'resp_1', [{ callId: 'call_1', status: 'incomplete' }]);
    responseDone(session, 'resp_1', 'cancelled');
    await flush();
    expect(session.executed).toEqual([]);
    expect(outputs(session.sent())).toEqual([]);
    expect(creates(session.sent())).toBe(0);
  });

  it('asks for approval under mode always, runs on approve, and tells the model about a denial', async () => {
    const session = start({ approval: { mode: 'always' } });
    ready(session);
    callResponse(session, 'resp_1', [{ callId: 'call_1' }, { callId: 'call_2' }]);
    responseDone(session, 'resp_1');
    const requested = session.emitted.filter((e) => e.type === 'approval.requested');
    expect(requested.map((e) => (e as { request: { approvalId: string } }).request.approvalId)).toEqual(['call_1', 'call_2']);
    session.actor.send({ type: 'approval.answer', approvalId: 'call_1', approved: true });
    session.actor.send({ type: 'approval.answer', approvalId: 'call_2', approved: false, reason: 'Not now.' });
    await flush();
    expect(session.executed.map((c) => c.callId)).toEqual(['call_1']);
    const byCall = Object.fromEntries(outputs(session.sent()).map((o) => [o.call_id, o.output]));
    expect(byCall.call_1).toBe('ran lookup');
    expect(JSON.parse(byCall.call_2!).error.message).toContain('Not now.');
    expect(creates(session.sent())).toBe(1);
  });

  it('remembers a sticky answer for later calls of the same tool', async () => {
    const session = start({ approval: { mode: 'always' } });
    ready(session);
    callResponse(session, 'resp_1', [{ callId: 'call_1' }]);
    session.actor.send({ type: 'approval.answer', approvalId: 'call_1', approved: true, sticky: true });
    responseDone(session, 'resp_1');
    await flush();
    callResponse(session, 'resp_2', [{ callId: 'call_2' }]);
    await flush();
    expect(session.emitted.filter((e) => e.type === 'approval.requested')).toHaveLength(1);
    expect(session.executed.map((c) => c.callId)).toEqual(['call_1', 'call_2']);
  });

  it('auto mode asks only for tools not marked read-only', () => {
    const session = start({ approval: { mode: 'auto' }, toolInfo: new Map([['lookup', { annotations: { readOnlyHint: true } }], ['write', {}]]) });
    ready(session);
    callResponse(session, 'resp_1', [{ callId: 'call_1' }, { callId: 'call_2', name: 'write' }]);
    expect(session.emitted.filter((e) => e.type === 'approval.requested').map((e) => (e as { request: { functionName: string } }).request.functionName)).toEqual(['write']);
  });

  it('never asks the host about a function the session does not offer: the executor refuses it unasked', async () => {
    const session = start({ approval: { mode: 'always' } });
    ready(session);
    callResponse(session, 'resp_1', [{ callId: 'call_1', name: 'not_offered' }]);
    await flush();
    expect(session.emitted.filter((e) => e.type === 'approval.requested')).toEqual([]);
    expect(session.executed.map((c) => c.functionName)).toEqual(['not_offered']);
  });

  it('cancels a running read-only call on barge-in: the signal aborts, one cancelled output, no response.create', async () => {
    let aborted = false;
    const session = start({ toolInfo: new Map([['lookup', { annotations: { readOnlyHint: true } }]]) }, (_call, signal) => new Promise((_, reject) => signal.addEventListener('abort', () => ((aborted = true), reject(signal.reason)))));
    ready(session);
    callResponse(session, 'resp_1', [{ callId: 'call_1' }]);
    responseDone(session, 'resp_1');
    session.server({ type: 'input_audio_buffer.speech_started', event_id: 'e', audio_start_ms: 100, item_id: 'item_u' });
    await flush();
    expect(aborted).toBe(true);
    expect(outputs(session.sent()).map((o) => JSON.parse(o.output).error.code)).toEqual(['cancelled']);
    expect(creates(session.sent())).toBe(0);
  });

  it('re-sends session.update when the catalog changes mid-session', () => {
    const session = start();
    ready(session);
    session.actor.send({ type: 'catalog.changed', tools: [{ type: 'function', name: 'fresh', description: '', parameters: { type: 'object' } }] });
    const updates = session.sent().filter((e) => e.type === 'session.update');
    expect(updates).toHaveLength(2);
    expect((updates[1] as { session: { tools: Array<{ name: string }> } }).session.tools.map((t) => t.name)).toEqual(['fresh']);
  });

  it('ends with session_expired on that error, and with socket_closed on a close', () => {
    const expired = start();
    ready(expired);
    expired.server({ type: 'error', event_id: 'e', error: { type: 'invalid_request_error', code: 'session_expired', message: 'Your session hit the maximum duration of 60 minutes.' } });
    expect(expired.actor.getSnapshot().status).toBe('done');
    expect(expired.emitted.find((e) => e.type === 'session.ended')).toMatchObject({ end: { reason: 'session_expired' } });

    const dropped = start();
    ready(dropped);
    dropped.actor.send({ type: 'transport.closed', code: 1006, reason: 'abnormal' });
    expect(dropped.emitted.find((e) => e.type === 'session.ended')).toMatchObject({ end: { reason: 'socket_closed', code: 1006 } });
  });

  it('surfaces a rejected session.update and ends', () => {
    const session = start();
    session.server({ type: 'session.created', event_id: 'e1', session: { type: 'realtime' } });
    session.server({ type: 'error', event_id: 'e', error: { type: 'invalid_request_error', code: 'invalid_value', message: 'Invalid tool schema.', event_id: 'rmp_session_update_1' } });
    expect(session.emitted.map((e) => e.type)).toEqual(['send', 'session.error', 'session.ended']);
    expect(session.emitted.at(-1)).toMatchObject({ end: { reason: 'session_update_rejected' } });
  });

  it('native MCP: asks the host about an mcp_approval_request, answers with mcp_approval_response and one response.create', () => {
    const session = start({ approval: { mode: 'always' }, nativeTools: [{ type: 'mcp', server_label: 'docs', server_url: 'https://mcp.example.com/mcp', require_approval: 'always' }] });
    session.server({ type: 'session.created', event_id: 'e1', session: { type: 'realtime' } });
    expect((session.sent()[0] as { session: { tools: Array<{ type: string }> } }).session.tools.map((t) => t.type)).toEqual(['function', 'mcp']);
    session.server({ type: 'session.updated', event_id: 'e2', session: { type: 'realtime' } });
    const item = { type: 'mcp_approval_request', id: 'mcpr_abc', server_label: 'docs', name: 'search', arguments: '{"q":"x"}' };
    session.server({ type: 'conversation.item.done', event_id: 'e3', item });
    const requested = session.emitted.find((e) => e.type === 'approval.requested');
    expect(requested).toMatchObject({ request: { approvalId: 'mcpr_abc', kind: 'mcp', functionName: 'search', server: 'docs' } });
    session.actor.send({ type: 'approval.answer', approvalId: 'mcpr_abc', approved: true, sticky: true });
    const answer = session.sent().find((e) => e.type === 'conversation.item.create');
    expect(answer).toMatchObject({ item: { type: 'mcp_approval_response', approval_request_id: 'mcpr_abc', approve: true } });
    // No id of our own: one derived from the request's id collided with it (found by a replay).
    expect((answer as { item: { id?: string } }).item.id).toBeUndefined();
    expect(creates(session.sent())).toBe(1);
    // The server adds the response item (with its own id): the answer counts as acknowledged, so
    // the next response.created is known to cover it.
    expect([...session.actor.getSnapshot().context.unacknowledged]).toEqual(['approval:mcpr_abc']);
    session.server({ type: 'conversation.item.added', event_id: 'e3b', previous_item_id: 'mcpr_abc', item: { type: 'mcp_approval_response', id: 'mcpr_srv1', approval_request_id: 'mcpr_abc', approve: true } });
    expect([...session.actor.getSnapshot().context.unacknowledged]).toEqual([]);
    // Sticky: the next request for the same tool is answered without asking.
    session.server({ type: 'conversation.item.done', event_id: 'e4', item: { ...item, id: 'mcpr_def' } });
    expect(session.emitted.filter((e) => e.type === 'approval.requested')).toHaveLength(1);
    expect(session.sent().filter((e) => e.type === 'conversation.item.create')).toHaveLength(2);
  });

  it('native MCP: a barge-in denies a pending approval (fails closed)', () => {
    const session = start({ approval: { mode: 'always' } });
    ready(session);
    session.server({ type: 'conversation.item.done', event_id: 'e3', item: { type: 'mcp_approval_request', id: 'mcpr_1', server_label: 'docs', name: 'delete', arguments: '{}' } });
    session.server({ type: 'input_audio_buffer.speech_started', event_id: 'e', audio_start_ms: 0, item_id: 'item_u' });
    expect(session.sent().find((e) => e.type === 'conversation.item.create')).toMatchObject({ item: { type: 'mcp_approval_response', approve: false } });
  });
});
