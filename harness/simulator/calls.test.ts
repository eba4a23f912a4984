import { afterEach, describe, expect, it } from 'vitest';
import { fakePeers, FAKE_ANSWER_SDP, FAKE_OFFER_SDP, type FakePeer } from './fakePeer.js';
import type { RealtimeSimulator, StartRealtimeSimulatorOptions } from './server.js';
import { callIdOf, createHarness, decodeAll, post, postJson, refusedUpgrade, SUM_TOOL, type TestClient } from './testSupport.js';

const harness = createHarness();
afterEach(() => harness.cleanup());

async function start(options: StartRealtimeSimulatorOptions = {}): Promise<{ simulator: RealtimeSimulator; peers: FakePeer[] }> {
  const { answerOffer, peers } = fakePeers();
  const simulator = await harness.start({ apiKey: 'sk-test', answerOffer, ...options });
  return { simulator, peers };
}

/** Starts a WebRTC call with the standard key (multipart when a session is given); returns its id and peer. */
async function call(simulator: RealtimeSimulator, peers: FakePeer[], session?: object): Promise<{ callId: string; peer: FakePeer }> {
  let answer;
  if (session === undefined) answer = await post(simulator, '/v1/realtime/calls', { body: FAKE_OFFER_SDP, contentType: 'application/sdp' });
  else {
    const form = new FormData();
    form.set('sdp', FAKE_OFFER_SDP);
    form.set('session', JSON.stringify(session));
    answer = await post(simulator, '/v1/realtime/calls', { body: form });
  }
  expect(answer.status, answer.text).toBe(201);
  return { callId: callIdOf(answer), peer: peers.at(-1) as FakePeer };
}

function sideband(simulator: RealtimeSimulator, callId: string, key = 'sk-test'): Promise<TestClient> {
  return harness.connect(simulator, { key, query: `?call_id=${encodeURIComponent(callId)}` });
}

