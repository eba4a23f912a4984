import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProxyError } from '../errors.js';
import { createMemoryTransport } from '../protocol/memoryTransport.js';
import { parseRecordingLine, type RecordingHeader, type RecordingLine, type RecordingRecord } from '../recording/format.js';
import { audioSidecarPath, createFileRecorder, idMapSidecarPath } from './fileRecorder.js';

const dir = mkdtempSync(join(tmpdir(), 'file-recorder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const newPath = () => join(dir, `rec-${++files}.jsonl`);

/** The recording as it is on disk now, every line validated. */
function readLines(path: string): RecordingLine[] {
  const text = readFileSync(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line, i) => {
      const parsed = parseRecordingLine(line, i + 1);
      if (!parsed.ok) expect.fail(parsed.message);
      return parsed.line;
    });
}
const readJsonl = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, string>);

const sha256 = (base64: string) => createHash('sha256').update(base64).digest('hex');
const audio = (bytes: number, fill: number) => Buffer.alloc(bytes, fill).toString('base64');
const delta = (base64: string) => ({ type: 'response.output_audio.delta', response_id: 'resp_CVtdlJbqWyMq8n2NXbQ5A', item_id: 'item_CVtdlKP0v7dbQ8dWW4kgl', output_index: 0, content_index: 0, delta: base64 });

describe('createFileRecorder', () => {
  it('has each record on disk as soon as it is recorded, before close', async () => {
    const path = newPath();
    writeFileSync(path, 'left over from an earlier run\n');
    const recorder = createFileRecorder({ path });
    expect(readLines(path).map((line) => line.kind)).toStrictEqual(['header']);

    const transport = createMemoryTransport();
    recorder.tapTransport(transport);
    await transport.connect();
    expect(readLines(path).map((line) => line.kind)).toStrictEqual(['header', 'ws.open']);
    transport.deliver({ type: 'session.created', event_id: 'event_DAqQ80vZgvfK1YQv12OeU' });
    expect(readLines(path).at(-1)).toMatchObject({ seq: 2, kind: 'ws.message', data: { type: 'session.created', event_id: '<id:event:1>' } });
    recorder.approval({ approvalId: 'a1', approved: true });
    expect(readLines(path).map((line) => (line as RecordingRecord).seq)).toStrictEqual([undefined, 1, 2, 3]);

    await recorder.close();
    const afterClose = readFileSync(path, 'utf8');
    expect(readLines(path)).toHaveLength(4);
    recorder.approval({ approvalId: 'a2', approved: false });
    expect(readFileSync(path, 'utf8')).toBe(afterClose);
  });

  it('elides audio with its real sha256 by default, and writes no sidecar', async () => {
    const path = newPath();
    const recorder = createFileRecorder({ path });
    const payload = audio(480, 3);
    recorder.record({ peer: 'openai', dir: 'in', kind: 'ws.message', data: delta(payload) });
    await recorder.close();
    const [header, record] = readLines(path);
    expect((header as RecordingHeader).redaction.audio).toBe('elided');
    expect(record).toMatchObject({ data: { delta: { $elided: 'base64', bytes: 480, sha256: sha256(payload) } } });
    expect(readFileSync(path, 'utf8')).not.toContain(payload);
    expect(existsSync(audioSidecarPath(path))).toBe(false);
  });

  it("with audio: 'sidecar', writes each distinct payload once to x.audio.jsonl with its sha256", async () => {
    const path = newPath();
    const recorder = createFileRecorder({ path, audio: 'sidecar' });
    const [first, second] = [audio(100, 1), audio(101, 2)];
    for (const payload of [first, second, first]) recorder.record({ peer: 'openai', dir: 'in', kind: 'ws.message', data: delta(payload) });
    recorder.record({ peer: 'openai', dir: 'out', kind: 'ws.message', data: { type: 'input_audio_buffer.append', audio: second } });
    // Like the recording, the sidecar is on disk before close.
    expect(readJsonl(audioSidecarPath(path))).toStrictEqual([
      { sha256: sha256(first), base64: first },
      { sha256: sha256(second), base64: second },
    ]);
    await recorder.close();
    const [header, ...records] = readLines(path);
    expect((header as RecordingHeader).redaction.audio).toBe('sidecar');
    expect(records.map((record) => Object.values((record as { data: Record<string, unknown> }).data).find((value) => typeof value === 'object'))).toStrictEqual([
      { $elided: 'base64', bytes: 100, sha256: sha256(first) },
      { $elided: 'base64', bytes: 101, sha256: sha256(second) },
      { $elided: 'base64', bytes: 100, sha256: sha256(first) },
      { $elided: 'base64', bytes: 101, sha256: sha256(second) },
    ]);
    expect(readFileSync(path, 'utf8')).not.toContain(first);
  });

  it("with audio: 'kept', writes the base64 inline and no sidecar", async () => {
    const path = newPath();
    const recorder = createFileRecorder({ path, audio: 'kept' });
    const payload = audio(9, 4);
    recorder.record({ peer: 'openai', dir: 'in', kind: 'ws.message', data: delta(payload) });
    await recorder.close();
    expect(readLines(path)[1]).toMatchObject({ data: { delta: payload } });
    expect(existsSync(audioSidecarPath(path))).toBe(false);
  });

  it('with idMap: true, writes x.ids.jsonl as ids are first seen, one { placeholder, id } line per id', async () => {
    const path = newPath();
    const recorder = createFileRecorder({ path, idMap: true });
    recorder.record({ peer: 'openai', dir: 'in', kind: 'ws.message', data: { type: 'response.created', event_id: 'event_DAqQ80vZgvfK1YQv12OeU', response: { id: 'resp_CVtdlJbqWyMq8n2NXbQ5A' } } });
    expect(readJsonl(idMapSidecarPath(path))).toStrictEqual([
      { placeholder: '<id:event:1>', id: 'event_DAqQ80vZgvfK1YQv12OeU' },
      { placeholder: '<id:resp:1>', id: 'resp_CVtdlJbqWyMq8n2NXbQ5A' },
    ]);
    recorder.record({ peer: 'openai', dir: 'in', kind: 'ws.message', data: { type: 'response.done', event_id: 'event_DAqq6pZhyailkcqK7Hte8', response: { id: 'resp_CVtdlJbqWyMq8n2NXbQ5A' } } });
    recorder.record({ peer: 'mcp:weather', dir: 'in', kind: 'http.response', rid: 'r1', status: 200, headers: { 'mcp-session-id': 'f3c2a1b0-session' } });
    await recorder.close();
    const lines = readJsonl(idMapSidecarPath(path));
    expect(lines.map((line) => line.placeholder)).toStrictEqual(['<id:event:1>', '<id:resp:1>', '<id:event:2>', '<id:mcp-session:1>']);
    expect(Object.fromEntries(lines.map((line) => [line.placeholder, line.id]))).toStrictEqual(recorder.idMapping());
    expect(readFileSync(path, 'utf8')).not.toContain('f3c2a1b0-session');
  });

  it("writes no id map without idMap, nor with ids: 'raw' (where the recording holds the real ids)", async () => {
    const frame = { type: 'response.created', event_id: 'event_DAqQ80vZgvfK1YQv12OeU' };
    const withoutIdMap = newPath();
    const raw = newPath();
    for (const recorder of [createFileRecorder({ path: withoutIdMap }), createFileRecorder({ path: raw, ids: 'raw', idMap: true })]) {
      recorder.record({ peer: 'openai', dir: 'in', kind: 'ws.message', data: frame });
      await recorder.close();
    }
    expect(existsSync(idMapSidecarPath(withoutIdMap))).toBe(false);
    expect(existsSync(idMapSidecarPath(raw))).toBe(false);
    expect(readLines(withoutIdMap)[1]).toMatchObject({ data: { event_id: '<id:event:1>' } });
    expect(readLines(raw)[1]).toMatchObject({ data: frame });
  });
});

