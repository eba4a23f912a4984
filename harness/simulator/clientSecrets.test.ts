import { afterEach, describe, expect, it } from 'vitest';
import { fakePeers, FAKE_OFFER_SDP } from './fakePeer.js';
import { createHarness, post, postJson, refusedUpgrade } from './testSupport.js';

const harness = createHarness();
afterEach(() => harness.cleanup());

const SESSION = { type: 'realtime', model: 'gpt-realtime', instructions: 'Speak like a pirate.', audio: { output: { voice: 'cedar' } } };

describe('POST /v1/realtime/client_secrets', () => {
  it('issues an ek_ key with the TTL asked for and the full session, and the key starts WebSocket sessions with that config', async () => {
    let now = Date.UTC(2026, 0, 1);
    const simulator = await harness.start({ apiKey: 'sk-test', clientSecretClock: () => now });
    const answer = await postJson(simulator, '/v1/realtime/client_secrets', { expires_after: { anchor: 'created_at', seconds: 60 }, session: SESSION });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      value: expect.stringMatching(/^ek_[A-Za-z0-9]{32}$/),
      expires_at: Math.floor(now / 1000) + 60,
      session: { type: 'realtime', object: 'realtime.session', id: expect.stringMatching(/^sess_/), model: 'gpt-realtime', instructions: 'Speak like a pirate.', audio: { output: { voice: 'cedar' } } },
    });
    const ek = answer.json?.value as string;

    const client = await harness.connect(simulator, { key: ek });
    expect((await client.next('session.created')).session).toMatchObject({ instructions: 'Speak like a pirate.', audio: { output: { voice: 'cedar' } } });
    // Several sessions from one secret, until it expires; the browser sub-protocols work too.
    const browser = await harness.connect(simulator, { protocols: ['realtime', `openai-insecure-api-key.${ek}`], query: '' });
    expect((await browser.next('session.created')).session.instructions).toBe('Speak like a pirate.');

    now += 60_000;
    const expired = await refusedUpgrade(simulator.url, { Authorization: `Bearer ${ek}` });
    expect(expired).toEqual({ status: 401, body: { error: { type: 'invalid_request_error', code: 'invalid_api_key', param: null, message: expect.stringContaining('expired') } } });
    expect(JSON.stringify(expired.body)).not.toContain(ek);
    expect(simulator.log.join('\n')).not.toContain(ek);
    // The sessions it started go on: the TTL bounds starting sessions only.
    client.send({ type: 'session.update', session: { type: 'realtime', instructions: 'Still here.' } });
    expect((await client.next('session.updated')).session.instructions).toBe('Still here.');
  });

  it('defaults to 600 s and refuses an expired key on POST /v1/realtime/calls too', async () => {
    let now = 1_000_000;
    const { answerOffer } = fakePeers();
    const simulator = await harness.start({ apiKey: 'sk-test', clientSecretClock: () => now, answerOffer });
    const answer = await postJson(simulator, '/v1/realtime/client_secrets', { session: { type: 'realtime' } });
    expect(answer.json?.expires_at).toBe(Math.floor(now / 1000) + 600);
    const ek = answer.json?.value as string;
    expect((await post(simulator, '/v1/realtime/calls', { key: ek, body: FAKE_OFFER_SDP, contentType: 'application/sdp' })).status).toBe(201);
    now += 600_000;
    const refused = await post(simulator, '/v1/realtime/calls', { key: ek, body: FAKE_OFFER_SDP, contentType: 'application/sdp' });
    expect(refused.status).toBe(401);
    expect(refused.json?.error).toMatchObject({ code: 'invalid_api_key', message: expect.stringContaining('expired') });
  });

  it('refuses a missing or wrong standard key, an unknown ek_ (in every mode) and an ek_ minting another', async () => {
    const simulator = await harness.start({ apiKey: 'sk-test' });
    const body = { session: { type: 'realtime' } };
    expect((await postJson(simulator, '/v1/realtime/client_secrets', body, null)).json?.error).toMatchObject({ code: null, message: expect.stringContaining("didn't provide an API key") });
    const wrong = await postJson(simulator, '/v1/realtime/client_secrets', body, 'sk-wrong');
    expect([wrong.status, wrong.json?.error.code]).toEqual([401, 'invalid_api_key']);
    expect(wrong.text).not.toContain('sk-wrong');
    expect((await postJson(simulator, '/v1/realtime/client_secrets', body, 'ek_test123')).status).toBe(401);
    const ek = (await postJson(simulator, '/v1/realtime/client_secrets', body)).json?.value as string;
    const minted = await postJson(simulator, '/v1/realtime/client_secrets', body, ek);
    expect(minted.status).toBe(401);
    expect(minted.json?.error.message).toContain('cannot mint client secrets');

    const open = await harness.start(); // no apiKey: any standard key, but ek_ keys are still checked
    expect((await postJson(open, '/v1/realtime/client_secrets', body, null)).status).toBe(200);
    expect((await postJson(open, '/v1/realtime/client_secrets', body, 'ek_test123')).status).toBe(401);
    expect((await refusedUpgrade(open.url, { Authorization: 'Bearer ek_test123' })).status).toBe(401);
  });

  it.each([
    ['bad JSON', '{"session": ', 'application/json', 'invalid_json', null],
    ['a JSON array', '[]', 'application/json', 'invalid_json', null],
    ['a wrong content type', JSON.stringify({ session: SESSION }), 'text/plain', 'unsupported_content_type', null],
    ['no session', JSON.stringify({}), 'application/json', 'missing_required_parameter', 'session'],
    ['an unknown key', JSON.stringify({ session: SESSION, ttl: 5 }), 'application/json', 'unknown_parameter', 'ttl'],
    ['seconds under 10', JSON.stringify({ session: SESSION, expires_after: { anchor: 'created_at', seconds: 9 } }), 'application/json', 'invalid_value', 'expires_after.seconds'],
    ['seconds over 7200', JSON.stringify({ session: SESSION, expires_after: { anchor: 'created_at', seconds: 7201 } }), 'application/json', 'invalid_value', 'expires_after.seconds'],
    ['another anchor', JSON.stringify({ session: SESSION, expires_after: { anchor: 'now', seconds: 60 } }), 'application/json', 'invalid_value', 'expires_after.anchor'],
    ['a session without type', JSON.stringify({ session: { instructions: 'x' } }), 'application/json', 'missing_required_parameter', 'session.type'],
    ['a transcription session', JSON.stringify({ session: { type: 'transcription' } }), 'application/json', 'invalid_value', 'session.type'],
    ['an unknown session field', JSON.stringify({ session: { type: 'realtime', temperature: 0.8 } }), 'application/json', 'unknown_parameter', 'session.temperature'],
    ['a bad voice type', JSON.stringify({ session: { type: 'realtime', audio: { output: { voice: 7 } } } }), 'application/json', 'invalid_value', 'session.audio.output.voice'],
  ])('answers 400 with an API-style body for %s', async (_what, body, contentType, code, param) => {
    const simulator = await harness.start({ apiKey: 'sk-test' });
    const answer = await post(simulator, '/v1/realtime/client_secrets', { body, contentType });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error: { type: 'invalid_request_error', code, param, message: expect.any(String) } });
    expect(answer.json?.error.message.length).toBeGreaterThan(20);
  });

  it('refuses an oversize body with 400 and stays up', async () => {
    const simulator = await harness.start({ apiKey: 'sk-test', maxBodyBytes: 1024 });
    const big = JSON.stringify({ session: { type: 'realtime', instructions: 'x'.repeat(4096) } });
    const answer = await post(simulator, '/v1/realtime/client_secrets', { body: big, contentType: 'application/json' });
    expect([answer.status, answer.json?.error.code]).toEqual([400, 'request_too_large']);
    expect(answer.json?.error.message).toContain('at most 1024 bytes');
    expect((await postJson(simulator, '/v1/realtime/client_secrets', { session: { type: 'realtime' } })).status).toBe(200);
  });

  it('answers 404 for an unknown route and 426 for a plain GET of the WebSocket path', async () => {
    const simulator = await harness.start();
    const unknown = await post(simulator, '/v1/realtime/sessions', { body: '{}', contentType: 'application/json' });
    expect([unknown.status, unknown.json?.error.message]).toEqual([404, 'Invalid URL (POST /v1/realtime/sessions).']);
    expect((await fetch(`${simulator.httpUrl}/v1/realtime`)).status).toBe(426);
    expect((await fetch(`${simulator.httpUrl}/v1/realtime/calls`)).status).toBe(404);
  });
});