describe('POST /v1/realtime/calls', () => {
  it('answers an application/sdp offer sent with an ek_ key: 201, the SDP answer, the Location; the data channel gets the ek session', async () => {
    const { simulator, peers } = await start();
    const ek = (await postJson(simulator, '/v1/realtime/client_secrets', { session: { type: 'realtime', instructions: 'From the key.' } })).json?.value as string;
    const answer = await post(simulator, '/v1/realtime/calls?model=gpt-realtime-2025-08-28', { key: ek, body: FAKE_OFFER_SDP, contentType: 'application/sdp' });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('content-type')).toBe('application/sdp');
    expect(answer.text).toBe(FAKE_ANSWER_SDP);
    const callId = callIdOf(answer);
    expect(callId).toMatch(/^rtc_[0-9a-f]{32}$/);
    const peer = peers[0] as FakePeer;
    expect(peer.offerSdp).toBe(FAKE_OFFER_SDP);
    expect((await peer.events.next('session.created')).session).toMatchObject({ model: 'gpt-realtime-2025-08-28', instructions: 'From the key.' });
    expect(simulator.calls).toEqual([expect.objectContaining({ id: callId, kind: 'webrtc', status: 'active', sessionIndex: 0 })]);
    expect(simulator.sessions[0]).toMatchObject({ callId, media: 'peer' });
  });

  it('answers multipart/form-data (sdp + session) sent with the standard key, the unified interface', async () => {
    const { simulator, peers } = await start();
    const { peer } = await call(simulator, peers, { type: 'realtime', model: 'gpt-realtime-mini', tools: [SUM_TOOL], instructions: 'Unified.' });
    expect((await peer.events.next('session.created')).session).toMatchObject({ model: 'gpt-realtime-mini', instructions: 'Unified.', tools: [SUM_TOOL] });
  });

  it.each([
    ['no content type', { body: FAKE_OFFER_SDP }, 'unsupported_content_type', null],
    ['text/plain', { body: FAKE_OFFER_SDP, contentType: 'text/plain' }, 'unsupported_content_type', null],
    ['an empty offer', { body: '', contentType: 'application/sdp' }, 'missing_required_parameter', 'sdp'],
    ['an offer that is not SDP', { body: 'hello', contentType: 'application/sdp' }, 'invalid_offer', 'sdp'],
    ['a garbled multipart body', { body: '--x\r\nnonsense', contentType: 'multipart/form-data; boundary=x' }, 'invalid_multipart', null],
  ])('answers 400 for %s', async (_what, request, code, param) => {
    const { simulator, peers } = await start();
    const answer = await post(simulator, '/v1/realtime/calls', request);
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error: { type: 'invalid_request_error', code, param, message: expect.any(String) } });
    expect(peers).toHaveLength(0);
  });

  it.each([
    ['no sdp field', { session: '{"type":"realtime"}' }, 'missing_required_parameter', 'sdp'],
    ['an unknown field', { sdp: FAKE_OFFER_SDP, model: 'x' }, 'unknown_parameter', 'model'],
    ['a session that is not JSON', { sdp: FAKE_OFFER_SDP, session: '{type:' }, 'invalid_json', 'session'],
    ['an invalid session', { sdp: FAKE_OFFER_SDP, session: '{"type":"realtime","voice":"alloy"}' }, 'unknown_parameter', 'session.voice'],
  ])('answers 400 for a multipart body with %s', async (_what, fields, code, param) => {
    const { simulator, peers } = await start();
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.set(name, value);
    const answer = await post(simulator, '/v1/realtime/calls', { body: form });
    expect([answer.status, answer.json?.error.code, answer.json?.error.param]).toEqual([400, code, param]);
    expect(peers).toHaveLength(0);
  });

  it('answers 400 when the peer cannot answer the offer, and refuses an oversize offer', async () => {
    const failing = fakePeers({ fail: 'no audio section' });
    const simulator = await harness.start({ answerOffer: failing.answerOffer, maxBodyBytes: 2048 });
    const answer = await post(simulator, '/v1/realtime/calls', { body: FAKE_OFFER_SDP, contentType: 'application/sdp' });
    expect([answer.status, answer.json?.error.code]).toEqual([400, 'invalid_offer']);
    expect(answer.json?.error.message).toContain('no audio section');
    const big = await post(simulator, '/v1/realtime/calls', { body: FAKE_OFFER_SDP + 'a=x\r\n'.repeat(1000), contentType: 'application/sdp' });
    expect([big.status, big.json?.error.code]).toEqual([400, 'request_too_large']);
    expect(simulator.calls).toEqual([]);
  });
});

