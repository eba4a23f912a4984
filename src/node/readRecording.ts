/**
 * Reads a recording line by line (streamed: memory does not grow with the file), validating each
 * line; a bad line stops the read with its line number.
 */
import { createReadStream } from 'node:fs';
import { ProxyError } from '../errors.js';
import { parseRecordingLine, type RecordingLine } from '../recording/format.js';

/** The lines of a recording file, parsed and validated, in order. */
export async function* readRecordingLines(path: string): AsyncGenerator<RecordingLine> {
  for await (const batch of readRecordingBatches(path)) yield* batch;
}

/**
 * The same lines, a batch per chunk read from the disk: a replay of 100k lines then pays one async
 * step per chunk instead of one per line.
 */
export async function* readRecordingBatches(path: string): AsyncGenerator<RecordingLine[]> {
  const input = createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 });
  const opened = new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', reject);
  });
  try {
    await opened;
  } catch (error) {
    throw new ProxyError('invalid_options', `Failed to read recording ${path}: ${(error as Error).message}. Please check the path.`, { cause: error, data: { recording: path } });
  }
  let lineNumber = 0;
  let carry = '';
  const parse = (texts: string[]): RecordingLine[] => {
    const lines: RecordingLine[] = [];
    for (const raw of texts) {
      lineNumber++;
      const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (text.trim() === '') continue;
      const parsed = parseRecordingLine(text, lineNumber);
      if (!parsed.ok) throw new ProxyError('invalid_options', parsed.message.replace('recording line', `recording ${path} line`), { data: { recording: path, line: lineNumber } });
      lines.push(parsed.line);
    }
    return lines;
  };
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      const texts = (carry + chunk).split('\n');
      carry = texts.pop()!;
      const lines = parse(texts);
      if (lines.length > 0) yield lines;
    }
    const last = parse([carry]);
    if (last.length > 0) yield last;
  } finally {
    input.destroy();
  }
  if (lineNumber === 0 || (lineNumber === 1 && carry.trim() === '')) throw new ProxyError('invalid_options', `Failed to read recording ${path}: the file is empty. Please record a session first.`, { data: { recording: path } });
}
