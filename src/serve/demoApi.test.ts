/**
 * The routes the demo page relies on, over real HTTP against the Realtime simulator: `GET /info`,
 * the page's own OpenAI key (`openAiKeyFromBrowser`, `X-OpenAI-Key`) and `callsUrl`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ONE_CALL, postJson as json, serveHarnessPerTest, followEvents, startKeyEchoingOpenAi, TEST_TOKEN } from '../../test/support/serveHarness.js';
import { ProxyError } from '../errors.js';
import { startServe } from './startServe.js';

const { harness, closeAfterTest } = serveHarnessPerTest();

/** The page's key: short, so it matches no key shape and only the exact-value redaction can hide it. */
const PAGE_KEY = 'sk-page-key-77';

describe('GET /info', () => {
  it('tells the page the mode, where the key comes from, run-time MCP, the tool limits and the approval mode; needs the token', async () => {
    const h = await harness({ serve: { approval: { mode: 'auto' }, toolLimits: { maxTools: 12 }, runtimeMcp: { enabled: true } } });
    const info = await h.request('/info');
    expect(info.status).toBe(200);
    expect(info.json()).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), offline: true, openAiKey: 'server', runtimeMcp: true, toolLimits: { maxTools: 12, maxTokens: expect.any(Number) }, approvalMode: 'auto' });
    expect((await h.request('/info', { headers: { authorization: '' } })).status).toBe(401);
    expect((await h.request('/info', { headers: { origin: 'https://evil.example' } })).status).toBe(403);
    expect(info.text).not.toContain(h.sim.httpUrl);
  });

  it('says openAiKey "browser" and offline false for a serve that takes the page key and talks to a remote OpenAI', async () => {
    const serve = await startServe({ port: 0, accessToken: TEST_TOKEN, openAiKeyFromBrowser: true, openaiBaseUrl: 'https://openai.invalid/v1', runtimeMcp: { enabled: true } });
    closeAfterTest(serve);
    const info = await fetch(`${serve.url}/info`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    expect(await info.json()).toMatchObject({ offline: false, openAiKey: 'browser', runtimeMcp: true, approvalMode: 'never' });
  });
});