describe('a WebRTC call', () => {
  it('sends transcript deltas but no audio deltas on the data channel, plays the audio on the peer, and reports the playback', async () => {
    const { simulator, peers } = await start({ script: [{ say: 'Hello there, caller.' }], startWhen: 'connected' });
    const { peer } = await call(simulator, peers);
    const events = await peer.events.until('response.done');
    const types = events.map((event) => event.type);
    expect(types).toContain('response.output_audio_transcript.delta');
    expect(types).toContain('response.output_audio.done');
    expect(types).not.toContain('response.output_audio.delta');
    expect(types.indexOf('output_audio_buffer.started')).toBeGreaterThan(types.indexOf('response.content_part.added'));
    const responseId = events.find((event) => event.type === 'response.created')?.response.id;
    expect(events.find((event) => event.type === 'output_audio_buffer.started')?.response_id).toBe(responseId);
    expect(peer.queuedMs).toBe(3 * 40); // three words, 40 ms each
    peer.drainAudio();
    expect((await peer.events.next('output_audio_buffer.stopped')).response_id).toBe(responseId);
    expect(decodeAll(peer.events.received).filter((result) => !result.ok)).toEqual([]);
    expect(await simulator.done).toEqual({ ok: true, steps: 1 });
  });

  it('takes output_audio_buffer.clear from the data channel: the peer drops its queue and the client hears cleared', async () => {
    const { simulator, peers } = await start({ script: [{ say: 'A long answer you will cut short.' }], startWhen: 'connected' });
    const { peer } = await call(simulator, peers);
    await peer.events.next('response.done');
    peer.sendClientEvent({ type: 'output_audio_buffer.clear' });
    expect(await peer.events.next('output_audio_buffer.cleared')).toMatchObject({ response_id: expect.stringMatching(/^resp_/) });
    expect(peer.playback).toEqual(['started', 'cleared']);
  });

  it('drops the queued audio when a scripted barge-in cancels the response (the server owns the output buffer)', async () => {
    const { simulator, peers } = await start({ script: [{ bargeIn: { during: 'audio', afterDeltas: 2 } }, { say: 'One two three four five six.' }], startWhen: 'connected' });
    const { peer } = await call(simulator, peers);
    const events = await peer.events.until('input_audio_buffer.speech_stopped');
    const types = events.map((event) => event.type);
    expect(types.indexOf('output_audio_buffer.cleared')).toBeGreaterThan(types.indexOf('input_audio_buffer.speech_started'));
    expect(events.find((event) => event.type === 'response.done')?.response.status_details).toEqual({ type: 'cancelled', reason: 'turn_detected' });
    expect(peer.playback).toEqual(['started', 'cleared']);
    expect(await simulator.done).toEqual({ ok: true, steps: 2 });
  });

  it('plays a user step when the peer hears speech start and stop, with the timing of the real audio and the scripted transcript', async () => {
    const { simulator, peers } = await start({ script: [{ user: 'What is two plus forty?' }, { say: 'Forty-two.' }], startWhen: 'connected' });
    const { peer } = await call(simulator, peers);
    await peer.events.next('session.created');
    peer.speak('started', 1200);
    expect(await peer.events.next('input_audio_buffer.speech_started')).toMatchObject({ audio_start_ms: 1200 });
    expect(simulator.state).toMatchObject({ status: 'running', step: 1 }); // waiting for the speech to stop
    peer.speak('stopped', 2950);
    const turn = await peer.events.until('conversation.item.input_audio_transcription.completed');
    expect(turn.map((event) => event.type)).toEqual([
      'input_audio_buffer.speech_stopped',
      'input_audio_buffer.committed',
      'conversation.item.added',
      'conversation.item.done',
      ...Array(5).fill('conversation.item.input_audio_transcription.delta'),
      'conversation.item.input_audio_transcription.completed',
    ]);
    expect(turn[0]?.audio_end_ms).toBe(2950);
    expect(turn.at(-1)?.transcript).toBe('What is two plus forty?');
    await peer.events.next('response.done');
    expect(await simulator.done).toEqual({ ok: true, steps: 2 });
  });

  it('fails a user step that hears no speech within the tool timeout', async () => {
    const { simulator, peers } = await start({ script: [{ user: 'Anyone there?' }], startWhen: 'connected', toolTimeoutMs: 50 });
    await call(simulator, peers);
    expect(await simulator.done).toEqual({ ok: false, steps: 0, error: expect.stringContaining("timed out after 50 ms waiting for the caller's speech to start") });
  });
});

