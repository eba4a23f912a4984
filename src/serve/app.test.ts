/**
 * Every route of serve over real HTTP (startServe on 127.0.0.1) with its default OpenAI side (the
 * library's REST client and sideband transport) against the Realtime simulator (client secrets,
 * calls, SIP webhooks, the sideband; fake media peers, no WebRTC), and a real MCP server.
 */
import { describe, expect, it, vi } from 'vitest';
import { FAKE_ANSWER_SDP } from '../../harness/simulator/fakePeer.js';
import type { SimulatorConnection } from '../../harness/simulator/index.js';
import { ONE_CALL, postJson as json, serveHarnessPerTest, followEvents, payload, startKeyEchoingOpenAi, TEST_KEY, TEST_TOKEN } from '../../test/support/serveHarness.js';

const { harness, closeAfterTest } = serveHarnessPerTest();


describe('GET /healthz', () => {
  it('answers without a token, and says nothing else', async () => {
    const h = await harness();
    const response = await fetch(`${h.serve.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });
});

describe('the access token and the Origin allowlist', () => {
  it('refuses no token and a wrong token alike (401), and a foreign Origin (403), before the route runs', async () => {
    const h = await harness({ serve: { allowedOrigins: ['http://localhost:5173'] } });
    const none = await h.request('/tools', { headers: { authorization: '' } });
    const wrong = await h.request('/tools', { headers: { authorization: 'Bearer not-the-token-0000000' } });
    const lowercase = await h.request('/tools', { headers: { authorization: `bearer ${TEST_TOKEN}` } });
    const foreign = await h.request('/tools', { headers: { origin: 'https://evil.example' } });
    expect([none.status, wrong.status, lowercase.status, foreign.status]).toEqual([401, 401, 200, 403]);
    expect(none.text).toBe(wrong.text);
    expect(none.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringMatching(/^Failed to authenticate the request: .*\. Please send Authorization: Bearer/) } });
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="realtime-mcp-proxy"');
    expect(foreign.json().error.code).toBe('forbidden_origin');
    for (const refused of [none, wrong, foreign]) expect(refused.text).not.toContain(TEST_TOKEN);
    // A foreign page cannot even learn whether the token is right.
    expect((await h.request('/tools', { headers: { origin: 'https://evil.example', authorization: 'Bearer x' } })).status).toBe(403);
  });

  it('answers the CORS preflight of an allowed origin only, and exposes the headers a browser needs', async () => {
    const h = await harness({ serve: { allowedOrigins: ['http://localhost:5173'] } });
    const preflight = await fetch(`${h.serve.url}/call`, { method: 'OPTIONS', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Authorization');
    const refused = await fetch(`${h.serve.url}/call`, { method: 'OPTIONS', headers: { origin: 'http://localhost:5174', 'access-control-request-method': 'POST' } });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    const allowed = await h.request('/tools', { headers: { origin: 'http://localhost:5173' } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-expose-headers')).toBe('Location, X-Session-Id, Retry-After, X-Recording-Truncated');
  });
});

describe('limits', () => {
  it('refuses a body over the limit with 413, whether it says its length or not', async () => {
    const h = await harness({ serve: { limits: { bodyBytes: 4096 } } });
    const big = `${h.offer()}${'a=x\r\n'.repeat(2000)}`;
    const told = await h.request('/call', { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: big });
    const streamed = await h.request('/call', {
      method: 'POST',
      headers: { 'content-type': 'application/sdp' },
      body: new ReadableStream({ start: (controller) => (controller.enqueue(new TextEncoder().encode(big)), controller.close()) }),
      duplex: 'half',
    } as RequestInit);
    expect([told.status, streamed.status]).toEqual([413, 413]);
    expect(told.json().error.code).toBe('payload_too_large');
    expect(h.sim.calls).toEqual([]);
  });

  it('refuses a client past its rate with 429 and Retry-After', async () => {
    const h = await harness({ serve: { limits: { requestsPerMinute: 6, burst: 3 } } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await h.request('/tools')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = h.answers.at(-1)!;
    expect(JSON.parse(limited.body).error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Health checks are not counted.
    expect((await fetch(`${h.serve.url}/healthz`)).status).toBe(200);
  });
});

describe('GET /tools', () => {
  it('lists the catalog for a tool picker: names, server, schema, annotations, renames with why', async () => {
    const h = await harness({ serve: { allowedTools: ['tools/get_forecast'] } });
    const tools = (await h.request('/tools')).json();
    expect(tools.servers).toEqual([{ label: 'tools', source: 'config', listed: true }]);
    expect(tools.tools).toEqual([
      { functionName: 'get_forecast', server: 'tools', mcpName: 'get_forecast', description: 'The forecast for a city.', inputSchema: { type: 'object', properties: { city: { type: 'string' } } }, annotations: { readOnlyHint: true }, offered: true },
      {
        functionName: 'send_email',
        server: 'tools',
        mcpName: 'send.email',
        description: 'Sends an email.',
        inputSchema: { type: 'object', properties: { to: { type: 'string' } } },
        offered: false,
        renamed: expect.stringContaining('characters Realtime function names do not allow'),
        leftOut: 'Left out: not in the allowed tools (the allowlist or the tools picked).',
      },
    ]);
    expect(tools.dropped).toEqual([]);
  });
});

describe('POST /session and POST /sessions/:id/attach', () => {
  it('mints an ephemeral key for the configured session; the browser calls with it; the sideband attaches and serves the tool calls', async () => {
    let now = 1_800_000_000_000;
    const h = await harness({
      script: ONE_CALL,
      serve: { instructions: 'Be brief.', session: { audio: { output: { voice: 'marin' } } }, clientSecretTtlSeconds: 120 },
      simulator: { clientSecretClock: () => now },
    });
    const created = await h.request('/session', json({}));
    expect(created.status).toBe(201);
    const { clientSecret, expiresAt, sessionId } = created.json();
    expect(clientSecret).toMatch(/^ek_[A-Za-z0-9]{32}$/);
    // The simulator's expiry, from serve's TTL, on the simulator's clock.
    expect(expiresAt).toBe(now / 1000 + 120);
    expect(sessionId).toMatch(/^s_[A-Za-z0-9_-]{32}$/);
    expect(created.text).not.toContain(TEST_KEY);

    // The browser makes the call with the ek_ key alone: the key's session is serve's config.
    const browser = await h.browserCall(clientSecret);
    const initial = sessionCreated(h.callSession(browser.callId));
    expect(initial).toMatchObject({ type: 'realtime', model: 'gpt-realtime', instructions: 'Be brief.', audio: { output: { voice: 'marin' } } });
    expect(initial.tools.map((tool) => tool.name)).toEqual(['get_forecast', 'send_email']);

    const attached = await h.request(`/sessions/${sessionId}/attach`, json({ callId: browser.callId }));
    expect(attached.status).toBe(200);
    expect(attached.json()).toEqual({ sessionId, callId: browser.callId, state: 'live' });
    expect(h.sim.calls.map((entry) => [entry.id, entry.status, entry.sidebands])).toEqual([[browser.callId, 'active', 1]]);
    h.speak(browser.offer);
    const events = await followEvents(h.serve.url, sessionId, (event) => event.event === 'toolCall.ended');
    const ended = payload(events.at(-1)!);
    expect(ended.data).toMatchObject({ functionName: 'get_forecast', code: 'ok' });
    expect(h.mcp.callLog.map((entry) => entry.tool)).toEqual(['get_forecast']);
    const call = h.callSession(browser.callId);
    expect(await call.run!.done).toEqual({ ok: true, steps: 2 });
    // Everything the session got came over the sideband (the browser sent nothing): the session
    // update without audio or model, the one output, then the follow-up.
    expect(new Set(call.clientEventLog.map((entry) => entry.channel))).toEqual(new Set(['sideband']));
    const update = call.clientEvents.find((event) => event.type === 'session.update') as unknown as { session: Record<string, unknown> };
    expect(update.session).not.toHaveProperty('audio');
    expect(update.session).not.toHaveProperty('model');
    expect(h.outputsOf(browser.callId)).toEqual([{ channel: 'sideband', callId: ended.data.callId, output: expect.stringContaining('Paris') }]);
    expect(call.clientEvents.at(-1)!.type).toBe('response.create');
    expect(events.map((event) => event.event)).toEqual(expect.arrayContaining(['session.created', 'session.attached', 'session.ready', 'toolCall.started', 'inspect']));

    const again = await h.request(`/sessions/${sessionId}/attach`, json({ callId: browser.callId }));
    expect(again.status).toBe(409);
    expect((await h.request('/sessions/s_unknown/attach', json({ callId: browser.callId }))).status).toBe(404);
    expect((await h.request(`/sessions/${sessionId}/attach`, json({ callId: '../../etc' }))).status).toBe(400);
    // Past its TTL the key starts no call.
    now += 121_000;
    await expect(h.browserCall(clientSecret)).rejects.toMatchObject({ code: 'realtime_api_error', data: { status: 401 } });
  });

  it('a session attached to a call OpenAI does not know answers 502 and ends', async () => {
    const h = await harness();
    const { sessionId } = (await h.request('/session', json({}))).json();
    const unknown = 'rtc_0123456789abcdef0123456789abcdef';
    const attached = await h.request(`/sessions/${sessionId}/attach`, json({ callId: unknown }));
    expect([attached.status, attached.json().error.code]).toEqual([502, 'session_failed']);
    expect(attached.json().error.message).toMatch(/^Failed to attach the server to the call: the Realtime service refused .*\(connect_failed\)\. Please check that the call is still live/);
    expect(attached.json().error.message).not.toContain('ws://');
    expect(h.logs.some((entry) => entry.level === 'error' && /Unexpected server response: 404/.test(entry.message))).toBe(true);
    expect(h.serve.app.sessions.size).toBe(0);
    expect(h.sim.calls).toEqual([]);
    // serve hangs the call up all the same; the simulator does not know it either, and the log says so once.
    const hangup = await vi.waitFor(() => {
      const line = h.logs.find((entry) => entry.message.includes('hang up'));
      if (line === undefined) throw new Error('no hang-up line yet');
      return line;
    });
    expect(hangup).toEqual({ level: 'warn', message: expect.stringMatching(new RegExp(`^Failed to hang up call ${unknown}: OpenAI answered 404 \\(call_id_not_found\\)`)) });
    expect(hangup.message.match(/Failed to/g)).toHaveLength(1);
  });

  it('relays a refusal by OpenAI as 502 with its message redacted, and keeps no session', async () => {
    // A wrong key: the simulator refuses it as the API does.
    const wrongKey = await harness({ serve: { apiKey: 'sk-wrong-key' } });
    const refused = await wrongKey.request('/session', json({}));
    expect([refused.status, refused.json().error.code]).toEqual([502, 'realtime_api_error']);
    expect(refused.json().error.message).toMatch(/^Failed to create the client secret: OpenAI answered 401 \(invalid_api_key\)/);
    expect(wrongKey.serve.app.sessions.size).toBe(0);
    // An OpenAI that quotes the key back in its refusal: serve relays the message without it.
    const echoing = await startKeyEchoingOpenAi();
    closeAfterTest(echoing);
    const h = await harness({ serve: { openaiBaseUrl: echoing.baseUrl } });
    const quoted = await h.request('/session', json({}));
    expect([quoted.status, quoted.json().error.code]).toEqual([502, 'realtime_api_error']);
    expect(echoing.requests).toEqual(['POST /v1/realtime/client_secrets']);
    expect(quoted.json().error.message).toContain('Incorrect API key provided: <redacted>');
    expect(quoted.text).not.toContain(TEST_KEY);
    expect(h.serve.app.sessions.size).toBe(0);
  });
});

describe('POST /call', () => {
  it('relays an application/sdp offer: the SDP answer, Location with the call id and X-Session-Id, then the sideband serves the call', async () => {
    const h = await harness({ script: ONE_CALL, serve: { instructions: 'Be brief.' } });
    const offer = h.offer();
    const answer = await h.request('/call', { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: offer });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('content-type')).toBe('application/sdp');
    expect(answer.text).toBe(FAKE_ANSWER_SDP);
    const [call] = h.sim.calls;
    expect(call).toMatchObject({ kind: 'webrtc', status: 'active', sidebands: 1 });
    expect(call!.id).toMatch(/^rtc_[0-9a-f]{32}$/);
    expect(answer.headers.get('location')).toBe(`/calls/${call!.id}`);
    const sessionId = answer.headers.get('x-session-id')!;
    // The offer reached the media peer as the browser made it, and the session config went with it
    // (the unified interface: multipart sdp + session), tools included.
    expect(h.peerFor(offer).offerSdp).toBe(offer);
    const initial = sessionCreated(h.callSession(call!.id));
    expect(initial).toMatchObject({ model: 'gpt-realtime', instructions: 'Be brief.' });
    expect(initial.tools.map((tool) => tool.name)).toEqual(['get_forecast', 'send_email']);
    h.speak(offer);
    const events = await followEvents(h.serve.url, sessionId, (event) => event.event === 'toolCall.ended');
    const ended = payload(events.at(-1)!);
    expect(ended.data.code).toBe('ok');
    expect(await h.callSession(call!.id).run!.done).toEqual({ ok: true, steps: 2 });
    expect(h.outputsOf(call!.id)).toEqual([{ channel: 'sideband', callId: ended.data.callId, output: expect.stringContaining('Paris') }]);
  });

  it('answers a JSON offer with JSON, and refuses what is not an offer', async () => {
    const h = await harness();
    const answer = await h.request('/call', json({ sdp: h.offer() }));
    expect(answer.status).toBe(201);
    expect(answer.json()).toEqual({ sdp: FAKE_ANSWER_SDP, callId: h.sim.calls[0]!.id, sessionId: expect.stringMatching(/^s_/) });
    const refusals = await Promise.all([
      h.request('/call', json({ sdp: 'hello' })),
      h.request('/call', json({ sdp: h.offer(), extra: 1 })),
      h.request('/call', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: h.offer() }),
      h.request('/call', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sdp":' }),
    ]);
    expect(refusals.map((refusal) => [refusal.status, refusal.json().error.code])).toEqual([
      [400, 'invalid_request'],
      [400, 'invalid_request'],
      [415, 'unsupported_media_type'],
      [400, 'invalid_request'],
    ]);
    expect(h.sim.calls).toHaveLength(1);
  });
});

describe('POST /approvals/:id', () => {
  it('routes an answer to the session that asked; the approved call runs; an unknown id is 404', async () => {
    const h = await harness({ script: ONE_CALL, serve: { approval: { mode: 'always' } } });
    const offer = h.offer();
    const { sessionId, callId } = (await h.request('/call', json({ sdp: offer }))).json();
    h.speak(offer);
    const asked = await followEvents(h.serve.url, sessionId, (event) => event.event === 'approval.requested');
    const { approvalId } = payload(asked.at(-1)!).data;
    // Nothing ran before the answer.
    expect(h.mcp.callLog).toEqual([]);
    expect(h.outputsOf(callId)).toEqual([]);
    expect((await h.request('/approvals/apr_unknown', json({ approved: true }))).status).toBe(404);
    expect((await h.request(`/approvals/${approvalId}`, json({ approved: 'yes' }))).status).toBe(400);
    const answered = await h.request(`/approvals/${approvalId}`, json({ approved: true, reason: 'fine' }));
    expect(answered.status).toBe(200);
    expect(answered.json()).toEqual({ approvalId, sessionId, approved: true });
    const events = await followEvents(h.serve.url, sessionId, (event) => event.event === 'toolCall.ended');
    expect(payload(events.at(-1)!).data.code).toBe('ok');
    expect(payload(events.find((event) => event.event === 'approval.settled')!).data.decision).toBe('approved');
    expect(await h.callSession(callId).run!.done).toEqual({ ok: true, steps: 2 });
    expect(h.outputsOf(callId).map((output) => output.channel)).toEqual(['sideband']);
    // Answered once: a second answer finds nobody waiting.
    expect((await h.request(`/approvals/${approvalId}`, json({ approved: false }))).status).toBe(404);
  });
});

describe('GET /events', () => {
  it('refuses a malformed or unknown session id', async () => {
    const h = await harness();
    expect((await h.request('/events?session=a/b')).status).toBe(400);
    expect((await h.request('/events')).status).toBe(400);
    expect((await h.request('/events?session=s_nope')).status).toBe(404);
  });
});

describe('run-time MCP servers', () => {
  const refused = ['http://127.0.0.1:9/mcp', 'http://10.0.0.8/mcp', 'http://169.254.169.254/latest/meta-data', 'http://[::1]:9/mcp', 'http://localhost:9/mcp', 'http://[::ffff:7f00:1]:9/mcp'];

  it('are refused when serve does not take them, and when they point at a loopback, private, link-local or metadata address', async () => {
    const off = await harness();
    const disabled = await off.request('/session', json({ mcpServers: [{ label: 'mine', url: 'https://mcp.example.com/mcp' }] }));
    expect([disabled.status, disabled.json().error.code]).toEqual([403, 'runtime_mcp_disabled']);
    const on = await harness({ serve: { runtimeMcp: { enabled: true } } });
    for (const url of refused) {
      for (const route of ['/session', '/call', '/tools']) {
        const answer = await on.request(route, json({ mcpServers: [{ label: 'mine', url }], ...(route === '/call' ? { sdp: on.offer() } : {}) }));
        expect([route, url, answer.status, answer.json().error.code]).toEqual([route, url, 403, 'mcp_url_refused']);
        expect(answer.json().error.message).toMatch(/^Failed to use MCP server "mine": .*(is|,) a (loopback|private|link-local) address.*\. Please /);
      }
    }
    // Refused before OpenAI heard of it: no client secret, no call.
    expect(on.sim.log.filter((line) => line.includes('client secret issued'))).toEqual([]);
    expect(on.sim.calls).toEqual([]);
    expect(on.serve.app.sessions.size).toBe(0);
  });

  it('an allowed server is listed for the picker, its picked tools are offered, and its headers never come back', async () => {
    const h = await harness({ script: ONE_CALL, serve: { runtimeMcp: { enabled: true, allowAddresses: ['127.0.0.1/32'] } } });
    const mine = { label: 'mine', url: h.mcp.url, headers: { 'X-Api-Key': 'runtime-header-secret-42' } };
    const listed = await h.request('/tools', json({ mcpServers: [mine] }));
    expect(listed.status).toBe(200);
    expect(listed.json().servers).toEqual([
      { label: 'tools', source: 'config', listed: true },
      { label: 'mine', source: 'request', listed: true },
    ]);
    // Both servers list the same names: the catalog hashes them apart, as the session will.
    expect(listed.json().tools.map((tool: { server: string; mcpName: string }) => `${tool.server}/${tool.mcpName}`)).toEqual(['tools/get_forecast', 'tools/send.email', 'mine/get_forecast', 'mine/send.email']);
    const created = await h.request('/session', json({ mcpServers: [mine], tools: ['mine/get_forecast'] }));
    expect(created.status).toBe(201);
    // The key's session, as the browser's call gets it: the picked tool only.
    const browser = await h.browserCall(created.json().clientSecret);
    const offered = sessionCreated(h.callSession(browser.callId)).tools;
    expect(offered).toHaveLength(1);
    expect(offered[0]!.name).toMatch(/^get_forecast/);
    expect(h.mcp.requests.some((request) => request.headers['x-api-key'] === 'runtime-header-secret-42')).toBe(true);
    const unknownPick = await h.request('/session', json({ mcpServers: [mine], tools: ['mine/nope'] }));
    expect([unknownPick.status, unknownPick.json().error.code]).toEqual([400, 'invalid_request']);
    const taken = await h.request('/session', json({ mcpServers: [{ ...mine, label: 'tools' }] }));
    expect(taken.status).toBe(400);
    for (const answer of h.answers) expect(JSON.stringify(answer)).not.toContain('runtime-header-secret-42');
  });
});

describe('POST /webhooks/openai', () => {
  const SECRET = 'whsec_dGVzdC13ZWJob29rLXNlY3JldC0wMDAx';

  it('accepts a signed incoming call, attaches the sideband and serves its tool call; a redelivery does nothing', async () => {
    const h = await harness({ script: ONE_CALL, serve: { webhook: { secret: SECRET } } });
    const relay = await h.webhookRelay();
    const placed = await h.sim.placeSipCall({ webhookUrl: relay.url, webhookSecret: SECRET, from: 'sip:+15550123@carrier.example.com' });
    expect(placed.webhook.response).toMatchObject({ status: 200 });
    const { sessionId, accepted } = JSON.parse(relay.deliveries[0]!.answer.body) as { sessionId: string; accepted: boolean };
    expect(accepted).toBe(true);
    // Accepted before the answer, with serve's session config.
    expect(h.sim.calls).toEqual([expect.objectContaining({ id: placed.callId, kind: 'sip', status: 'active' })]);
    expect(h.callSession(placed.callId).model).toBe('gpt-realtime');
    const events = await followEvents(h.serve.url, sessionId, (event) => event.event === 'toolCall.ended');
    const ended = payload(events.at(-1)!);
    expect(ended.data.code).toBe('ok');
    const call = h.callSession(placed.callId);
    expect(await call.run!.done).toEqual({ ok: true, steps: 2 });
    // The session the call was accepted with (what the sideband first saw): serve's tools.
    expect(sessionCreated(call).tools.map((tool) => tool.name)).toEqual(['get_forecast', 'send_email']);
    expect(h.outputsOf(placed.callId)).toEqual([{ channel: 'sideband', callId: ended.data.callId, output: expect.stringContaining('Paris') }]);
    // OpenAI delivers the same webhook again: answered, not acted on.
    const { headers, body } = relay.deliveries[0]!;
    const again = await fetch(`${h.serve.url}/webhooks/openai`, { method: 'POST', headers, body });
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    expect(h.sim.calls.map((entry) => [entry.status, entry.sidebands])).toEqual([['active', 1]]);
    expect(h.serve.app.sessions.size).toBe(1);
  });

  it('refuses a bad signature or a stale timestamp with 400 and does nothing; rejects calls the SIP policy refuses', async () => {
    const h = await harness({ serve: { webhook: { secret: SECRET, sip: { deny: [{ header: 'From', pattern: '\\+1555000' }] } } } });
    const webhookUrl = `${h.serve.url}/webhooks/openai`;
    const forged = await h.sim.placeSipCall({ webhookUrl, webhookSecret: SECRET, badSignature: true });
    const stale = await h.sim.placeSipCall({ webhookUrl, webhookSecret: SECRET, timestampOffsetSeconds: -3600 });
    for (const { webhook } of [forged, stale]) {
      const answer = webhook.response as { status: number; body: string };
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body).error.code).toBe('webhook_invalid');
    }
    const noHeaders = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'realtime.call.incoming', data: { call_id: forged.callId } }) });
    expect(noHeaders.status).toBe(400);
    // Neither accepted nor rejected: they still ring.
    expect(h.sim.calls.map((call) => [call.id, call.status, call.sidebands])).toEqual([
      [forged.callId, 'incoming', 0],
      [stale.callId, 'incoming', 0],
    ]);
    const denied = await h.sim.placeSipCall({ webhookUrl, webhookSecret: SECRET, from: 'sip:+15550001111@example.com' });
    expect(JSON.parse((denied.webhook.response as { body: string }).body)).toEqual({ received: true, accepted: false });
    expect(h.sim.calls.find((call) => call.id === denied.callId)).toMatchObject({ status: 'rejected', rejectedWith: 603, sidebands: 0 });
    expect(h.serve.app.sessions.size).toBe(0);
  });

  it('is 404 when no webhook secret is configured', async () => {
    const h = await harness();
    const placed = await h.sim.placeSipCall({ webhookUrl: `${h.serve.url}/webhooks/openai`, webhookSecret: SECRET });
    expect(placed.webhook.response).toMatchObject({ status: 404 });
    expect(h.sim.calls.map((call) => call.status)).toEqual(['incoming']);
  });
});

/** The session a call started with (its first `session.created`). */
function sessionCreated(call: SimulatorConnection): { tools: Array<{ name: string }>; [field: string]: unknown } {
  const created = call.serverEvents.find((event) => event.type === 'session.created') as { session: { tools: Array<{ name: string }> } } | undefined;
  if (created === undefined) throw new Error(`session ${call.index} sent no session.created`);
  return created.session;
}
