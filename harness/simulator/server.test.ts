import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, decodeAll, refusedUpgrade, SUM_TOOL, type Received } from './testSupport.js';

const harness = createHarness();
afterEach(() => harness.cleanup());

describe('authentication', () => {
  it('refuses a missing key, a wrong key and a wrong path with the HTTP status of the API', async () => {
    const simulator = await harness.start({ apiKey: 'sk-right' });
    expect(await refusedUpgrade(simulator.url)).toEqual({
      status: 401,
      body: { error: { type: 'invalid_request_error', code: null, param: null, message: expect.stringContaining("You didn't provide an API key") } },
    });
    const wrong = await refusedUpgrade(simulator.url, { Authorization: 'Bearer sk-wrong' });
    expect(wrong).toMatchObject({ status: 401, body: { error: { code: 'invalid_api_key' } } });
    expect(JSON.stringify(wrong.body)).not.toContain('sk-wrong');
    expect((await refusedUpgrade(simulator.url, {}, ['realtime', 'openai-insecure-api-key.sk-wrong'])).status).toBe(401);
    expect((await refusedUpgrade(simulator.url, {}, ['openai-insecure-api-key.sk-right'])).status).toBe(401);
    expect((await refusedUpgrade(simulator.url.replace('/v1/realtime', '/v1/other'), { Authorization: 'Bearer sk-right' })).status).toBe(404);
    expect(simulator.connections).toBe(0);
  });

  it('accepts the bearer header and the browser sub-protocols, and records the model', async () => {
    const simulator = await harness.start({ apiKey: 'sk-right' });
    const byHeader = await harness.connect(simulator, { key: 'sk-right', query: '?model=gpt-realtime-2025-08-28' });
    expect((await byHeader.next('session.created')).session.model).toBe('gpt-realtime-2025-08-28');
    const byProtocol = await harness.connect(simulator, { protocols: ['realtime', 'openai-insecure-api-key.sk-right'], query: '' });
    expect(byProtocol.ws.protocol).toBe('realtime');
    expect((await byProtocol.next('session.created')).session.model).toBe('gpt-realtime');
    expect(simulator.sessions.map((session) => [session.model, session.query])).toEqual([
      ['gpt-realtime-2025-08-28', { model: 'gpt-realtime-2025-08-28' }],
      ['gpt-realtime', {}],
    ]);
  });

  it('accepts any key, or none (a local server, as connect treats ws:// on loopback), when no apiKey is set', async () => {
    const simulator = await harness.start();
    await harness.connect(simulator, { key: 'anything' });
    const bare = new WebSocket(simulator.url);
    await new Promise<void>((open, fail) => {
      bare.once('open', open);
      bare.once('unexpected-response', (_req, res) => fail(new Error(`refused with HTTP ${res.statusCode}`)));
    });
    bare.close();
    expect(simulator.connections).toBe(2);
  });
});

