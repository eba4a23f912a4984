/**
 * Reads a recording line by line (streamed: memory does not grow with the file), validating each
 * line; a bad line stops the read with its line number.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { ProxyError } from '../errors.js';
import { parseRecordingLine, type RecordingHeader, type RecordingLine, type RecordingRecord } from '../recording/format.js';

/** The lines of a recording file, parsed and validated, in order. */
export async function* readRecordingLines(path: string): AsyncGenerator<RecordingLine> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', reject);
  });
  try {
    await opened;
  } catch (error) {
    throw new ProxyError('invalid_options', `Failed to read recording ${path}: ${(error as Error).message}. Please check the path.`, { cause: error });
  }
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const text of lines) {
      lineNumber++;
      if (text.trim() === '') continue;
      const parsed = parseRecordingLine(text, lineNumber);
      if (!parsed.ok) throw new ProxyError('invalid_options', parsed.message.replace('recording line', `recording ${path} line`));
      yield parsed.line;
    }
  } finally {
    lines.close();
    input.destroy();
  }
  if (lineNumber === 0) throw new ProxyError('invalid_options', `Failed to read recording ${path}: the file is empty. Please record a session first.`);
}

/** Splits a stream of lines into the header and the records that follow it. */
export async function splitRecording(lines: AsyncIterable<RecordingLine>): Promise<{ header: RecordingHeader; records: AsyncIterator<RecordingRecord> }> {
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done || first.value.kind !== 'header') throw new ProxyError('invalid_options', 'Failed to read a recording: it has no header line. Please pass a recording made by realtime-mcp-proxy.');
  return { header: first.value, records: iterator as AsyncIterator<RecordingRecord> };
}