describe('openAiKeyFromBrowser', () => {
  it('uses the X-OpenAI-Key of POST /call for that session (REST and sideband), and the key is in no answer, log line or event', async () => {
    // The simulator checks keys: it knows only the page's.
    const h = await harness({ apiKey: PAGE_KEY, script: ONE_CALL, serve: { apiKey: undefined, openAiKeyFromBrowser: true } });
    expect((await h.request('/info')).json().openAiKey).toBe('browser');
    const offer = h.offer();
    const call = await h.request('/call', json({ sdp: offer }, { 'x-openai-key': PAGE_KEY }));
    expect(call.status).toBe(201);
    const { sessionId, callId } = call.json();
    h.speak(offer);
    const events = await followEvents(h.serve.url, sessionId, (event) => event.event === 'toolCall.ended');
    expect(JSON.parse(events.at(-1)!.data).data.code).toBe('ok');
    expect(await h.callSession(callId).run!.done).toEqual({ ok: true, steps: 2 });
    expect(h.outputsOf(callId).map((output) => output.channel)).toEqual(['sideband']);
    // POST /session with it too: the simulator minted the ek_ key with the page's key.
    const session = await h.request('/session', json({}, { 'x-openai-key': PAGE_KEY }));
    expect(session.status).toBe(201);
    // A wrong key is the simulator's refusal, relayed.
    const wrong = await h.request('/session', json({}, { 'x-openai-key': 'sk-other-key-1' }));
    expect([wrong.status, wrong.json().error.code]).toEqual([502, 'realtime_api_error']);
    const malformed = await h.request('/session', json({}, { 'x-openai-key': 'two words' }));
    expect([malformed.status, malformed.json().error.code]).toEqual([400, 'invalid_request']);
    await h.serve.close({ deadlineMs: 1_000 });
    for (const answer of h.answers) expect(JSON.stringify(answer)).not.toContain(PAGE_KEY);
    for (const event of events) expect(event.data).not.toContain(PAGE_KEY);
    expect(h.logs.length).toBeGreaterThan(0);
    for (const entry of h.logs) expect(entry.message).not.toContain(PAGE_KEY);
  });

  it('offline (the simulator as OpenAI) needs no key; against OpenAI a missing key is 401 openai_key_missing', async () => {
    // A simulator started without apiKey takes any key, as a local server does.
    const offline = await harness({ simulator: { apiKey: undefined }, serve: { apiKey: undefined, openAiKeyFromBrowser: true } });
    const created = await offline.request('/session', json({}));
    expect(created.status).toBe(201);
    const remote = await startServe({ port: 0, accessToken: TEST_TOKEN, openAiKeyFromBrowser: true, openaiBaseUrl: 'https://openai.invalid/v1', servers: [{ label: 'tools', url: offline.mcp.url }] });
    closeAfterTest(remote);
    const missing = await fetch(`${remote.url}/session`, json({}, { authorization: `Bearer ${TEST_TOKEN}` }));
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: { code: 'openai_key_missing', message: 'Failed to start a session: no OpenAI API key. Please enter your key.' } });
    const call = await fetch(`${remote.url}/call`, { method: 'POST', headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/sdp' }, body: offline.offer() });
    expect(call.status).toBe(401);
    expect(remote.app.sessions.size).toBe(0);
  });

  it('an OpenAI that quotes the page key back: serve relays the refusal without it', async () => {
    const echoing = await startKeyEchoingOpenAi();
    closeAfterTest(echoing);
    const h = await harness({ serve: { apiKey: undefined, openAiKeyFromBrowser: true, openaiBaseUrl: echoing.baseUrl } });
    const quoted = await h.request('/session', json({}, { 'x-openai-key': PAGE_KEY }));
    expect([quoted.status, quoted.json().error.code]).toEqual([502, 'realtime_api_error']);
    expect(quoted.json().error.message).toContain('Incorrect API key provided: <redacted>');
    expect(quoted.text).not.toContain(PAGE_KEY);
    for (const entry of h.logs) expect(entry.message).not.toContain(PAGE_KEY);
  });

  it('is refused at start with a key of its own, or bound to an address other machines reach', async () => {
    const refusal = async (run: () => Promise<unknown>) => {
      try {
        await run();
      } catch (error) {
        if (ProxyError.isInstance(error)) return error.message;
        throw error;
      }
      return 'started';
    };
    expect(await refusal(() => startServe({ port: 0, apiKey: 'sk-test-key', openAiKeyFromBrowser: true, runtimeMcp: { enabled: true } }))).toMatch(/^Failed to configure serve: openAiKeyFromBrowser is set and serve has a key of its own\. Please/);
    expect(await refusal(() => startServe({ port: 0, host: '0.0.0.0', openAiKeyFromBrowser: true, runtimeMcp: { enabled: true } }))).toMatch(/^Failed to configure serve: openAiKeyFromBrowser .* serve binds 0\.0\.0\.0.*Please bind 127\.0\.0\.1/);
    expect(await refusal(() => startServe({ port: 0, runtimeMcp: { enabled: true } }))).toMatch(/there is no OpenAI API key/);
  });
});

describe('POST /session callsUrl', () => {
  it('answers where the page posts its offer with the client secret: the OpenAI base URL\'s /realtime/calls', async () => {
    const h = await harness();
    const created = await h.request('/session', json({}));
    expect(created.json()).toMatchObject({ clientSecret: expect.stringMatching(/^ek_/), sessionId: expect.stringMatching(/^s_/), callsUrl: `${h.sim.httpUrl}/v1/realtime/calls` });
    // The page can do just that.
    const answer = await fetch(created.json().callsUrl, { method: 'POST', headers: { authorization: `Bearer ${created.json().clientSecret}`, 'content-type': 'application/sdp' }, body: h.offer() });
    expect(answer.status).toBe(201);
  });
});

describe('GET /events for the page', () => {
  it('forwards the decoded server events (no audio) and session.ended, and keeps them readable after the end', async () => {
    const h = await harness({ script: ONE_CALL, serve: { events: { capacity: 5000 } } });
    const offer = h.offer();
    const { sessionId, callId } = (await h.request('/call', json({ sdp: offer }))).json();
    h.speak(offer);
    await followEvents(h.serve.url, sessionId, (event) => event.event === 'toolCall.ended');
    expect(await h.callSession(callId).run!.done).toEqual({ ok: true, steps: 2 });
    await h.serve.app.sessions.get(sessionId)!.close('test_done');
    // The session ended: its events are still there, until session.ended.
    const events = await followEvents(h.serve.url, sessionId, (event) => event.event === 'session.ended');
    const shown = events.map((event) => JSON.parse(event.data) as { id: number; type: string; at: number; data: { type?: string } });
    expect(shown.every((event, index) => event.type === events[index]!.event && String(event.id) === events[index]!.id && typeof event.at === 'number')).toBe(true);
    const server = shown.filter((event) => event.type === 'realtime.event').map((event) => event.data.type);
    expect(server).toEqual(expect.arrayContaining(['session.updated', 'response.output_item.done']));
    expect(server.some((type) => type?.includes('audio.delta'))).toBe(false);
    expect(shown.at(-1)).toMatchObject({ type: 'session.ended', data: { sessionId, reason: 'test_done' } });
  });
});

