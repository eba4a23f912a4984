/**
 * The session machine under a server that repeats, reorders, skips and names things with hostile
 * ids: each test is one way the wire can misbehave, and what the session must still promise
 * (exactly one output per completed call, nothing run twice, nothing run that was not finished, no
 * crash, out-of-band responses left alone).
 */
import { describe, expect, it } from 'vitest';
import { HOSTILE_IDS, added, call, created, done, flush, itemDone, ready, start } from './sessionTestSupport.js';

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

  it('keeps a call its response closed unrun closed when a late output_item.done says completed (found by the fuzzer)', async () => {
    const session = start();
    ready(session);
    session.server(created('r1'));
    session.server(added('r1', 'call_1'));
    session.server(done('r1', 'completed', []));
    session.server(itemDone('r1', 'call_1'));
    session.server(done('r1', 'completed', [call('call_1', 'completed')]));
    await flush();
    expect(session.executed).toEqual([]);
    expect(session.outputs()).toEqual([]);
    const anomalies = session.of('session.anomaly').map((e) => e.anomaly);
    expect(anomalies.map((anomaly) => anomaly.code)).toEqual(['call_never_finished', 'duplicate_call']);
    // The call was never answered: the report must not say its output was sent.
    expect(anomalies[1]!.message).toBe('The server finished the call "call_1" again after the proxy had settled it (answered, or closed unrun); the repeat was ignored.');
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
    const response = session.actor.getSnapshot().children.response!.getSnapshot() as unknown as { value: unknown; context: { activeResponseIds: string[] } };
    expect(response.value).toEqual({ active: 'running' });
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
});
