/**
 * The replay engine on a recording of the library (recordings/single-call.jsonl), edited line by
 * line to make the proxy's behaviour and the recording disagree in each way a replay must catch.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { InspectionRecord } from '../proxy/inspection.js';
import type { ToolCallTimeline } from '../proxy/options.js';
import type { RecordingRecord } from '../recording/format.js';
import { ReplayMismatchError, replay, replayRecording } from './replay.js';

const source = join(import.meta.dirname, '..', '..', 'recordings', 'single-call.jsonl');
const dir = mkdtempSync(join(tmpdir(), 'replay-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const original = readFileSync(source, 'utf8').trimEnd().split('\n');
const parsed = original.map((line) => JSON.parse(line) as Record<string, unknown>);

/** Writes a copy of the recording with each line passed through `edit` (undefined drops it). */
function variant(name: string, edit: (line: Record<string, unknown>, index: number) => Record<string, unknown> | undefined): string {
  const path = join(dir, name);
  const lines = parsed.map((line, index) => edit(structuredClone(line), index)).filter((line) => line !== undefined);
  writeFileSync(path, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
  return path;
}

const isOut = (line: Record<string, unknown>, type: string) => line.peer === 'openai' && line.dir === 'out' && (line.data as { type?: string } | undefined)?.type === type;

describe('replayRecording', () => {
  it('replays the recording as made: every client event matched, every record played', async () => {
    const result = await replayRecording(source);
    expect(result.failure).toBeUndefined();
    expect(result.records).toBe(original.length - 1);
    expect(result.matched).toBe(parsed.filter((line) => line.peer === 'openai' && line.dir === 'out' && line.kind === 'ws.message').length);
  });

  it('realtime mode keeps the recorded pace (÷ speed); fast mode does not wait for it', async () => {
    const last = parsed.at(-1) as { t: number };
    const fast = await replayRecording(source);
    const paced = await replayRecording(source, { mode: 'realtime', speed: 2 });
    expect(paced.failure).toBeUndefined();
    expect(paced.durationMs).toBeGreaterThanOrEqual(last.t / 2);
    expect(fast.durationMs).toBeLessThan(paced.durationMs);
  });

  it('step mode plays a record only when beforeRecord lets it', async () => {
    const seen: number[] = [];
    /** Per call of beforeRecord: how many gates the test had opened by then (a replay that does not wait asks early). */
    const openedWhenAsked: number[] = [];
    let opened = 0;
    // Each call of beforeRecord waits for its gate; `asked` resolves when the replay asks about the next record.
    let gate: () => void = () => {};
    let asked!: Promise<void>;
    let heard: () => void = () => {};
    const expectCall = () => (asked = new Promise<void>((resolve) => (heard = resolve)));
    expectCall();
    const beforeRecord = (record: RecordingRecord) =>
      new Promise<void>((resolve) => {
        gate = resolve;
        seen.push(record.seq);
        openedWhenAsked.push(opened);
        heard();
      });
    const running = replayRecording(source, { mode: 'step', beforeRecord });
    const finished = running.then(() => 'finished' as const);
    await asked;
    for (;;) {
      expectCall();
      opened++;
      gate();
      if ((await Promise.race([asked.then(() => 'asked' as const), finished])) === 'finished') break;
    }
    const result = await running;
    expect(result.failure).toBeUndefined();
    expect(seen).toEqual(parsed.slice(1).map((line) => line.seq));
    expect(openedWhenAsked).toEqual(seen.map((_, i) => i)); // record i+1 was asked about only once i gates were open
    await expect(replayRecording(source, { mode: 'step' })).rejects.toThrow(/beforeRecord/);
  });

  it('replays a recording whose session.update left before session.created arrived (the proxy sends it on the socket opening)', async () => {
    const isCreated = (line: Record<string, unknown>) => line.dir === 'in' && (line.data as { type?: string } | undefined)?.type === 'session.created';
    const created = parsed.find(isCreated)!;
    const update = parsed.find((line) => isOut(line, 'session.update'))!;
    expect(created.seq as number).toBeLessThan(update.seq as number);
    // session.created moves to right after the update, as a session whose tools were listed by the time the socket opened records it.
    const [header, ...records] = parsed;
    const moved = records.filter((line) => line !== created);
    moved.splice(moved.indexOf(update) + 1, 0, created);
    const path = join(dir, 'early-update.jsonl');
    const lines = [header, ...moved.map((line, index) => ({ ...line, seq: index + 1, t: (records[index] as { t: number }).t }))];
    writeFileSync(path, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
    const result = await replayRecording(path);
    expect(result.failure).toBeUndefined();
    expect(result.matched).toBe(parsed.filter((line) => line.peer === 'openai' && line.dir === 'out' && line.kind === 'ws.message').length);
  });

  it('fails at once, naming the record, when the proxy sends something else', async () => {
    const path = variant('other-output.jsonl', (line) => {
      if (isOut(line, 'conversation.item.create')) (line.data as { item: { output: string } }).item.output = 'something else';
      return line;
    });
    const result = await replayRecording(path);
    const expected = parsed.find((line) => isOut(line, 'conversation.item.create'))!;
    expect(result.failure).toMatchObject({ seq: expected.seq, path: '/item/output' });
    expect(result.failure!.message).toMatch(/differs from the recorded one at \/item\/output \(recorded "something else", sent /);
    await expect(replay(path)).rejects.toBeInstanceOf(ReplayMismatchError);
  });

  it('fails when a recorded client event never comes, after waitMs, and names it', async () => {
    // An extra response.create recorded at the end: the proxy has no reason to send it.
    const last = parsed.at(-1) as { seq: number; t: number };
    const path = join(dir, 'missing.jsonl');
    writeFileSync(path, `${original.join('\n')}\n${JSON.stringify({ seq: last.seq + 1, t: last.t + 1, peer: 'openai', dir: 'out', kind: 'ws.message', data: { type: 'response.create' } })}\n`);
    const result = await replayRecording(path, { waitMs: 300 });
    expect(result.failure).toMatchObject({ seq: last.seq + 1, message: expect.stringContaining('the client event "response.create" did not happen within 300 ms') });
  });

  it('fails at the record that made the proxy attempt a send its encoder refused, naming the event (nothing went out to compare)', async () => {
    // The recorded options carry a session field the Realtime API does not have: the proxy's session.update is refused.
    const path = variant('refused.jsonl', (line, index) => (index === 0 ? { ...line, proxy: { ...(line.proxy as object), session: { not_a_session_field: true } } } : line));
    // The update goes out once the socket is open and the tools listed: the replay is waiting for the recorded one then.
    const update = parsed.find((line) => isOut(line, 'session.update'))!;
    const result = await replayRecording(path);
    expect(result.failure).toMatchObject({ seq: update.seq, path: '/session/not_a_session_field', actual: { type: 'session.update', session: expect.objectContaining({ not_a_session_field: true }) } });
    expect(result.failure!.message).toMatch(new RegExp(`^Failed to replay record ${update.seq}: the proxy attempted a send its encoder refused.*The refused event: \\{"type":"session.update"`));
  });

  it('replays frames whose event ids and extra fields are Object.prototype names, as data', async () => {
    const names = ['__proto__', 'toString', 'constructor', 'hasOwnProperty', 'valueOf'];
    let n = 0;
    const path = variant('hostile-event-ids.jsonl', (line) => {
      const data = line.data as Record<string, unknown> | undefined;
      if (line.peer !== 'openai' || line.dir !== 'in' || typeof data !== 'object' || data === null) return line;
      // Own fields, as JSON.parse makes them: the proxy and the replay must treat them as data.
      return { ...line, data: Object.fromEntries([...Object.entries(data), ['event_id', names[n++ % names.length]], ['__proto__', { polluted: true }], ['constructor', 'x']]) };
    });
    expect(readFileSync(path, 'utf8')).toContain('"__proto__":{"polluted":true}');
    const result = await replayRecording(path);
    expect(result.failure).toBeUndefined();
    expect(result.matched).toBe(parsed.filter((line) => line.peer === 'openai' && line.dir === 'out' && line.kind === 'ws.message').length);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('fails when a recorded client event has a "__proto__" field the proxy does not send (an own field, not Object.prototype)', async () => {
    const path = variant('proto-field.jsonl', (line) => (isOut(line, 'response.create') ? { ...line, data: JSON.parse('{"type":"response.create","__proto__":{}}') as unknown } : line));
    const expected = parsed.find((line) => isOut(line, 'response.create'))!;
    const result = await replayRecording(path);
    expect(result.failure).toMatchObject({ seq: expected.seq, path: '/__proto__', expected: {}, actual: { type: 'response.create' } });
  });

  it('fails when the proxy sends a client event the recording does not have', async () => {
    const path = variant('extra.jsonl', (line) => (isOut(line, 'response.create') ? undefined : line));
    const result = await replayRecording(path);
    expect(result.ok).toBe(false);
    expect(result.failure?.message).toMatch(/response\.create/);
  });

  it('fails when the proxy asks the MCP server something the recording does not have', async () => {
    const path = variant('mcp-method.jsonl', (line) => {
      const body = line.body as { method?: string } | undefined;
      if (line.kind === 'http.request' && body?.method === 'tools/call') body.method = 'tools/other';
      return line;
    });
    const started = Date.now();
    const result = await replayRecording(path, { waitMs: 2000 });
    expect(result.failure?.message).toMatch(/sent POST tools\/call where the recording has POST tools\/other/);
    expect(Date.now() - started).toBeLessThan(8000);
  });
});

describe('following the replayed proxy', () => {
  it('onProxy is called once, before the first record; with inspect, the host hears the call, every client event and the machines, and the replay still passes', async () => {
    const heard: string[] = [];
    const ended: ToolCallTimeline[] = [];
    const sentTypes: string[] = [];
    const inspected: InspectionRecord[] = [];
    let calls = 0;
    const result = await replayRecording(source, {
      inspect: true,
      onProxy: (proxy) => {
        calls++;
        expect(proxy.snapshot().state).toBe('connecting');
        proxy.on('toolCall.ended', (timeline) => ended.push(timeline));
        proxy.on('realtime.sent', (event) => sentTypes.push(event.type));
        proxy.on('inspect', (record) => inspected.push(record));
        proxy.on('session.ended', () => heard.push('ended'));
      },
      beforeRecord: (record) => void (record.seq === 1 && heard.push(`first record, onProxy called ${calls} time(s)`)),
    });
    expect(result.failure).toBeUndefined();
    expect(calls).toBe(1);
    expect(heard).toEqual(['first record, onProxy called 1 time(s)', 'ended']);
    expect(ended.map((timeline) => timeline.code)).toEqual(['ok']);
    // Every client event the recording has, in its order.
    expect(sentTypes).toEqual(parsed.filter((line) => line.peer === 'openai' && line.dir === 'out' && line.kind === 'ws.message').map((line) => (line.data as { type: string }).type));
    const call = inspected.filter((record) => record.kind === 'snapshot' && record.machine === 'toolCall');
    expect(call.length).toBeGreaterThan(0);
    expect(call.at(-1)!.status).toBe('done');
    expect(inspected.some((record) => record.machine === 'session')).toBe(true);
  });

  it('an onProxy that throws fails the replay, saying so, with no record played', async () => {
    const result = await replayRecording(source, {
      onProxy: () => {
        throw new Error('host broke');
      },
    });
    expect(result.ok).toBe(false);
    expect(result.records).toBe(0);
    expect(result.failure).toEqual({ seq: 0, message: 'Failed to replay: onProxy threw host broke, so no record was played. Please catch errors inside onProxy.' });
  });
});