describe('with the proxy\'s realtime.sent, setAllowedTools and ReplayOptions.onProxy', () => {
  it('GET /events forwards the client events the proxy sent', async () => {
    const h = await harness({ script: ONE_CALL });
    const offer = h.offer();
    const { sessionId } = (await h.request('/call', json({ sdp: offer }))).json();
    h.speak(offer);
    const events = await followEvents(h.serve.url, sessionId, (event) => event.event === 'toolCall.ended');
    const sent = events.filter((event) => event.event === 'realtime.sent').map((event) => JSON.parse(event.data).data.type as string);
    expect(sent).toEqual(expect.arrayContaining(['session.update', 'conversation.item.create']));
  });

  it('POST /replays forwards the replayed proxy\'s events like a live session\'s (ReplayOptions.onProxy)', async () => {
    const h = await harness();
    const recording = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'recordings', 'single-call.jsonl'), 'utf8');
    const { sessionId } = (await h.request('/replays?mode=fast', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: recording })).json();
    const events = await followEvents(h.serve.url, sessionId, (event) => event.event === 'session.ended');
    const types = new Set(events.map((event) => event.event));
    for (const type of ['session.ready', 'toolCall.started', 'toolCall.ended', 'inspect', 'realtime.event', 'realtime.sent', 'replay.ended']) expect(types).toContain(type);
  });

  it('POST /sessions/:id/tools changes a live session\'s tools through the proxy (one session.update) and answers the function names offered now', async () => {
    const h = await harness({ script: [{ user: 'Hi' }] });
    const offer = h.offer();
    const { sessionId, callId } = (await h.request('/call', json({ sdp: offer }))).json();
    const changed = await h.request(`/sessions/${sessionId}/tools`, json({ allowedTools: ['tools/get_forecast'] }));
    expect(changed.status).toBe(200);
    expect(changed.json()).toEqual({ sessionId, tools: ['get_forecast'] });
    const updates = () => h.callSession(callId).clientEvents.filter((event) => event.type === 'session.update') as unknown as Array<{ session: { tools?: Array<{ name: string }> } }>;
    await expect.poll(() => updates().at(-1)?.session.tools?.map((tool) => tool.name)).toEqual(['get_forecast']);
    const unknown = await h.request(`/sessions/${sessionId}/tools`, json({ allowedTools: ['tools/get_forcast'] }));
    expect([unknown.status, unknown.json().error.code]).toEqual([400, 'invalid_request']);
    expect(unknown.json().error.message).toContain('get_forecast');
  });
});

describe('POST /sessions/:id/tools', () => {
  it('refuses hostile bodies, unknown and ended sessions, and tools past the server\'s allowlist', async () => {
    const h = await harness({ serve: { allowedTools: ['tools/get_forecast'] } });
    const { sessionId } = (await h.request('/session', json({}))).json();
    const answers = await Promise.all([
      h.request(`/sessions/${sessionId}/tools`, json({ allowedTools: 'tools/get_forecast' })),
      h.request(`/sessions/${sessionId}/tools`, json({ allowedTools: [1] })),
      h.request(`/sessions/${sessionId}/tools`, json({ allowedTools: [], extra: true })),
      h.request(`/sessions/${sessionId}/tools`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"allowedTools":' }),
      h.request(`/sessions/${sessionId}/tools`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }),
      h.request(`/sessions/${sessionId}/tools`, json({ allowedTools: Array.from({ length: 300 }, (_, i) => `tools/t${i}`) })),
      h.request(`/sessions/${sessionId}/tools`, json({ allowedTools: ['tools/send.email'] })),
      h.request(`/sessions/${sessionId}/tools`, json({ allowedTools: ['tools/get_forecast'] })),
      h.request('/sessions/s_nope/tools', json({ allowedTools: [] })),
      h.request(`/sessions/${sessionId}/tools`, { ...json({ allowedTools: [] }), headers: { 'content-type': 'application/json', authorization: '' } }),
    ]);
    expect(answers.map((answer) => [answer.status, answer.json().error?.code])).toEqual([
      [400, 'invalid_request'],
      [400, 'invalid_request'],
      [400, 'invalid_request'],
      [400, 'invalid_request'],
      [415, 'unsupported_media_type'],
      [400, 'invalid_request'],
      [400, 'invalid_request'],
      // Pending: not attached yet.
      [409, 'session_not_live'],
      [404, 'not_found'],
      [401, 'unauthorized'],
    ]);
    expect(answers[6]!.json().error.message).toMatch(/^Failed to change the tools: "tools\/send\.email" is not among the tools this server allows\. Please/);
  });
});