describe('the sideband (?call_id=)', () => {
  it('receives the call events from then on; its tool output and response.create satisfy the script; the data channel sent none', async () => {
    const { simulator, peers } = await start({
      script: [{ user: 'Add two and forty.' }, { callTool: { toolFromSession: 0, arguments: { a: 2, b: 40 }, reply: 'The sum is {output}.' } }],
    });
    const { callId, peer } = await call(simulator, peers, { type: 'realtime', instructions: 'Browser side.' });
    await peer.events.next('session.created');
    const server = await sideband(simulator, callId);
    const created = await server.next('session.created'); // the session as it is now
    expect(created.session.instructions).toBe('Browser side.');
    server.send({ type: 'session.update', session: { type: 'realtime', tools: [SUM_TOOL] } });
    expect((await server.next('session.updated')).session.tools).toEqual([SUM_TOOL]);
    await peer.events.next('session.updated'); // the browser hears the update too

    // The user turn needs speech from the peer's audio.
    peer.speak('started', 500);
    peer.speak('stopped', 1500);
    const done = await server.next((event) => event.type === 'response.done' && event.response.output.some((item: any) => item.type === 'function_call'));
    const functionCall = done.response.output.find((item: any) => item.type === 'function_call');
    expect(functionCall).toMatchObject({ name: SUM_TOOL.name, arguments: '{"a":2,"b":40}', status: 'completed' });
    await peer.events.next((event) => event.type === 'response.function_call_arguments.done' && event.call_id === functionCall.call_id);

    server.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: functionCall.call_id, output: '42' } });
    server.send({ type: 'response.create' });
    const transcript = await peer.events.next('response.output_audio_transcript.done');
    expect(transcript.transcript).toBe('The sum is 42.');
    expect(await simulator.done).toEqual({ ok: true, steps: 2 });

    const log = simulator.sessions[0]?.clientEventLog ?? [];
    expect(log.map((entry) => [entry.channel, entry.event.type])).toEqual([
      ['sideband', 'session.update'],
      ['sideband', 'conversation.item.create'],
      ['sideband', 'response.create'],
    ]);
    expect(log.filter((entry) => entry.channel === 'datachannel' && entry.event.type === 'conversation.item.create')).toEqual([]);
    expect(simulator.calls[0]).toMatchObject({ sidebands: 1, status: 'active' });
  });

  it('keeps concurrent calls apart: a sideband hears only its own call', async () => {
    const { simulator, peers } = await start();
    const first = await call(simulator, peers);
    const second = await call(simulator, peers);
    const server = await sideband(simulator, second.callId);
    expect((await server.next('session.created')).session.id).toBe((await second.peer.events.next('session.created')).session.id);
    first.peer.sendClientEvent({ type: 'input_audio_buffer.clear' });
    second.peer.sendClientEvent({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'second' }] } });
    await server.next('conversation.item.done');
    await first.peer.events.next('input_audio_buffer.cleared');
    expect(server.received.map((event) => event.type)).toEqual(['session.created', 'conversation.item.added', 'conversation.item.done']);
    expect(first.peer.events.received.some((event) => event.type === 'conversation.item.added')).toBe(false);
    expect(simulator.calls.map((c) => [c.id, c.sidebands])).toEqual([
      [first.callId, 0],
      [second.callId, 1],
    ]);
  });

  it('acts on client events from the data channel and the sideband alike (one session)', async () => {
    const { simulator, peers } = await start();
    const { callId, peer } = await call(simulator, peers);
    const server = await sideband(simulator, callId);
    await server.next('session.created');
    peer.sendClientEvent({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'typed in the browser' }] } });
    const added = await server.next('conversation.item.added');
    server.send({ type: 'conversation.item.retrieve', item_id: added.item.id });
    expect((await peer.events.next('conversation.item.retrieved')).item.content[0].text).toBe('typed in the browser');
    expect(simulator.sessions[0]?.clientEventLog.map((entry) => entry.channel)).toEqual(['datachannel', 'sideband']);
  });

  it('is refused with 404 call_id_not_found for an ek_ key and an unknown call, 400 with a model too, 401 for a wrong key', async () => {
    const { simulator, peers } = await start();
    const { callId } = await call(simulator, peers);
    const ek = (await postJson(simulator, '/v1/realtime/client_secrets', { session: { type: 'realtime' } })).json?.value as string;
    const url = `${simulator.url}?call_id=${callId}`;
    expect(await refusedUpgrade(url, { Authorization: `Bearer ${ek}` })).toEqual({ status: 404, body: { error: { type: 'invalid_request_error', code: 'call_id_not_found', param: null, message: 'No session found for the provided call_id' } } });
    expect((await refusedUpgrade(`${simulator.url}?call_id=rtc_unknown`, { Authorization: 'Bearer sk-test' })).body.error.code).toBe('call_id_not_found');
    expect((await refusedUpgrade(`${simulator.url}?call_id=__proto__`, { Authorization: 'Bearer sk-test' })).status).toBe(404);
    expect((await refusedUpgrade(`${url}&model=gpt-realtime`, { Authorization: 'Bearer sk-test' })).status).toBe(400);
    expect((await refusedUpgrade(url, { Authorization: 'Bearer sk-wrong' })).status).toBe(401);
    expect(simulator.calls[0]?.sidebands).toBe(0);
  });

  it('is closed with a clear reason when the call is hung up; the peer closes; the call is gone', async () => {
    const { simulator, peers } = await start();
    const { callId, peer } = await call(simulator, peers);
    const server = await sideband(simulator, callId);
    await server.next('session.created');
    const hangup = await post(simulator, `/v1/realtime/calls/${callId}/hangup`);
    expect([hangup.status, hangup.text]).toEqual([200, '']);
    expect(await server.closed).toEqual({ code: 1000, reason: 'The call was hung up.' });
    expect(peer.closed).toBe(true);
    expect(simulator.calls[0]).toMatchObject({ status: 'ended', ended: { code: 1000, reason: 'The call was hung up.' } });
    expect(simulator.sessions[0]?.closed).toEqual({ code: 1000, reason: 'The call was hung up.' });
    expect((await post(simulator, `/v1/realtime/calls/${callId}/hangup`)).json?.error.code).toBe('call_id_not_found');
    expect((await refusedUpgrade(`${simulator.url}?call_id=${callId}`, { Authorization: 'Bearer sk-test' })).status).toBe(404);
  });

  it('is closed when the browser closes the peer connection, and a closed sideband leaves the call running', async () => {
    const { simulator, peers } = await start();
    const { callId, peer } = await call(simulator, peers);
    const first = await sideband(simulator, callId);
    await first.next('session.created');
    first.ws.close(1000, 'server restarts');
    await first.closed;
    const second = await sideband(simulator, callId);
    await second.next('session.created');
    expect(simulator.calls[0]).toMatchObject({ status: 'active', sidebands: 2 });
    await peer.close();
    expect(await second.closed).toEqual({ code: 1000, reason: 'The call ended: the peer connection closed.' });
    expect(simulator.calls[0]?.status).toBe('ended');
  });

  it('ends the call (peer and sideband) when the script closes the session', async () => {
    const { simulator, peers } = await start({ script: [{ say: 'Goodbye.' }, { close: { code: 1000, reason: 'scripted goodbye' } }] });
    const { callId, peer } = await call(simulator, peers);
    const server = await sideband(simulator, callId);
    server.send({ type: 'session.update', session: { type: 'realtime' } }); // the script starts now
    expect(await server.closed).toEqual({ code: 1000, reason: 'scripted goodbye' });
    expect(peer.closed).toBe(true);
    expect(simulator.calls[0]).toMatchObject({ status: 'ended', ended: { reason: 'scripted goodbye' } });
  });
});

