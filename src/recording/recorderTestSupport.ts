/**
 * What the recorder's tests share: a recorder writing to an array on a clock the test moves by hand,
 * realistic ids, and audio payloads. Imported by recorder.test.ts and recorder.mcp.test.ts only.
 */
import { expect } from 'vitest';
import { parseRecordingLine, type RecordingLine, type RecordingRecord, type RecordingRecordOf } from './format.js';
import { Recorder, type RecorderOptions } from './recorder.js';

const START = new Date('2026-01-02T03:04:05.678Z');
export const ids = {
  event1: 'event_DAqQ80vZgvfK1YQv12OeU',
  event2: 'event_DAqq6pZhyailkcqK7Hte8',
  resp1: 'resp_CVtdlJbqWyMq8n2NXbQ5A',
  item1: 'item_CVtdlKP0v7dbQ8dWW4kgl',
  call1: 'call_x0VqkxT7lMeDcjk4',
};

/** A recorder writing to an array, on a clock the test moves by hand. */
export function setup(options: Partial<RecorderOptions> = {}) {
  const lines: string[] = [];
  let sinkClosed = 0;
  let clock = 5000;
  const recorder = new Recorder({
    sink: { write: (line) => void lines.push(line), close: () => void sinkClosed++ },
    now: () => clock,
    startedAt: START,
    ...options,
  });
  /** Every line written, each validated by parseRecordingLine with its line number. */
  const parsed = (): RecordingLine[] =>
    lines.map((text, i) => {
      const result = parseRecordingLine(text, i + 1);
      if (!result.ok) expect.fail(result.message);
      return result.line;
    });
  const records = () => parsed().slice(1) as RecordingRecord[];
  const ofKind = <K extends RecordingRecord['kind']>(kind: K) => records().filter((record): record is RecordingRecordOf<K> => record.kind === kind);
  return {
    recorder,
    lines,
    parsed,
    records,
    ofKind,
    advance: (ms: number) => void (clock += ms),
    sinkClosed: () => sinkClosed,
  };
}

/** A deterministic stand-in for sha256: enough to see which payload was hashed. */
export const fakeHash = (base64: string) => `hash(${base64})`;
export const audioOf = (bytes: number, fill = 7) => Buffer.alloc(bytes, fill).toString('base64');
export const audioDelta = (delta: string) => ({ type: 'response.output_audio.delta', event_id: ids.event1, response_id: ids.resp1, item_id: ids.item1, output_index: 0, content_index: 0, delta });
