/**
 * serve as a whole, with its default OpenAI side against the Realtime simulator (fake media peers):
 * several calls at once, each with its own sideband and tool calls; the session cap; a graceful
 * shutdown with a tool call in flight (the call finishes, its output and the follow-up reach the
 * call over the sideband, then the call is hung up and the server closes), and one whose deadline
 * passes.
 */
import { describe, expect, it } from 'vitest';
import { serveHarnessPerTest, followEvents, payload, type ServeHarness } from './support/serveHarness.js';

const { harness } = serveHarnessPerTest();

/** A browser's call through serve (POST /call, JSON); the caller speaks once it is up. */
async function call(h: ServeHarness) {
  const offer = h.offer();
  const answer = await h.request('/call', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sdp: offer }) });
  if (answer.status === 201) h.speak(offer);
  return answer;
}

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

    // The fourth never reached OpenAI.
    expect(h.sim.calls).toHaveLength(3);

    const ended = await Promise.all(ids.map((id) => followEvents(h.serve.url, id, (event) => event.event === 'toolCall.ended')));
    for (const events of ended) expect(payload(events.at(-1)!).data.code).toBe('ok');
    const callIds = answers.map((answer) => answer.json().callId as string);
    // Each call's script passed its call step: it got the output and the response.create.
    expect(await Promise.all(callIds.map((callId) => h.callSession(callId).run!.done))).toEqual(Array(3).fill({ ok: true, steps: 2 }));
    // Each call had one sideband, which carried exactly its own session's output.
    expect(h.sim.calls.map((entry) => entry.sidebands)).toEqual([1, 1, 1]);
    for (let i = 0; i < 3; i += 1) {
      const toolCallId = payload(ended[i]!.at(-1)!).data.callId as string;
      expect(h.outputsOf(callIds[i]!)).toEqual([{ channel: 'sideband', callId: toolCallId, output: expect.stringContaining('Oslo') }]);
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
    // The output and the follow-up went over the sideband before the call was hung up.
    const sent = h.sim.sessions[0]!.clientEventLog.map((entry) => [entry.channel, entry.event.type === 'conversation.item.create' ? entry.event.item.type : entry.event.type]);
    expect(sent.slice(-2)).toEqual([
      ['sideband', 'function_call_output'],
      ['sideband', 'response.create'],
    ]);
    // The stream saw the call end, then the session end; the call was hung up; nothing listens any more.
    const events = (await stream).map((event) => event.event);
    expect(events.indexOf('toolCall.ended')).toBeLessThan(events.indexOf('session.ended'));
    expect(payload((await stream).at(-1)!).data.reason).toBe('server_shutdown');
    expect(h.sim.calls).toEqual([expect.objectContaining({ status: 'ended', ended: { code: 1000, reason: 'The call was hung up.' } })]);
    expect(h.sim.sessions[0]!.closed).toEqual({ code: 1000, reason: 'The call was hung up.' });
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
    // No output was sent for the abandoned call; the call was hung up all the same.
    expect(h.outputsOf(h.sim.calls[0]!.id)).toEqual([]);
    expect(h.sim.calls[0]).toMatchObject({ status: 'ended', ended: { reason: 'The call was hung up.' } });
    await expect(fetch(`${h.serve.url}/healthz`)).rejects.toThrow();
  });

  it('while draining, new sessions and calls get 503 and /healthz says so; approvals and events still answer', async () => {
    const h = await harness({});
    h.serve.app.drain();
    const refused = await call(h);
    expect([refused.status, refused.json().error.code]).toEqual([503, 'shutting_down']);
    expect(h.sim.calls).toEqual([]);
    const health = await fetch(`${h.serve.url}/healthz`);
    expect([health.status, await health.json()]).toEqual([503, { ok: false, draining: true }]);
    expect((await h.request('/tools')).status).toBe(200);
    expect((await h.request('/approvals/apr_1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"approved":true}' })).status).toBe(404);
  });
});