describe('session', () => {
  it('sends a GA session.created, answers session.update with the merged session', async () => {
    const simulator = await harness.start();
    const client = await harness.connect(simulator);
    const created = await client.next('session.created');
    expect(created.event_id).toMatch(/^event_[A-Za-z0-9]{21}$/);
    expect(created.session).toMatchObject({
      type: 'realtime',
      object: 'realtime.session',
      id: expect.stringMatching(/^sess_[A-Za-z0-9]{21}$/),
      output_modalities: ['audio'],
      tools: [],
      tool_choice: 'auto',
      audio: { input: { format: { type: 'audio/pcm', rate: 24000 } }, output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' } },
    });
    client.send({
      type: 'session.update',
      event_id: 'evt_1',
      session: { type: 'realtime', tools: [SUM_TOOL], instructions: 'Short.', audio: { input: { turn_detection: { type: 'server_vad', silence_duration_ms: 500 } }, output: { voice: 'cedar' } } },
    });
    const updated = await client.next('session.updated');
    expect(updated.event_id).not.toBe('evt_1');
    expect(updated.session).toMatchObject({ id: created.session.id, tools: [SUM_TOOL], instructions: 'Short.', tool_choice: 'auto' });
    expect(updated.session.audio.input).toMatchObject({ format: { type: 'audio/pcm', rate: 24000 }, turn_detection: { type: 'server_vad', threshold: 0.5, silence_duration_ms: 500 } });
    expect(updated.session.audio.output).toMatchObject({ voice: 'cedar', format: { type: 'audio/pcm', rate: 24000 } });
    client.send({ type: 'session.update', session: { type: 'realtime', tools: [] } });
    expect((await client.next('session.updated')).session.tools).toEqual([]);
    expect(decodeAll(simulator.serverEvents).every((result) => result.ok && result.dialect === 'ga')).toBe(true);
  });

  it('answers an invalid client event with an error naming it, and the session goes on', async () => {
    const simulator = await harness.start();
    const client = await harness.connect(simulator);
    await client.next('session.created');
    client.sendJson({ type: 'session.update', event_id: 'evt_bad', session: { type: 'realtime', temperature: 0.8 } });
    const unknownField = await client.next('error');
    expect(unknownField.error).toMatchObject({ type: 'invalid_request_error', code: 'unknown_parameter', param: 'session.temperature', event_id: 'evt_bad' });
    client.sendJson({ type: 'scooby.dooby.doo', event_id: 'evt_type' });
    expect((await client.next('error')).error).toMatchObject({ code: 'invalid_value', param: 'type', event_id: 'evt_type' });
    client.sendJson({ type: 'conversation.item.create', event_id: 'evt_missing', item: { type: 'function_call_output', output: 'x' } });
    expect((await client.next('error')).error).toMatchObject({ code: 'missing_required_parameter', param: 'item.call_id', event_id: 'evt_missing' });
    client.ws.send('not json');
    expect((await client.next('error')).error).toMatchObject({ code: 'invalid_json', event_id: null });
    client.ws.send(Buffer.from([0xff, 0xfe, 0x7b]), { binary: true });
    expect((await client.next('error')).error).toMatchObject({ code: 'invalid_json', event_id: null });
    client.sendJson({ event_id: 'evt_notype' });
    expect((await client.next('error')).error).toMatchObject({ code: 'invalid_event', message: "The 'type' field is missing.", event_id: 'evt_notype' });

    client.send({ type: 'session.update', session: { type: 'realtime', instructions: 'Still here.' } });
    expect((await client.next('session.updated')).session.instructions).toBe('Still here.');
    const session = simulator.sessions[0];
    expect(session?.rejectedFrames.map((frame) => frame.error.code)).toEqual(['invalid_event', 'unknown_event', 'invalid_event', 'invalid_json', 'invalid_json', 'missing_type']);
    expect(simulator.clientEvents.map((event) => event.type)).toEqual(['session.update']);
    expect(decodeAll(simulator.serverEvents).every((result) => result.ok)).toBe(true);
  });

  it('refuses a voice change once the model has spoken', async () => {
    const simulator = await harness.start();
    const client = await harness.connect(simulator);
    client.send({ type: 'response.create' });
    await client.next('response.done');
    client.send({ type: 'session.update', event_id: 'evt_voice', session: { type: 'realtime', audio: { output: { voice: 'ash' } } } });
    expect((await client.next('error')).error).toMatchObject({ code: 'cannot_update_voice', event_id: 'evt_voice' });
  });
});

describe('conversation', () => {
  it('adds client items (added + done), retrieves, truncates and deletes them', async () => {
    const simulator = await harness.start();
    const client = await harness.connect(simulator);
    client.send({ type: 'conversation.item.create', event_id: 'evt_a', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi' }] } });
    const added = await client.next('conversation.item.added');
    expect(added.item).toMatchObject({ id: expect.stringMatching(/^item_/), type: 'message', role: 'user', status: 'completed' });
    expect(added.previous_item_id).toBeNull();
    expect((await client.next('conversation.item.done')).item).toEqual(added.item);
    client.send({ type: 'conversation.item.create', previous_item_id: 'root', item: { id: 'item_first', type: 'message', role: 'system', content: [{ type: 'input_text', text: 'Be nice.' }] } });
    expect((await client.next('conversation.item.added')).previous_item_id).toBeNull();
    client.send({ type: 'conversation.item.retrieve', item_id: added.item.id });
    expect((await client.next('conversation.item.retrieved')).item).toEqual(added.item);

    client.send({ type: 'response.create' });
    const done = await client.next('response.done');
    const message = done.response.output[0] as Received;
    expect(message.content[0]).toEqual({ type: 'output_audio', transcript: 'Okay.' });
    client.send({ type: 'conversation.item.truncate', item_id: message.id, content_index: 0, audio_end_ms: 20 });
    expect(await client.next('conversation.item.truncated')).toMatchObject({ item_id: message.id, content_index: 0, audio_end_ms: 20 });
    client.send({ type: 'conversation.item.truncate', event_id: 'evt_long', item_id: message.id, content_index: 0, audio_end_ms: 5000 });
    expect((await client.next('error')).error).toMatchObject({ code: 'invalid_value', param: 'audio_end_ms', event_id: 'evt_long' });

    client.send({ type: 'conversation.item.delete', item_id: 'item_first' });
    expect(await client.next('conversation.item.deleted')).toMatchObject({ item_id: 'item_first' });
    client.send({ type: 'conversation.item.delete', event_id: 'evt_gone', item_id: 'item_first' });
    expect((await client.next('error')).error).toMatchObject({ code: 'item_not_found', event_id: 'evt_gone' });
    client.send({ type: 'conversation.item.create', event_id: 'evt_out', item: { type: 'function_call_output', call_id: 'call_nope', output: '1' } });
    expect((await client.next('error')).error).toMatchObject({ param: 'item.call_id', event_id: 'evt_out', message: 'No tool call found for function call output with call_id call_nope.' });
    expect(decodeAll(simulator.serverEvents).every((result) => result.ok)).toBe(true);
  });

  it('input audio buffer: append/commit adds a user item, an empty commit fails, clear answers cleared', async () => {
    const simulator = await harness.start();
    const client = await harness.connect(simulator);
    client.send({ type: 'input_audio_buffer.commit', event_id: 'evt_empty' });
    expect((await client.next('error')).error).toMatchObject({ code: 'input_audio_buffer_commit_empty', event_id: 'evt_empty' });
    client.send({ type: 'input_audio_buffer.append', audio: Buffer.alloc(4800 * 2).toString('base64') });
    client.send({ type: 'input_audio_buffer.commit' });
    const committed = await client.next('input_audio_buffer.committed');
    const added = await client.next('conversation.item.added');
    expect(added.item).toMatchObject({ id: committed.item_id, role: 'user', content: [{ type: 'input_audio', transcript: null }] });
    client.send({ type: 'input_audio_buffer.clear' });
    await client.next('input_audio_buffer.cleared');
  });

  it('response.create while a response is active gets conversation_already_has_active_response; response.cancel cancels it', async () => {
    const simulator = await harness.start({ script: [{ say: 'This is a rather long answer that keeps going for a while.' }], startWhen: 'connected', deltaDelayMs: 15 });
    const client = await harness.connect(simulator);
    const created = await client.next('response.created');
    client.send({ type: 'response.create', event_id: 'evt_second' });
    const error = await client.next('error');
    expect(error.error).toMatchObject({ code: 'conversation_already_has_active_response', event_id: 'evt_second' });
    expect(error.error.message).toBe(
      `Conversation already has an active response in progress: ${created.response.id}. Wait until the response is finished before creating a new one.`,
    );
    await client.next('response.output_audio.delta');
    client.send({ type: 'response.cancel', event_id: 'evt_cancel' });
    const events = await client.until('response.done');
    const item = events.find((event) => event.type === 'response.output_item.done')?.item;
    expect(item.status).toBe('incomplete');
    expect(events.at(-1)?.response).toMatchObject({ id: created.response.id, status: 'cancelled', status_details: { type: 'cancelled', reason: 'client_cancelled' } });
    expect(await simulator.done).toEqual({ ok: true, steps: 1 });

    client.send({ type: 'response.cancel', event_id: 'evt_none' });
    expect((await client.next('error')).error).toMatchObject({ code: 'response_cancel_not_active', event_id: 'evt_none' });
  });

  it("echoes the client's event_id in error.event_id for every error a client event causes, whatever the id (Object.prototype names included)", async () => {
    const simulator = await harness.start();
    const client = await harness.connect(simulator);
    await client.next('session.created');
    // One client event per error the simulator can answer, each with its own event_id.
    const failing: Array<[eventId: string, event: Record<string, unknown>, code: string]> = [
      ['__proto__', { type: 'session.update', session: { type: 'transcription' } }, 'invalid_value'],
      ['toString', { type: 'input_audio_buffer.commit' }, 'input_audio_buffer_commit_empty'],
      ['constructor', { type: 'conversation.item.create', item: { type: 'function_call_output', call_id: 'hasOwnProperty', output: '' } }, 'invalid_value'],
      ['hasOwnProperty', { type: 'conversation.item.create', previous_item_id: 'valueOf', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi' }] } }, 'item_not_found'],
      ['valueOf', { type: 'conversation.item.retrieve', item_id: '__proto__' }, 'item_not_found'],
      ['isPrototypeOf', { type: 'conversation.item.truncate', item_id: 'toString', content_index: 0, audio_end_ms: 1 }, 'item_not_found'],
      ['propertyIsEnumerable', { type: 'conversation.item.delete', item_id: 'constructor' }, 'item_not_found'],
      ['toLocaleString', { type: 'response.cancel' }, 'response_cancel_not_active'],
      ['__defineGetter__', { type: 'output_audio_buffer.clear' }, 'invalid_value'],
      ['evt_unknown_field', { type: 'response.create', response: { not_a_field: true } }, 'unknown_parameter'],
    ];
    for (const [eventId, event] of failing) client.sendJson({ ...event, event_id: eventId });
    const errors: Received[] = [];
    for (let i = 0; i < failing.length; i++) errors.push((await client.next('error')).error as Received);
    expect(errors.map((error) => [error.event_id, error.code])).toEqual(failing.map(([eventId, , code]) => [eventId, code]));
    // A duplicate item id needs the item first (the active-response refusal: the test above).
    client.sendJson({ type: 'conversation.item.create', item: { id: 'toString', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi' }] } });
    await client.next('conversation.item.done');
    client.sendJson({ type: 'conversation.item.create', event_id: '__proto__', item: { id: 'toString', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Again' }] } });
    expect((await client.next('error')).error).toMatchObject({ param: 'item.id', event_id: '__proto__' });
  });

  it('an out-of-band response runs beside the default one and leaves the conversation alone', async () => {
    const simulator = await harness.start();
    const client = await harness.connect(simulator);
    client.send({ type: 'response.create', response: { conversation: 'none', metadata: { purpose: 'summary' }, output_modalities: ['text'] } });
    const created = await client.next('response.created');
    expect(created.response).toMatchObject({ conversation_id: null, metadata: { purpose: 'summary' }, output_modalities: ['text'] });
    const events = await client.until('response.done');
    expect(events.map((event) => event.type)).not.toContain('conversation.item.added');
    expect(events.at(-1)?.response.output[0].content).toEqual([{ type: 'output_text', text: 'Okay.' }]);
  });
});
