/**
 * `--record-sessions`: a session recorded against the simulator, fetched over HTTP and replayed by
 * the library's `replayRecording`; the bound and its marker.
 */
import { describe, expect, it } from 'vitest';
import { ONE_CALL, postJson as json, serveHarnessPerTest, followEvents, TEST_KEY, TEST_TOKEN } from '../../test/support/serveHarness.js';
import { replayRecording } from '../node/replay.js';
import { parseRecordingLine, type RecordingLine } from '../recording/format.js';
import { Recorder } from '../recording/recorder.js';
import { audioHash, SessionRecording } from './sessionRecording.js';

const { harness } = serveHarnessPerTest();

function parseLines(text: string): RecordingLine[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      const parsed = parseRecordingLine(line, index + 1);
      if (!parsed.ok) throw new Error(parsed.message);
      return parsed.line;
    });
}

async function* each<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

describe('GET /sessions/:id/recording', () => {
  it('answers the session\'s redacted recording as JSONL, which replays ok; it stays after the session ended', async () => {
    const h = await harness({ script: ONE_CALL, serve: { recordSessions: true, allowedTools: ['tools/get_forecast'] } });
    const offer = h.offer();
    const { sessionId, callId } = (await h.request('/call', json({ sdp: offer }))).json();
    h.speak(offer);
    await followEvents(h.serve.url, sessionId, (event) => event.event === 'toolCall.ended');
    expect(await h.callSession(callId).run!.done).toEqual({ ok: true, steps: 2 });
    await h.serve.app.sessions.get(sessionId)!.close();
    const answer = await h.request(`/sessions/${sessionId}/recording`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    for (const secret of [TEST_KEY, TEST_TOKEN, callId]) expect(answer.text).not.toContain(secret);
    const lines = parseLines(answer.text);
    expect(lines[0]).toMatchObject({ kind: 'header', model: 'gpt-realtime', servers: [{ label: 'tools' }], proxy: { allowedTools: ['tools/get_forecast'] } });
    const kinds = new Set(lines.slice(1).map((line) => `${(line as { peer: string }).peer} ${line.kind}`));
    expect([...kinds]).toEqual(expect.arrayContaining(['openai ws.message', 'mcp:tools http.request', 'mcp:tools http.response']));
    const result = await replayRecording(each(lines));
    expect(result.failure).toBeUndefined();
    expect(result).toMatchObject({ ok: true });
    expect(result.matched).toBeGreaterThan(2);
  });

  it('records a change of tools mid-session (POST /sessions/:id/tools), so the recording still replays ok', async () => {
    const h = await harness({ script: [{ user: 'Hi' }], serve: { recordSessions: true } });
    const offer = h.offer();
    const { sessionId, callId } = (await h.request('/call', json({ sdp: offer }))).json();
    const updates = () => h.callSession(callId).clientEvents.filter((event) => event.type === 'session.update') as unknown as Array<{ session: { tools?: Array<{ name: string }> } }>;
    await expect.poll(() => updates().length).toBe(1);
    expect((await h.request(`/sessions/${sessionId}/tools`, json({ allowedTools: ['tools/get_forecast'] }))).status).toBe(200);
    await expect.poll(() => updates().at(-1)?.session.tools?.map((tool) => tool.name)).toEqual(['get_forecast']);
    await followEvents(h.serve.url, sessionId, (event) => event.event === 'realtime.event' && JSON.parse(event.data).data.type === 'session.updated' && updates().length === 2);
    await h.serve.app.sessions.get(sessionId)!.close();
    const lines = parseLines((await h.request(`/sessions/${sessionId}/recording`)).text);
    const result = await replayRecording(each(lines));
    expect(result.failure).toBeUndefined();
    expect(result).toMatchObject({ ok: true });
  });

  it('is 404 without --record-sessions and for unknown sessions, 409 before the attach, 400 for a bad id; needs the token', async () => {
    const off = await harness();
    const { sessionId: notRecorded } = (await off.request('/session', json({}))).json();
    const unrecorded = await off.request(`/sessions/${notRecorded}/recording`);
    expect([unrecorded.status, unrecorded.json().error.code]).toEqual([404, 'not_recorded']);
    const h = await harness({ serve: { recordSessions: true } });
    const { sessionId } = (await h.request('/session', json({}))).json();
    const answers = await Promise.all([
      h.request(`/sessions/${sessionId}/recording`),
      h.request('/sessions/s_unknown/recording'),
      h.request('/sessions/a.b/recording'),
      h.request(`/sessions/${sessionId}/recording`, { headers: { authorization: '' } }),
      h.request(`/sessions/${sessionId}/recording`, { headers: { origin: 'https://evil.example' } }),
    ]);
    expect(answers.map((answer) => [answer.status, answer.json().error.code])).toEqual([
      [409, 'session_not_live'],
      [404, 'not_found'],
      [400, 'invalid_request'],
      [401, 'unauthorized'],
      [403, 'forbidden_origin'],
    ]);
  });
});

describe('SessionRecording', () => {
  it('keeps records up to its bound, then drops them and says so in the header, still parseable', () => {
    const recording = new SessionRecording({ maxBytes: 600 });
    const recorder = new Recorder({ sink: recording.sink, hash: audioHash, meta: { from: 'test' } });
    for (let i = 0; i < 20; i++) recorder.record({ peer: 'openai', dir: 'in', kind: 'ws.message', data: { type: 'session.updated', n: i } });
    expect(recording.dropped).toBeGreaterThan(0);
    const lines = parseLines(recording.text());
    expect(lines[0]).toMatchObject({ kind: 'header', meta: { from: 'test', recording_truncated: { droppedRecords: recording.dropped, maxBytes: 600 } } });
    expect(lines.length - 1 + recording.dropped).toBe(20);
    expect(recording.text().length).toBeLessThanOrEqual(600 + 200);
  });
});
