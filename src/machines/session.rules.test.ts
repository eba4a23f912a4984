/**
 * The session machine's rules beyond the calls themselves, under a server that misbehaves:
 * configuring (which errors end it, the timeout, a failed send), one session.update per burst of
 * catalog changes, a capped response.create retry, approvals that settle exactly once, and native
 * MCP approvals under the same policy.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import type { ClientEvent } from '../protocol/generated/types.js';
import { sessionUpdateEventId } from './sessionUpdate.js';
import { HOSTILE_IDS, added, created, done, flush, itemDone, ready, start, type Session } from './sessionTestSupport.js';

describe('sessionMachine rules under a misbehaving server', () => {
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
    expect(session.actor.getSnapshot().value).toEqual({ ready: 'synced' });
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

  describe('the first session.update goes out as soon as it can', () => {
    const updates = (session: Session) => session.sent().filter((e) => e.type === 'session.update') as Array<{ event_id: string; session: { tools: Array<{ name: string }> } }>;
    const lookupTool = { type: 'function' as const, name: 'lookup', description: '', parameters: { type: 'object' } };

    it('on the socket opening, before session.created; session.created then changes nothing and session.updated makes it ready', () => {
      const session = start();
      expect(session.actor.getSnapshot().value).toBe('connecting');
      session.actor.send({ type: 'transport.opened' });
      expect(session.actor.getSnapshot().value).toBe('configuring');
      expect(updates(session)).toMatchObject([{ event_id: sessionUpdateEventId(1), session: { tools: [{ name: 'lookup' }] } }]);
      session.server({ type: 'session.created', session: { type: 'realtime' } });
      expect(updates(session)).toHaveLength(1);
      expect(session.actor.getSnapshot().value).toBe('configuring');
      session.server({ type: 'session.updated', session: { type: 'realtime' } });
      expect(session.actor.getSnapshot().value).toEqual({ ready: 'synced' });
    });

    it('with tools pending, waits for the listing however early the socket opens, then sends the listed tools once', () => {
      const session = start({ tools: [], toolsPending: true });
      session.actor.send({ type: 'transport.opened' });
      session.server({ type: 'session.created', session: { type: 'realtime' } });
      expect(session.actor.getSnapshot().value).toBe('connecting');
      expect(updates(session)).toHaveLength(0);
      session.actor.send({ type: 'catalog.changed', tools: [lookupTool] });
      expect(updates(session)).toMatchObject([{ session: { tools: [{ name: 'lookup' }] } }]);
      expect(session.actor.getSnapshot().value).toBe('configuring');
    });

    it('with tools pending, a listing done before the socket opens waits for the socket', () => {
      const session = start({ tools: [], toolsPending: true });
      session.actor.send({ type: 'catalog.changed', tools: [lookupTool] });
      expect(session.actor.getSnapshot().value).toBe('connecting');
      expect(updates(session)).toHaveLength(0);
      session.actor.send({ type: 'transport.opened' });
      expect(updates(session)).toHaveLength(1);
    });

    it('keeps the guarantees when sent early: an error naming it ends the session, the timeout runs from it', () => {
      const clock = new SimulatedClock();
      const rejected = start();
      rejected.actor.send({ type: 'transport.opened' });
      rejected.server({ type: 'session.created', session: { type: 'realtime' } });
      rejected.server({ type: 'error', error: { type: 'invalid_request_error', code: 'invalid_value', message: 'Bad tools.', event_id: sessionUpdateEventId(1) } });
      expect(rejected.of('session.ended')).toMatchObject([{ end: { reason: 'session_update_rejected', error: { message: 'Bad tools.' } } }]);
      const silent = start({ configureTimeoutMs: 5_000 }, { clock });
      silent.actor.send({ type: 'transport.opened' });
      clock.increment(5_000);
      expect(silent.of('session.ended')).toEqual([{ type: 'session.ended', end: { reason: 'session_update_timeout', timeoutMs: 5_000 } }]);
    });

    it('a socket closed before anything was sent ends the session with socket_closed', () => {
      const session = start({ tools: [], toolsPending: true });
      session.actor.send({ type: 'transport.opened' });
      session.actor.send({ type: 'transport.closed', code: 1006, reason: '' });
      expect(updates(session)).toHaveLength(0);
      expect(session.of('session.ended')).toEqual([{ type: 'session.ended', end: { reason: 'socket_closed', code: 1006, detail: '' } }]);
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
