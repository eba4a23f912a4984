import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RECORDING_FORMAT, type RecordingLine } from '../recording/format.js';
import { readRecordingBatches, readRecordingLines } from './readRecording.js';

const dir = mkdtempSync(join(tmpdir(), 'read-recording-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const header = { kind: 'header', format: RECORDING_FORMAT, version: 1, startedAt: '2026-11-23T12:00:00.000Z', clock: 'monotonic-ms', redaction: { profile: 'default', ids: 'placeholders', audio: 'elided' } };
const message = (seq: number, text: string) => ({ seq, t: seq, peer: 'openai', dir: 'in', kind: 'ws.message', data: { type: 'response.output_audio_transcript.delta', delta: text } });

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function all(path: string): Promise<RecordingLine[]> {
  const lines: RecordingLine[] = [];
  for await (const line of readRecordingLines(path)) lines.push(line);
  return lines;
}

describe('readRecordingLines', () => {
  it('reads every line of a file bigger than one disk read, in order, split across chunk boundaries', async () => {
    // ~1.2 MB: several 256 KB reads, so lines are cut at chunk ends.
    const records = Array.from({ length: 6000 }, (_, i) => message(i + 1, `word ${i} ${'x'.repeat(i % 300)}`));
    const path = write('big.jsonl', `${[header, ...records].map((line) => JSON.stringify(line)).join('\n')}\n`);
    const lines = await all(path);
    expect(lines).toHaveLength(6001);
    expect(lines[0]).toEqual(header);
    expect(lines.slice(1)).toEqual(records);
    let batches = 0;
    for await (const batch of readRecordingBatches(path)) batches += batch.length > 0 ? 1 : 0;
    expect(batches).toBeGreaterThan(2);
  });

  it('takes CRLF line ends, blank lines and a last line without a newline', async () => {
    const path = write('crlf.jsonl', `${JSON.stringify(header)}\r\n\r\n${JSON.stringify(message(1, 'a'))}\r\n${JSON.stringify(message(2, 'b'))}`);
    expect((await all(path)).map((line) => ('seq' in line ? line.seq : 0))).toEqual([0, 1, 2]);
  });

  it('stops at a bad line with its number and the file, even deep in the file', async () => {
    const lines = [header, ...Array.from({ length: 3000 }, (_, i) => message(i + 1, 'ok'))].map((line) => JSON.stringify(line));
    lines[2500] = '{"seq":2500,"t":1,"peer":"nobody","dir":"in","kind":"ws.message","data":{}}';
    const path = write('bad.jsonl', lines.join('\n'));
    await expect(all(path)).rejects.toThrow(new RegExp(`Failed to read recording ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} line 2501: .*peer`));
  });

  it('refuses an empty file and a missing one, saying which', async () => {
    await expect(all(write('empty.jsonl', ''))).rejects.toThrow(/the file is empty/);
    await expect(all(join(dir, 'missing.jsonl'))).rejects.toMatchObject({ code: 'invalid_options', message: expect.stringContaining('missing.jsonl') });
  });
});