describe('createFileRecorder: where it cannot write, and a session that never started', () => {
  const refusal = (path: string): ProxyError => {
    try {
      createFileRecorder({ path });
    } catch (error) {
      expect(ProxyError.isInstance(error)).toBe(true);
      return error as ProxyError;
    }
    return expect.fail(`createFileRecorder(${path}) did not throw`);
  };

  it('a missing directory: a ProxyError that names it and says what to do, not a raw ENOENT', () => {
    const missing = join(dir, 'no-such-dir');
    const error = refusal(join(missing, 'session.jsonl'));
    expect(error.code).toBe('invalid_options');
    expect(error.message).toBe(`Failed to record to ${join(missing, 'session.jsonl')}: the directory ${missing} does not exist. Please create it first, or record to a path in an existing directory.`);
    expect(existsSync(missing)).toBe(false);
  });

  it('a directory where the file should be, or a file where the directory should be', () => {
    expect(refusal(dir).message).toMatch(/^Failed to record to .*: it is a directory\. Please give a file name, e\.g\. .*\/session\.jsonl\.$/);
    const file = newPath();
    writeFileSync(file, '');
    expect(refusal(join(file, 'session.jsonl')).message).toContain(`: ${file} is not a directory. Please create it first`);
  });

  it('discard() removes the recording and its sidecars; close() keeps them', async () => {
    const path = newPath();
    const recorder = createFileRecorder({ path, audio: 'sidecar', idMap: true });
    recorder.record({ peer: 'openai', dir: 'in', kind: 'ws.message', data: delta(audio(100, 1)) });
    expect(existsSync(path) && existsSync(audioSidecarPath(path)) && existsSync(idMapSidecarPath(path))).toBe(true);
    await recorder.discard();
    expect([path, audioSidecarPath(path), idMapSidecarPath(path)].filter((file) => existsSync(file))).toEqual([]);
    // Nothing more is written after it.
    recorder.record({ peer: 'openai', dir: 'in', kind: 'ws.message', data: delta(audio(100, 2)) });
    expect(existsSync(path)).toBe(false);

    const kept = newPath();
    const closing = createFileRecorder({ path: kept });
    await closing.close();
    await closing.discard();
    expect(existsSync(kept)).toBe(true);
  });
});

describe('sidecar paths', () => {
  it('put .audio / .ids before a final .jsonl, or append to a name without it', () => {
    expect(audioSidecarPath('/tmp/recs/single-call.jsonl')).toBe('/tmp/recs/single-call.audio.jsonl');
    expect(idMapSidecarPath('/tmp/recs/single-call.jsonl')).toBe('/tmp/recs/single-call.ids.jsonl');
    expect(audioSidecarPath('session')).toBe('session.audio.jsonl');
    expect(idMapSidecarPath('session.log')).toBe('session.log.ids.jsonl');
    // Only the last .jsonl goes: the sidecar never overwrites the recording itself.
    expect(audioSidecarPath('a.jsonl.jsonl')).toBe('a.jsonl.audio.jsonl');
    expect(idMapSidecarPath('x.jsonl.d/rec.jsonl')).toBe('x.jsonl.d/rec.ids.jsonl');
  });
});
