/**
 * A recording checked in the page before anything is sent: the library's own line parser, the same
 * rules as `readRecording` (blank lines skipped, the header first) and serve's size limit.
 */
import { parseRecordingLine } from 'realtime-mcp-proxy';

/** serve's `POST /replays` limit. */
export const MAX_RECORDING_BYTES = 4 * 1024 * 1024;

export type RecordingCheck = { ok: true; records: number; description?: string } | { ok: false; message: string };

export function checkRecording(text: string): RecordingCheck {
  if (typeof text !== 'string') return { ok: false, message: 'Failed to read the recording: it is not text. Please choose a .jsonl recording file.' };
  if (text.trim() === '') return { ok: false, message: 'Failed to read the recording: the file is empty. Please choose a recording file.' };
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_RECORDING_BYTES) {
    return {
      ok: false,
      message: `Failed to read the recording: it is ${(bytes / 1024 / 1024).toFixed(1)} MiB, more than the 4 MiB serve accepts. Please replay it with the CLI (realtime-mcp-proxy replay).`,
    };
  }
  let records = 0;
  let description: string | undefined;
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index] ?? '';
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    const parsed = parseRecordingLine(line, index + 1);
    if (!parsed.ok) return { ok: false, message: parsed.message };
    if (parsed.line.kind === 'header') {
      if (typeof parsed.line.description === 'string') description = parsed.line.description;
    } else records++;
  }
  return { ok: true, records, ...(description === undefined ? {} : { description }) };
}
