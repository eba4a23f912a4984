/**
 * The host's requests (`host.*`, from the proxy's embedding API) in the session machine: session
 * patches that wait their turn and are never reverted by a catalog change, a wish for a response
 * served by the response machine, and an interruption that cancels the active response and is a
 * barge-in for calls, turns and approvals.
 */
import { describe, expect, it } from 'vitest';
import type { ClientEvent } from '../protocol/generated/types.js';
import { RESPONSE_CANCEL_EVENT_ID } from './response.js';
import { sessionUpdateEventId } from './sessionUpdate.js';
import { added, created, done, flush, itemDone, ready, start, type Session } from './sessionTestSupport.js';

type Update = { event_id: string; session: Record<string, unknown> };
const updates = (session: Session) => session.sent().filter((e): e is ClientEvent & Update => e.type === 'session.update');
const updated = (session: Session) => session.server({ type: 'session.updated', session: { type: 'realtime' } });
const catalog = (session: Session, ...names: string[]) =>
  session.actor.send({ type: 'catalog.changed', tools: names.map((name) => ({ type: 'function' as const, name, description: '', parameters: { type: 'object' } })) });
const patch = (session: Session, fields: Record<string, unknown>) => session.actor.send({ type: 'host.sessionUpdate', patch: fields });
const cancels = (session: Session) => session.sent().filter((e) => e.type === 'response.cancel');

describe('host session patches', () => {
  it('made before the first update leaves: merged into it, over instructions and session (audio fields kept)', () => {
    const session = start({ instructions: 'Old.', session: { audio: { input: { turn_detection: null }, output: { voice: 'marin' } } } });
    patch(session, { instructions: 'New.', audio: { output: { speed: 1.2 } } });
    ready(session);
    expect(updates(session)).toHaveLength(1);
    expect(updates(session)[0]!.session).toMatchObject({ type: 'realtime', instructions: 'New.', audio: { input: { turn_detection: null }, output: { voice: 'marin', speed: 1.2 } }, tool_choice: 'auto' });
    expect(session.actor.getSnapshot().value).toEqual({ ready: 'synced' });
  });

  it('in a ready session: sent alone; a later catalog change carries only the tools, never the old instructions', () => {
    const session = start({ instructions: 'Old.' });
    ready(session);
    patch(session, { instructions: 'New.' });
    expect(updates(session)[1]).toEqual({ type: 'session.update', event_id: sessionUpdateEventId(2), session: { type: 'realtime', instructions: 'New.' } });
    updated(session);
    catalog(session, 'added');
    expect(updates(session)[2]!.session).toEqual({ type: 'realtime', tools: [expect.objectContaining({ name: 'added' })], tool_choice: 'auto' });
  });

  it('waits for the update in flight, and patches made meanwhile leave together, after a queued catalog change', () => {
    const session = start();
    ready(session);
    catalog(session, 'a');
    expect(session.actor.getSnapshot().value).toEqual({ ready: 'updating' });
    patch(session, { instructions: 'One.' });
    catalog(session, 'b');
    patch(session, { instructions: 'Two.', output_modalities: ['text'] });
    expect(updates(session)).toHaveLength(2);
    updated(session);
    // The queued catalog change first (tools only), then the patches, one update at a time.
    expect(updates(session)).toHaveLength(3);
    expect(updates(session)[2]!.session).toMatchObject({ tools: [{ name: 'b' }] });
    expect(updates(session)[2]!.session).not.toHaveProperty('instructions');
    updated(session);
    expect(updates(session)[3]!.session).toEqual({ type: 'realtime', instructions: 'Two.', output_modalities: ['text'] });
    updated(session);
    expect(updates(session)).toHaveLength(4);
    expect(session.actor.getSnapshot().value).toEqual({ ready: 'synced' });
  });

  it('made while configuring: sent once the session is ready', () => {
    const session = start();
    session.server({ type: 'session.created', session: { type: 'realtime' } });
    patch(session, { instructions: 'Later.' });
    expect(updates(session)).toHaveLength(1);
    updated(session);
    expect(updates(session)[1]!.session).toEqual({ type: 'realtime', instructions: 'Later.' });
    expect(session.actor.getSnapshot().value).toEqual({ ready: 'updating' });
  });

  it('a refused patch is reported; the session goes on and the next catalog change is still sent', () => {
    const session = start();
    ready(session);
    patch(session, { audio: { output: { voice: 'cedar' } } });
    session.server({ type: 'error', error: { type: 'invalid_request_error', code: 'cannot_update_voice', message: 'Voice is fixed.', event_id: sessionUpdateEventId(2) } });
    expect(session.of('session.error')).toMatchObject([{ error: { code: 'cannot_update_voice' } }]);
    expect(session.actor.getSnapshot().value).toEqual({ ready: 'synced' });
    catalog(session, 'c');
    expect(updates(session)).toHaveLength(3);
  });
});

describe('host response requests', () => {
  it('one response.create when idle; requests while a response is active wait for its done and are served by one create', () => {
    const session = start();
    ready(session);
    session.actor.send({ type: 'host.responseRequested' });
    expect(session.creates()).toBe(1);
    session.server(created('r1'));
    session.actor.send({ type: 'host.responseRequested' });
    session.actor.send({ type: 'host.responseRequested' });
    expect(session.creates()).toBe(1);
    session.server(done('r1'));
    expect(session.creates()).toBe(2);
  });

  it('while configuring: the create follows our session.update', () => {
    const session = start();
    session.server({ type: 'session.created', session: { type: 'realtime' } });
    session.actor.send({ type: 'host.responseRequested' });
    expect(session.sent().map((e) => e.type)).toEqual(['session.update', 'response.create']);
  });
});

describe('host interruptions', () => {
  it('cancel the active response once; with nothing active, send nothing', () => {
    const session = start();
    ready(session);
    session.actor.send({ type: 'host.interrupt' });
    expect(cancels(session)).toEqual([]);
    session.server(created('r1'));
    session.actor.send({ type: 'host.interrupt' });
    session.actor.send({ type: 'host.interrupt' });
    expect(cancels(session)).toEqual([{ type: 'response.cancel', event_id: RESPONSE_CANCEL_EVENT_ID }]);
  });

  it('are a barge-in: a running read-only call is cancelled and its turn asks for no response', async () => {
    const session = start({ toolInfo: new Map([['lookup', { server: 's', tool: 'lookup', annotations: { readOnlyHint: true } }]]) }, { hang: true });
    ready(session);
    session.server(created('r1'));
    session.server(added('r1', 'call_1'));
    session.server(itemDone('r1', 'call_1'));
    session.server(done('r1'));
    await flush();
    expect(session.executed).toEqual(['call_1']);
    session.actor.send({ type: 'host.interrupt' });
    await flush();
    expect(session.outputs()).toEqual([expect.objectContaining({ call_id: 'call_1', output: expect.stringContaining('cancelled') })]);
    expect(session.creates()).toBe(0);
    expect(cancels(session)).toEqual([]);
  });

  it('a cancel that reached the server after the response ended is not reported; other errors are', () => {
    const session = start();
    ready(session);
    session.server({ type: 'error', error: { type: 'invalid_request_error', code: 'response_cancel_not_active', message: 'none', event_id: RESPONSE_CANCEL_EVENT_ID } });
    expect(session.of('session.error')).toEqual([]);
    session.server({ type: 'error', error: { type: 'invalid_request_error', code: 'response_cancel_not_active', message: 'theirs', event_id: 'host_cancel' } });
    expect(session.of('session.error')).toHaveLength(1);
  });
});
