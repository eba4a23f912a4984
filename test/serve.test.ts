/**
 * serve as a whole: several sessions at once, each with its own sideband and tool calls; the
 * session cap; a graceful shutdown with a tool call in flight (the call finishes, its output and
 * the follow-up reach the Realtime side, then the server closes), and one whose deadline passes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OFFER_SDP } from './support/fakeOpenAi.js';
import { followEvents, payload, startServeHarness, type ServeHarness, type ServeHarnessOptions } from './support/serveHarness.js';

const opened: ServeHarness[] = [];
afterEach(async () => {
  for (const harness of opened.splice(0)) await harness.close();
});
async function harness(options: ServeHarnessOptions): Promise<ServeHarness> {
  const started = await startServeHarness(options);
  opened.push(started);
  return started;
}

const call = (h: ServeHarness) => h.request('/call', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sdp: OFFER_SDP }) });
const outputsOf = (h: ServeHarness, index: number) =>
  h.sim.sessions[index]!.clientEvents.flatMap((event) => (event.type === 'conversation.item.create' && event.item.type === 'function_call_output' ? [event.item] : []));

describe('concurrent sessions', () => {
  it('three calls at once each get their own sideband and their own tool call; a fourth past maxSessions is refused with 503', async () => {
    const h = await harness({
      script: [{ user: 'Weather?' }, { callTool: { name: 'get_forecast', arguments: { city: 'Oslo' } } }],
      serve: { limits: { maxSessions: 3 } },
    });
    const answers = await Promise.all([call(h), call(h), call(h)]);
    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201]);
    const ids = answers.map((answer) => answer.json().sessionId as string);
    expect(new Set(ids).size).toBe(3);
    expect(new Set(answers.map((answer) => answer.json().callId)).size).toBe(3);
    const full = await call(h);
    expect([full.status, full.json().error.code, full.headers.get('retry-after')]).toEqual([503, 'too_many_sessions', '5']);

    const ended = await Promise.all(ids.map((id) => followEvents(h.serve.url, id, (event) => event.event === 'toolCall.ended')));
    for (const events of ended) expect(payload(events.at(-1)!).data.code).toBe('ok');
    // Each connection's script passed its call step: it got the output and the response.create.
    expect(await Promise.all(h.sim.sessions.map((session) => session.run!.done))).toEqual(Array(3).fill({ ok: true, steps: 2 }));
    // Each sideband (one per call id) carried exactly its own output.
    expect(h.sim.sessions.map((session) => session.query.call_id).sort()).toEqual(['rtc_fake1', 'rtc_fake2', 'rtc_fake3']);
    const callIds = ended.map((events) => payload(events.at(-1)!).data.callId);
    for (let i = 0; i < 3; i += 1) {
      const outputs = outputsOf(h, i);
      expect(outputs).toHaveLength(1);
      expect(callIds).toContain(outputs[0]!.call_id);
    }
    expect(h.mcp.callLog).toHaveLength(3);
  });
});

describe('graceful shutdown', () => {
  it('with a tool call in flight: the call finishes, its output and the follow-up are sent, then the server closes', async () => {
    const h = await harness({
      tools: [{ name: 'slow_report', description: 'Takes a while.', faults: [{ kind: 'delay', ms: 400 }] }],
      script: [{ user: 'Report?' }, { callTool: { name: 'slow_report', arguments: {} } }, { wait: 60_000 }],
    });
    const sessionId = (await call(h)).json().sessionId as string;
    const stream = followEvents(h.serve.url, sessionId, (event) => event.event === 'session.ended');
    await followEvents(h.serve.url, sessionId, (event) => event.event === 'toolCall.started');
    expect(h.serve.app.sessions.get(sessionId)!.inFlightCalls).toBe(1);

    const result = await h.serve.close({ deadlineMs: 20_000 });
    expect(result).toEqual({ finished: true, abandonedCalls: 0 });
    expect(h.mcp.callLog.map((entry) => [entry.tool, entry.outcome])).toEqual([['slow_report', 'answered']]);
    const sent = h.sim.sessions[0]!.clientEvents.map((event) => event.type);
    expect(sent).toContain('conversation.item.create');
    expect(sent.at(-1)).toBe('response.create');
    // The stream saw the call end, then the session end; the call was hung up; nothing listens any more.
    const events = (await stream).map((event) => event.event);
    expect(events.indexOf('toolCall.ended')).toBeLessThan(events.indexOf('session.ended'));
    expect(payload((await stream).at(-1)!).data.reason).toBe('server_shutdown');
    expect(h.openai.requests.map((request) => request.path)).toContain('/v1/realtime/calls/rtc_fake1/hangup');
    await expect(fetch(`${h.serve.url}/healthz`)).rejects.toThrow();
  });

  it('past the deadline the call is abandoned and the server closes all the same', async () => {
    const h = await harness({
      tools: [{ name: 'stuck', description: 'Never answers.', faults: [{ kind: 'hang' }] }],
      script: [{ user: 'Go?' }, { callTool: { name: 'stuck', arguments: {}, reply: false } }, { wait: 60_000 }],
    });
    const sessionId = (await call(h)).json().sessionId as string;
    await followEvents(h.serve.url, sessionId, (event) => event.event === 'toolCall.started');
    const result = await h.serve.close({ deadlineMs: 300 });
    expect(result).toEqual({ finished: false, abandonedCalls: 1 });
    expect(h.serve.app.sessions.size).toBe(0);
    await expect(fetch(`${h.serve.url}/healthz`)).rejects.toThrow();
  });

  it('while draining, new sessions and calls get 503 and /healthz says so; approvals and events still answer', async () => {
    const h = await harness({});
    h.serve.app.drain();
    const refused = await call(h);
    expect([refused.status, refused.json().error.code]).toEqual([503, 'shutting_down']);
    const health = await fetch(`${h.serve.url}/healthz`);
    expect([health.status, await health.json()]).toEqual([503, { ok: false, draining: true }]);
    expect((await h.request('/tools')).status).toBe(200);
    expect((await h.request('/approvals/apr_1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"approved":true}' })).status).toBe(404);
  });
});
