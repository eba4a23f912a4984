/**
 * Every route of serve over real HTTP (startServe on 127.0.0.1), with a real MCP server, the
 * Realtime simulator as the sideband and a fake OpenAI REST side.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ANSWER_SDP, OFFER_SDP, signedWebhook } from '../../test/support/fakeOpenAi.js';
import { followEvents, payload, startServeHarness, TEST_KEY, TEST_TOKEN, type ServeHarness, type ServeHarnessOptions } from '../../test/support/serveHarness.js';

const opened: ServeHarness[] = [];
afterEach(async () => {
  for (const harness of opened.splice(0)) await harness.close();
});
async function harness(options: ServeHarnessOptions = {}): Promise<ServeHarness> {
  const started = await startServeHarness(options);
  opened.push(started);
  return started;
}

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const ONE_CALL = [{ user: 'Weather in Paris?' }, { callTool: { name: 'get_forecast', arguments: { city: 'Paris' } } }];

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
    expect(allowed.headers.get('access-control-expose-headers')).toBe('Location, X-Session-Id, Retry-After');
  });
});

describe('limits', () => {
  it('refuses a body over the limit with 413, whether it says its length or not', async () => {
    const h = await harness({ serve: { limits: { bodyBytes: 4096 } } });
    const big = `${OFFER_SDP}${'a=x\r\n'.repeat(2000)}`;
    const told = await h.request('/call', { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: big });
    const streamed = await h.request('/call', {
      method: 'POST',
      headers: { 'content-type': 'application/sdp' },
      body: new ReadableStream({ start: (controller) => (controller.enqueue(new TextEncoder().encode(big)), controller.close()) }),
      duplex: 'half',
    } as RequestInit);
    expect([told.status, streamed.status]).toEqual([413, 413]);
    expect(told.json().error.code).toBe('payload_too_large');
    expect(h.openai.requests).toEqual([]);
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
  it('mints an ephemeral key for the configured session, then attaches the sideband, which serves the tool calls', async () => {
    const h = await harness({ script: ONE_CALL, serve: { instructions: 'Be brief.', session: { audio: { output: { voice: 'marin' } } } } });
    const created = await h.request('/session', json({}));
    expect(created.status).toBe(201);
    const { clientSecret, expiresAt, sessionId } = created.json();
    expect(clientSecret).toBe('ek_test123');
    expect(expiresAt).toBe(1_900_000_000);
    expect(sessionId).toMatch(/^s_[A-Za-z0-9_-]{32}$/);
    const minted = h.openai.requests.find((request) => request.path === '/v1/realtime/client_secrets')!;
    expect(minted.headers.authorization).toBe(`Bearer ${TEST_KEY}`);
    const sent = JSON.parse(minted.body);
    expect(sent.expires_after).toEqual({ anchor: 'created_at', seconds: 600 });
    expect(sent.session).toMatchObject({ type: 'realtime', model: 'gpt-realtime', instructions: 'Be brief.', audio: { output: { voice: 'marin' } } });
    expect(sent.session.tools.map((tool: { name: string }) => tool.name)).toEqual(['get_forecast', 'send_email']);

    const attached = await h.request(`/sessions/${sessionId}/attach`, json({ callId: 'rtc_browser1' }));
    expect(attached.status).toBe(200);
    expect(attached.json()).toEqual({ sessionId, callId: 'rtc_browser1', state: 'live' });
    expect(h.sim.sessions[0]!.query.call_id).toBe('rtc_browser1');
    const events = await followEvents(h.serve.url, sessionId, (event) => event.event === 'toolCall.ended');
    const ended = payload(events.at(-1)!);
    expect(ended.data).toMatchObject({ functionName: 'get_forecast', code: 'ok' });
    expect(h.mcp.callLog.map((call) => call.tool)).toEqual(['get_forecast']);
    // The sideband carried the output; no audio or model change went over it.
    const update = h.sim.sessions[0]!.clientEvents.find((event) => event.type === 'session.update') as unknown as { session: Record<string, unknown> };
    expect(update.session).not.toHaveProperty('audio');
    expect(update.session).not.toHaveProperty('model');
    expect(await h.sim.done).toEqual({ ok: true, steps: 2 });
    expect(h.sim.sessions[0]!.clientEvents.some((event) => event.type === 'conversation.item.create' && event.item.type === 'function_call_output')).toBe(true);
    expect(events.map((event) => event.event)).toEqual(expect.arrayContaining(['session.created', 'session.attached', 'session.ready', 'toolCall.started', 'inspect']));

    const again = await h.request(`/sessions/${sessionId}/attach`, json({ callId: 'rtc_other' }));
    expect(again.status).toBe(409);
    expect((await h.request('/sessions/s_unknown/attach', json({ callId: 'rtc_x' }))).status).toBe(404);
    expect((await h.request(`/sessions/${sessionId}/attach`, json({ callId: '../../etc' }))).status).toBe(400);
  });

  it('relays a refusal by OpenAI as 502 with its redacted message, and keeps no session', async () => {
    const h = await harness();
    h.openai.failNext(/client_secrets/, 401, { error: { code: 'invalid_api_key', message: `Incorrect API key provided: ${TEST_KEY}.` } });
    const refused = await h.request('/session', json({}));
    expect(refused.status).toBe(502);
    expect(refused.json().error.code).toBe('realtime_api_error');
    expect(refused.text).not.toContain(TEST_KEY);
    expect(h.serve.app.sessions.size).toBe(0);
  });
});

describe('POST /call', () => {
  it('relays an application/sdp offer: the SDP answer, Location with the call id and X-Session-Id, then the sideband serves the call', async () => {
    const h = await harness({ script: ONE_CALL });
    const answer = await h.request('/call', { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: OFFER_SDP });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('content-type')).toBe('application/sdp');
    expect(answer.text).toBe(ANSWER_SDP);
    expect(answer.headers.get('location')).toBe('/calls/rtc_fake1');
    const sessionId = answer.headers.get('x-session-id')!;
    const created = h.openai.requests.find((request) => request.path === '/v1/realtime/calls')!;
    expect(created.headers['content-type']).toMatch(/^multipart\/form-data/);
    expect(created.body).toContain(OFFER_SDP.trim());
    expect(h.sim.sessions[0]!.query.call_id).toBe('rtc_fake1');
    const events = await followEvents(h.serve.url, sessionId, (event) => event.event === 'toolCall.ended');
    expect(payload(events.at(-1)!).data.code).toBe('ok');
  });

  it('answers a JSON offer with JSON, and refuses what is not an offer', async () => {
    const h = await harness();
    const answer = await h.request('/call', json({ sdp: OFFER_SDP }));
    expect(answer.status).toBe(201);
    expect(answer.json()).toEqual({ sdp: ANSWER_SDP, callId: 'rtc_fake1', sessionId: expect.stringMatching(/^s_/) });
    const refusals = await Promise.all([
      h.request('/call', json({ sdp: 'hello' })),
      h.request('/call', json({ sdp: OFFER_SDP, extra: 1 })),
      h.request('/call', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: OFFER_SDP }),
      h.request('/call', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sdp":' }),
    ]);
    expect(refusals.map((refusal) => [refusal.status, refusal.json().error.code])).toEqual([
      [400, 'invalid_request'],
      [400, 'invalid_request'],
      [415, 'unsupported_media_type'],
      [400, 'invalid_request'],
    ]);
    expect(h.openai.requests.filter((request) => request.path === '/v1/realtime/calls')).toHaveLength(1);
  });
});

describe('POST /approvals/:id', () => {
  it('routes an answer to the session that asked; the approved call runs; an unknown id is 404', async () => {
    const h = await harness({ script: ONE_CALL, serve: { approval: { mode: 'always' } } });
    const sessionId = (await h.request('/call', json({ sdp: OFFER_SDP }))).json().sessionId;
    const asked = await followEvents(h.serve.url, sessionId, (event) => event.event === 'approval.requested');
    const { approvalId } = payload(asked.at(-1)!).data;
    expect((await h.request('/approvals/apr_unknown', json({ approved: true }))).status).toBe(404);
    expect((await h.request(`/approvals/${approvalId}`, json({ approved: 'yes' }))).status).toBe(400);
    const answered = await h.request(`/approvals/${approvalId}`, json({ approved: true, reason: 'fine' }));
    expect(answered.status).toBe(200);
    expect(answered.json()).toEqual({ approvalId, sessionId, approved: true });
    const events = await followEvents(h.serve.url, sessionId, (event) => event.event === 'toolCall.ended');
    expect(payload(events.at(-1)!).data.code).toBe('ok');
    expect(events.find((event) => event.event === 'approval.settled') && payload(events.find((event) => event.event === 'approval.settled')!).data.decision).toBe('approved');
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
        const answer = await on.request(route, json({ mcpServers: [{ label: 'mine', url }], ...(route === '/call' ? { sdp: OFFER_SDP } : {}) }));
        expect([route, url, answer.status, answer.json().error.code]).toEqual([route, url, 403, 'mcp_url_refused']);
        expect(answer.json().error.message).toMatch(/^Failed to use MCP server "mine": .*(is|,) a (loopback|private|link-local) address.*\. Please /);
      }
    }
    expect(on.openai.requests).toEqual([]);
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
    const minted = JSON.parse(h.openai.requests.find((request) => request.path === '/v1/realtime/client_secrets')!.body);
    expect(minted.session.tools).toHaveLength(1);
    expect(minted.session.tools[0].name).toMatch(/^get_forecast/);
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
    const { body, headers } = signedWebhook(SECRET, { id: 'evt_1', callId: 'rtc_sip1' });
    const answer = await fetch(`${h.serve.url}/webhooks/openai`, { method: 'POST', headers, body });
    expect(answer.status).toBe(200);
    const { sessionId, accepted } = (await answer.json()) as { sessionId: string; accepted: boolean };
    expect(accepted).toBe(true);
    const accept = h.openai.requests.find((request) => request.path === '/v1/realtime/calls/rtc_sip1/accept')!;
    expect(JSON.parse(accept.body)).toMatchObject({ type: 'realtime', model: 'gpt-realtime' });
    const events = await followEvents(h.serve.url, sessionId, (event) => event.event === 'toolCall.ended');
    expect(payload(events.at(-1)!).data.code).toBe('ok');
    expect(h.sim.sessions[0]!.query.call_id).toBe('rtc_sip1');
    const again = await fetch(`${h.serve.url}/webhooks/openai`, { method: 'POST', headers, body });
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    expect(h.openai.requests.filter((request) => request.path.endsWith('/accept'))).toHaveLength(1);
  });

  it('refuses a bad signature or a stale timestamp with 400 and does nothing; rejects calls the SIP policy refuses', async () => {
    const h = await harness({ serve: { webhook: { secret: SECRET, sip: { deny: [{ header: 'From', pattern: '\\+1555000' }] } } } });
    const forged = signedWebhook('whsec_b3RoZXItc2VjcmV0LW9mLXRoZS1hdHRhY2tlcg==', { id: 'evt_forged' });
    const stale = signedWebhook(SECRET, { id: 'evt_stale' }, new Date(Date.now() - 3_600_000));
    for (const { body, headers } of [forged, stale]) {
      const answer = await fetch(`${h.serve.url}/webhooks/openai`, { method: 'POST', headers, body });
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('webhook_invalid');
    }
    const noHeaders = await fetch(`${h.serve.url}/webhooks/openai`, { method: 'POST', body: forged.body });
    expect(noHeaders.status).toBe(400);
    expect(h.openai.requests).toEqual([]);
    const denied = signedWebhook(SECRET, { id: 'evt_denied', callId: 'rtc_denied' });
    const answer = await fetch(`${h.serve.url}/webhooks/openai`, { method: 'POST', headers: denied.headers, body: denied.body });
    expect(await answer.json()).toEqual({ received: true, accepted: false });
    expect(h.openai.requests.map((request) => [request.path, request.body])).toEqual([['/v1/realtime/calls/rtc_denied/reject', '{"status_code":603}']]);
  });

  it('is 404 when no webhook secret is configured', async () => {
    const h = await harness();
    const { body, headers } = signedWebhook(SECRET, { id: 'evt_1' });
    expect((await fetch(`${h.serve.url}/webhooks/openai`, { method: 'POST', headers, body })).status).toBe(404);
  });
});
