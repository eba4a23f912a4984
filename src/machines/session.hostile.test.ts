/**
 * The session machine under a server that repeats, reorders, skips and names things with hostile
 * ids: each test is one way the wire can misbehave, and what the session must still promise
 * (exactly one output per completed call, nothing run twice, nothing run that was not finished,
 * no crash, no response.create storm, every approval settled once).
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock, createActor, fromPromise } from 'xstate';
import type { ToolCallResult } from '../mcp/types.js';
import type { ClientEvent, ServerEvent } from '../protocol/generated/types.js';
import { sessionMachine, type SessionEmitted, type SessionInput } from './session.js';
import { sessionUpdateEventId } from './sessionUpdate.js';
import { toolCallMachine } from './toolCall.js';
import type { ExecuteToolCallInput } from './types.js';

const HOSTILE_IDS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

function start(input: Partial<SessionInput> = {}, options: { clock?: SimulatedClock; hang?: boolean } = {}) {
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

type Session = ReturnType<typeof start>;
const flush = () => new Promise((done) => setTimeout(done, 0));

function ready(session: Session) {
  session.server({ type: 'session.created', session: { type: 'realtime' } });
  session.server({ type: 'session.updated', session: { type: 'realtime' } });
}

const call = (callId: string, status: 'in_progress' | 'completed' | 'incomplete', itemId = `item_${callId}`) => ({
  id: itemId,
  type: 'function_call',
  status,
  call_id: callId,
  name: 'lookup',
  arguments: status === 'in_progress' ? '' : '{}',
});
const created = (responseId: string, conversationId: string | null = 'conv_1') => ({ type: 'response.created', response: { id: responseId, status: 'in_progress', conversation_id: conversationId, output: [] } });
const added = (responseId: string, callId: string, itemId?: string) => ({ type: 'response.output_item.added', response_id: responseId, output_index: 0, item: call(callId, 'in_progress', itemId) });
const itemDone = (responseId: string, callId: string, status: 'completed' | 'incomplete' = 'completed', itemId?: string) => ({
  type: 'response.output_item.done',
  response_id: responseId,
  output_index: 0,
  item: call(callId, status, itemId),
});
const done = (responseId: string, status = 'completed', output: unknown[] = [], conversationId: string | null = 'conv_1') => ({
  type: 'response.done',
  response: { id: responseId, status, conversation_id: conversationId, output },
});

describe('sessionMachine with hostile input', () => {
  it.each(HOSTILE_IDS)('runs a call whose call_id, item_id and response_id are all %j exactly once', async (id) => {
    const session = start();
    ready(session);
    session.server(created(id));
    session.server(added(id, id, id));
    session.server({ type: 'response.function_call_arguments.delta', response_id: id, item_id: id, output_index: 0, call_id: id, delta: '{}' });
    session.server(itemDone(id, id, 'completed', id));
    session.server(done(id));
    await flush();
    expect(session.errors).toEqual([]);
    expect(session.executed).toEqual([id]);
    expect(session.outputs()).toEqual([{ type: 'function_call_output', call_id: id, output: `out ${id}` }]);
    expect(session.creates()).toBe(1);
    expect(session.actor.getSnapshot().status).toBe('active');
    expect(Object.keys(session.actor.getSnapshot().children)).toEqual(['response']);
  });

  it.each(HOSTILE_IDS)('ignores a delta, a done and an approval answer naming an unknown call %j', async (id) => {
    const session = start();
    ready(session);
    session.server({ type: 'response.function_call_arguments.delta', response_id: 'r', item_id: 'i', output_index: 0, call_id: id, delta: 'x' });
    session.server(itemDone('r', id, 'incomplete'));
    session.server(done(id));
    session.actor.send({ type: 'approval.answer', approvalId: id, approved: true });
    session.server({ type: 'conversation.item.added', item: { type: 'function_call_output', call_id: id, output: '' } });
    await flush();
    expect(session.errors).toEqual([]);
    expect(session.executed).toEqual([]);
    expect(session.actor.getSnapshot().status).toBe('active');
  });

  it('does not run a call again when its added and done come back after its output', async () => {
    const session = start();
    ready(session);
    session.server(created('r1'));
    session.server(added('r1', 'call_1'));
    session.server(itemDone('r1', 'call_1'));
    session.server(done('r1', 'completed', [call('call_1', 'completed')]));
    await flush();
    session.server(added('r1', 'call_1'));
    session.server(itemDone('r1', 'call_1'));
    session.server(done('r1', 'completed', [call('call_1', 'completed')]));
    await flush();
    expect(session.executed).toEqual(['call_1']);
    expect(session.outputs()).toHaveLength(1);
    expect(session.creates()).toBe(1);
    expect(session.of('session.anomaly').map((e) => e.anomaly.code)).toEqual(['duplicate_call', 'duplicate_call']);
  });

  it('runs a completed call whose output_item.added never came', async () => {
    const session = start();
    ready(session);
    session.server(created('r1'));
    session.server(itemDone('r1', 'call_1'));
    session.server(done('r1', 'completed', [call('call_1', 'completed')]));
    await flush();
    expect(session.executed).toEqual(['call_1']);
    expect(session.outputs()).toHaveLength(1);
    expect(session.creates()).toBe(1);
    expect(session.actor.getSnapshot().context.calls.size).toBe(0);
  });

  it('never runs a call_id the server first finished incomplete, even when it comes back completed', async () => {
    const session = start();
    ready(session);
    session.server(created('r1'));
    session.server(itemDone('r1', 'call_1', 'incomplete'));
    session.server(done('r1', 'cancelled', [call('call_1', 'incomplete')]));
    session.server(created('r2'));
    session.server(added('r2', 'call_1'));
    session.server(itemDone('r2', 'call_1'));
    session.server(done('r2', 'completed', [call('call_1', 'completed')]));
    await flush();
    expect(session.executed).toEqual([]);
    expect(session.outputs()).toEqual([]);
    expect(session.of('session.anomaly').map((e) => e.anomaly.code)).toEqual(['duplicate_call', 'duplicate_call']);
  });

  it('runs a completed call that only response.done lists', async () => {
    const session = start();
    ready(session);
    session.server(created('r1'));
    session.server(done('r1', 'completed', [call('call_1', 'completed'), call('call_2', 'incomplete')]));
    await flush();
    expect(session.executed).toEqual(['call_1']);
    expect(session.outputs().map((o) => o.call_id)).toEqual(['call_1']);
    expect(session.creates()).toBe(1);
  });

  it('closes a call the response never finished at its response.done: not run, no call left behind, reported', async () => {
    const session = start();
    ready(session);
    session.server(created('r1'));
    session.server(added('r1', 'call_1'));
    session.server(done('r1', 'completed', []));
    await flush();
    expect(session.executed).toEqual([]);
    expect(session.outputs()).toEqual([]);
    expect(session.creates()).toBe(0);
    expect(session.actor.getSnapshot().context.calls.size).toBe(0);
    expect(session.of('session.anomaly').map((e) => e.anomaly.code)).toEqual(['call_never_finished']);
    expect(session.of('batch.finished')).toEqual([{ type: 'batch.finished', responseId: 'r1', callIds: ['call_1'], responseRequested: false }]);
  });

  it('runs a call that arrives after its response was done, without asking the model to speak again', async () => {
    const session = start();
    ready(session);
    session.server(created('r1'));
    session.server(done('r1'));
    session.server(itemDone('r1', 'call_late'));
    await flush();
    expect(session.executed).toEqual(['call_late']);
    expect(session.outputs()).toHaveLength(1);
    expect(session.creates()).toBe(0);
    expect(session.of('session.anomaly').map((e) => e.anomaly.code)).toEqual(['late_call']);
    expect(session.of('batch.finished')).toEqual([{ type: 'batch.finished', responseId: 'r1', callIds: ['call_late'], responseRequested: false }]);
  });

  it('leaves the calls of an out-of-band response to the host, and keeps tracking the default conversation', async () => {
    const session = start();
    ready(session);
    session.server(created('oob', null));
    session.server(added('oob', 'call_oob'));
    session.server(itemDone('oob', 'call_oob'));
    session.server(created('r1'));
    session.server(added('r1', 'call_1'));
    session.server(itemDone('r1', 'call_1'));
    // The out-of-band response ends first: it must not end the default one in the response machine.
    session.server(done('oob', 'completed', [call('call_oob', 'completed')], null));
    await flush();
    const response = session.actor.getSnapshot().children.response!.getSnapshot() as unknown as { value: string; context: { activeResponseIds: string[] } };
    expect(response.value).toBe('active');
    expect(response.context.activeResponseIds).toEqual(['r1']);
    session.server(done('r1', 'completed', [call('call_1', 'completed')]));
    await flush();
    expect(session.executed).toEqual(['call_1']);
    expect(session.outputs().map((o) => o.call_id)).toEqual(['call_1']);
    expect(session.creates()).toBe(1);
  });

  it('knows of a response the server started while the session was still configuring', async () => {
    const session = start();
    session.server({ type: 'session.created', session: { type: 'realtime' } });
    session.server(created('r_early'));
    session.server({ type: 'session.updated', session: { type: 'realtime' } });
    session.server(created('r1'));
    session.server(added('r1', 'call_1'));
    session.server(itemDone('r1', 'call_1'));
    session.server(done('r1'));
    await flush();
    // r_early is still active: the create waits for its done.
    expect(session.creates()).toBe(0);
    session.server(done('r_early'));
    expect(session.creates()).toBe(1);
  });

  it('takes a response id seen out of band, then created in the default conversation, as the default\'s', async () => {
    const session = start();
    ready(session);
    session.server(created('', null));
    session.server(added('', 'call_oob'));
    session.server(itemDone('', 'call_oob'));
    session.server(done('', 'completed', [], null));
    session.server(created('reused', null));
    session.server(done('reused', 'completed', [], null));
    session.server(created('reused'));
    session.server(added('reused', 'call_1'));
    session.server(itemDone('reused', 'call_1'));
    session.server(done('reused', 'completed', [call('call_1', 'completed')]));
    await flush();
    expect(session.executed).toEqual(['call_1']);
    expect(session.creates()).toBe(1);
  });

  it('judges a response by its created: a later done claiming the default conversation does not make out-of-band calls ours', async () => {
    const session = start();
    ready(session);
    session.server(created('oob', null));
    session.server(added('oob', 'call_oob'));
    session.server(itemDone('oob', 'call_oob'));
    session.server(done('oob', 'completed', [call('call_oob', 'completed')], 'conv_1'));
    await flush();
    expect(session.executed).toEqual([]);
    expect(session.creates()).toBe(0);
  });

  it('sends at most one more session.update for a burst of catalog changes', () => {
    const session = start();
    ready(session);
    for (let i = 0; i < 50; i++) session.actor.send({ type: 'catalog.changed', tools: [{ type: 'function', name: `tool_${i}`, description: '', parameters: { type: 'object' } }] });
    const updates = () => session.sent().filter((e) => e.type === 'session.update') as Array<{ session: { tools: Array<{ name: string }> } }>;
    expect(updates()).toHaveLength(2);
    session.server({ type: 'session.updated', session: { type: 'realtime' } });
    expect(updates()).toHaveLength(3);
    expect(updates()[2]!.session.tools.map((t) => t.name)).toEqual(['tool_49']);
    session.server({ type: 'session.updated', session: { type: 'realtime' } });
    expect(updates()).toHaveLength(3);
    expect(session.actor.getSnapshot().value).toEqual({ ready: 'toolsSynced' });
  });

  it('gives up on response.create after a few refusals in a row instead of storming the server', () => {
    const clock = new SimulatedClock();
    const session = start({ responseCreate: { maxRetries: 3, backoffMs: 50 } }, { clock });
    ready(session);
    session.server(created('r1'));
    session.server(added('r1', 'call_1'));
    session.server(itemDone('r1', 'call_1'));
    session.server(done('r1'));
    return flush().then(() => {
      expect(session.creates()).toBe(1);
      for (let i = 0; i < 100; i++) {
        session.server({ type: 'error', error: { type: 'invalid_request_error', code: 'conversation_already_has_active_response', message: 'busy' } });
        session.server(done(`other_${i}`));
        clock.increment(1_000);
      }
      expect(session.creates()).toBe(4);
      expect(session.of('response.createFailed')).toEqual([{ type: 'response.createFailed', refusals: 4 }]);
    });
  });

  describe('configuring', () => {
    it('ends with session_update_rejected only for an error naming our session.update', () => {
      const session = start();
      session.server({ type: 'session.created', session: { type: 'realtime' } });
      session.server({ type: 'error', error: { type: 'invalid_request_error', code: 'invalid_value', message: 'Something else.', event_id: 'client_other' } });
      session.server({ type: 'error', error: { type: 'server_error', code: null, message: 'No event id.' } });
      expect(session.actor.getSnapshot().value).toBe('configuring');
      expect(session.of('session.error')).toHaveLength(2);
      session.server({ type: 'error', error: { type: 'invalid_request_error', code: 'invalid_value', message: 'Bad tools.', event_id: sessionUpdateEventId(1) } });
      expect(session.of('session.ended')).toMatchObject([{ end: { reason: 'session_update_rejected', error: { message: 'Bad tools.' } } }]);
    });

    it('ends with session_update_timeout when the server never answers', () => {
      const clock = new SimulatedClock();
      const session = start({ configureTimeoutMs: 5_000 }, { clock });
      session.server({ type: 'session.created', session: { type: 'realtime' } });
      clock.increment(4_999);
      expect(session.actor.getSnapshot().value).toBe('configuring');
      clock.increment(1);
      expect(session.of('session.ended')).toEqual([{ type: 'session.ended', end: { reason: 'session_update_timeout', timeoutMs: 5_000 } }]);
    });

    it('ends with session_update_failed when our session.update could not be sent', () => {
      const session = start();
      session.server({ type: 'session.created', session: { type: 'realtime' } });
      const update = session.sent()[0]!;
      session.actor.send({ type: 'outbound.failed', event: update, message: 'Failed to send: the socket is closed.' });
      expect(session.of('session.ended')).toEqual([{ type: 'session.ended', end: { reason: 'session_update_failed', message: 'Failed to send: the socket is closed.' } }]);
    });
  });

  describe('approvals settle exactly once', () => {
    it('reports an expired approval as settled, and the call as denied', async () => {
      const clock = new SimulatedClock();
      const session = start({ approval: { mode: 'always', timeoutMs: 1_000 } }, { clock });
      ready(session);
      session.server(created('r1'));
      session.server(added('r1', 'call_1'));
      session.server(itemDone('r1', 'call_1'));
      clock.increment(1_000);
      await flush();
      expect(session.of('approval.settled')).toEqual([{ type: 'approval.settled', approvalId: 'call_1', kind: 'function', decision: 'expired', reason: 'No answer within 1 s.' }]);
      expect(session.executed).toEqual([]);
      expect(JSON.parse(session.outputs()[0]!.output!).error.code).toBe('expired');
    });

    it('reports a barge-in and a teardown as denials', () => {
      const session = start({ approval: { mode: 'always' } });
      ready(session);
      session.server(created('r1'));
      session.server(added('r1', 'call_1'));
      session.server(itemDone('r1', 'call_1'));
      session.server({ type: 'input_audio_buffer.speech_started', audio_start_ms: 0, item_id: 'u' });
      session.server(created('r2'));
      session.server(added('r2', 'call_2'));
      session.server(itemDone('r2', 'call_2'));
      session.server({ type: 'conversation.item.done', item: { type: 'mcp_approval_request', id: 'mcpr_1', server_label: 'docs', name: 'delete', arguments: '{}' } });
      session.actor.send({ type: 'session.close' });
      expect(session.of('approval.settled').map((e) => [e.approvalId, e.decision, e.reason])).toEqual([
        ['call_1', 'denied', 'The user interrupted before answering.'],
        ['call_2', 'denied', 'The session ended before an answer.'],
        ['mcpr_1', 'denied', 'The session ended before an answer.'],
      ]);
    });
  });

  describe('native MCP approvals', () => {
    const request = (id: string) => ({ type: 'conversation.item.done', item: { type: 'mcp_approval_request', id, server_label: 'docs', name: 'search', arguments: '{}' } });
    const answers = (session: Session) => session.outputs().filter((o) => o.type === 'mcp_approval_response');

    it('follow the approval mode: never answers at once without asking', () => {
      const session = start();
      ready(session);
      session.server(request('mcpr_1'));
      expect(session.of('approval.requested')).toEqual([]);
      expect(answers(session)).toEqual([{ type: 'mcp_approval_response', approval_request_id: 'mcpr_1', approve: true }]);
      expect(session.creates()).toBe(1);
    });

    it('follow per-tool rules by "server/tool"', () => {
      const session = start({ approval: { mode: 'never', tools: new Map([['docs/search', 'always']]) } });
      ready(session);
      session.server(request('mcpr_1'));
      expect(session.of('approval.requested').map((e) => e.request.approvalId)).toEqual(['mcpr_1']);
    });

    it('answer a repeated request once', () => {
      const session = start();
      ready(session);
      session.server(request('mcpr_1'));
      session.server(request('mcpr_1'));
      expect(answers(session)).toHaveLength(1);
      expect(session.of('session.anomaly').map((e) => e.anomaly.code)).toEqual(['duplicate_approval_request']);
    });

    it.each(HOSTILE_IDS)('handle a request id %j', (id) => {
      const session = start({ approval: { mode: 'always' } });
      ready(session);
      session.server(request(id));
      session.actor.send({ type: 'approval.answer', approvalId: id, approved: false, reason: 'No.' });
      expect(session.errors).toEqual([]);
      expect(answers(session)).toEqual([{ type: 'mcp_approval_response', approval_request_id: id, approve: false, reason: 'No.' }]);
    });
  });
});

describe('the session.update the machine sends', () => {
  it('carries an event_id per update, so the server can name it in an error', () => {
    const session = start();
    session.server({ type: 'session.created', session: { type: 'realtime' } });
    session.actor.send({ type: 'catalog.changed', tools: [] });
    expect(session.sent().map((e) => (e as ClientEvent & { event_id?: string }).event_id)).toEqual([sessionUpdateEventId(1), sessionUpdateEventId(2)]);
  });
});