describe('call control on a WebRTC call', () => {
  it('refuses accept, reject and refer (SIP only), an ek_ key, and unknown call ids', async () => {
    const { simulator, peers } = await start();
    const { callId } = await call(simulator, peers);
    const accept = await postJson(simulator, `/v1/realtime/calls/${callId}/accept`, { type: 'realtime' });
    expect([accept.status, accept.json?.error.code]).toEqual([400, 'invalid_call_state']);
    expect((await postJson(simulator, `/v1/realtime/calls/${callId}/reject`, {})).status).toBe(400);
    expect((await postJson(simulator, `/v1/realtime/calls/${callId}/refer`, { target_uri: 'tel:+14155550123' })).status).toBe(400);
    const ek = (await postJson(simulator, '/v1/realtime/client_secrets', { session: { type: 'realtime' } })).json?.value as string;
    expect((await post(simulator, `/v1/realtime/calls/${callId}/hangup`, { key: ek })).status).toBe(401);
    expect((await post(simulator, '/v1/realtime/calls/rtc_nope/hangup')).status).toBe(404);
    expect((await postJson(simulator, `/v1/realtime/calls/${callId}/hangup`, { reason: 'x' })).json?.error.code).toBe('unknown_parameter');
    expect(simulator.calls[0]?.status).toBe('active');
  });
});
