/**
 * `POST /replays`, `/replays/:id/step`, `DELETE /replays/:id` over real HTTP, with recordings from
 * recordings/ (no network but loopback, no key).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { serveHarnessPerTest, followEvents, payload } from '../../test/support/serveHarness.js';
import { KEPT_ENDED_REPLAYS, parseRecordingText, parseReplayQuery } from './replays.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SINGLE_CALL = readFileSync(join(root, 'recordings', 'single-call.jsonl'), 'utf8');
const RECORDS = SINGLE_CALL.split('\n').filter((line) => line.trim() !== '').length - 1;

const { harness } = serveHarnessPerTest();
const ndjson = (body: string): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });

describe('POST /replays', () => {
  it('plays a recording fast in a session whose events GET /events shows, and tells the result before the end', async () => {
    const h = await harness();
    const started = await h.request('/replays?mode=fast', ndjson(SINGLE_CALL));
    expect(started.status).toBe(201);
    expect(started.json()).toEqual({ sessionId: expect.stringMatching(/^s_/), records: RECORDS });
    const { sessionId } = started.json();
    const events = await followEvents(h.serve.url, sessionId, (event) => event.event === 'session.ended');
    const types = events.map((event) => event.event);
    expect(types[0]).toBe('session.created');
    expect(types.slice(-2)).toEqual(['replay.ended', 'session.ended']);
    expect(payload(events.at(-2)!).data).toMatchObject({ ok: true, records: RECORDS });
    expect(payload(events.at(-1)!).data).toMatchObject({ sessionId, reason: 'replay_finished' });
    // Ended: a step or a stop still answers for a while.
    expect((await h.request(`/replays/${sessionId}`, { method: 'DELETE' })).json()).toEqual({ sessionId, stopped: false });
  });

  it('in step mode plays one record per POST /replays/:id/step until done', async () => {
    // One request per record: past the default rate limit.
    const h = await harness({ serve: { limits: { requestsPerMinute: 10_000 } } });
    const { sessionId } = (await h.request('/replays?mode=step', ndjson(SINGLE_CALL))).json();
    const fast = await h.request(`/replays/${sessionId}/step`, { method: 'POST' });
    expect(fast.json()).toEqual({ played: 1, done: false });
    let last = fast.json();
    for (let i = 0; i < RECORDS + 2 && !last.done; i++) last = (await h.request(`/replays/${sessionId}/step`, { method: 'POST' })).json();
    expect(last).toEqual({ played: RECORDS, done: true });
    const events = await followEvents(h.serve.url, sessionId, (event) => event.event === 'session.ended');
    expect(payload(events.find((event) => event.event === 'replay.ended')!).data).toMatchObject({ ok: true, records: RECORDS });
  });

  it('DELETE stops a replay; the session ends replay_stopped', async () => {
    const h = await harness();
    const { sessionId } = (await h.request('/replays?mode=step', ndjson(SINGLE_CALL))).json();
    await h.request(`/replays/${sessionId}/step`, { method: 'POST' });
    expect((await h.request(`/replays/${sessionId}`, { method: 'DELETE' })).json()).toEqual({ sessionId, stopped: true });
    const events = await followEvents(h.serve.url, sessionId, (event) => event.event === 'session.ended');
    // The result is told before the end (the stopped proxy's last machine records may come between).
    const told = events.findIndex((event) => event.event === 'replay.ended');
    expect(payload(events[told]!).data).toMatchObject({ ok: false, stopped: true });
    expect(told).toBeLessThan(events.length - 1);
    expect(events.at(-1)!.event).toBe('session.ended');
    expect(payload(events.at(-1)!).data.reason).toBe('replay_stopped');
    const fast = (await h.request('/replays?mode=fast', ndjson(SINGLE_CALL))).json();
    const step = await h.request(`/replays/${fast.sessionId}/step`, { method: 'POST' });
    expect([step.status, step.json().error.code]).toEqual([409, 'invalid_request']);
  });

  it('keeps the control of the newest ended replays only: an old one is dropped at once, not after minutes', async () => {
    // An ended replay holds its session and its event log: kept for minutes, a client replaying fast could pile up hundreds.
    const h = await harness({ serve: { limits: { requestsPerMinute: 10_000 } } });
    const ids: string[] = [];
    for (let i = 0; i < KEPT_ENDED_REPLAYS + 2; i++) {
      const { sessionId } = (await h.request('/replays?mode=fast', ndjson(SINGLE_CALL))).json();
      await followEvents(h.serve.url, sessionId, (event) => event.event === 'session.ended');
      ids.push(sessionId);
    }
    const first = await h.request(`/replays/${ids[0]}`, { method: 'DELETE' });
    expect([first.status, first.json().error?.code]).toEqual([404, 'not_found']);
    expect((await h.request(`/replays/${ids[2]}`, { method: 'DELETE' })).json()).toEqual({ sessionId: ids[2], stopped: false });
  });

  it('refuses bad recordings with the line, wrong types, bad queries, too many replays, no token; takes up to 4 MiB', async () => {
    const h = await harness({ serve: { limits: { maxSessions: 50 } } });
    const [header, second] = SINGLE_CALL.split('\n');
    const answers = await Promise.all([
      h.request('/replays', ndjson(`${header}\n{"seq":1}\n`)),
      h.request('/replays', ndjson(`${header}\nnot json\n`)),
      h.request('/replays', ndjson(`${second}\n`)),
      h.request('/replays', ndjson('\n\n')),
      h.request('/replays', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      h.request('/replays?mode=slow', ndjson(SINGLE_CALL)),
      h.request('/replays?speed=-1', ndjson(SINGLE_CALL)),
      h.request('/replays', { ...ndjson(SINGLE_CALL), headers: { 'content-type': 'application/x-ndjson', authorization: '' } }),
      h.request('/replays/s_nope/step', { method: 'POST' }),
      h.request('/replays/a.b', { method: 'DELETE' }),
      h.request('/replays', ndjson(`${SINGLE_CALL}${' '.repeat(4 * 1024 * 1024)}`)),
    ]);
    expect(answers.map((answer) => [answer.status, answer.json().error.code])).toEqual([
      [400, 'invalid_recording'],
      [400, 'invalid_recording'],
      [400, 'invalid_recording'],
      [400, 'invalid_recording'],
      [415, 'unsupported_media_type'],
      [400, 'invalid_request'],
      [400, 'invalid_request'],
      [401, 'unauthorized'],
      [404, 'not_found'],
      [400, 'invalid_request'],
      [413, 'payload_too_large'],
    ]);
    expect(answers[0]!.json().error.message).toMatch(/^Failed to read the recording: line 2: .*\. Please load a recording made by realtime-mcp-proxy/);
    expect(answers[1]!.json().error.message).toMatch(/^Failed to read the recording: line 2: it is not JSON/);
    expect(answers[2]!.json().error.message).toMatch(/^Failed to read the recording: line 1: the first line must be the header/);
    // Larger than the 64 KiB every other route takes: a recording may be.
    const padded = `${SINGLE_CALL}${'\n'.repeat(100 * 1024)}`;
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const started = await h.request('/replays?mode=step', ndjson(i === 0 ? padded : SINGLE_CALL));
      expect(started.status).toBe(201);
      ids.push(started.json().sessionId);
    }
    const fifth = await h.request('/replays?mode=step', ndjson(SINGLE_CALL));
    expect([fifth.status, fifth.json().error.code, fifth.headers.get('retry-after')]).toEqual([503, 'too_many_replays', '5']);
    // And the global limit still holds elsewhere.
    expect((await h.request('/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"tools":["${'a'.repeat(70 * 1024)}"]}` })).status).toBe(413);
    for (const id of ids) await h.request(`/replays/${id}`, { method: 'DELETE' });
  });
});

describe('replay parsing', () => {
  it('reads the query and the lines', () => {
    expect(parseReplayQuery(undefined, undefined)).toEqual({ mode: 'realtime', speed: 1 });
    expect(parseReplayQuery('step', '4')).toEqual({ mode: 'step', speed: 4 });
    expect(() => parseReplayQuery('fast', '1e9')).toThrow(/speed must be a number/);
    expect(parseRecordingText(SINGLE_CALL.replaceAll('\n', '\r\n'))).toHaveLength(RECORDS + 1);
  });
});
