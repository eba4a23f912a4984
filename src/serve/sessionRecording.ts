/**
 * `--record-sessions`: each session's recording, kept in memory for `GET /sessions/:id/recording`
 * (JSONL, the format `replay` and the demo load). The library's Recorder writes it: redacted with
 * the session's redactor, ids as placeholders, audio elided with its sha256. Bounded: past
 * `maxBytes` (8 MiB) no more records are kept and the header's `meta.recording_truncated` says how
 * many were dropped (the file stays parseable; a replay of it ends where it was cut).
 */
import { createHash } from 'node:crypto';
import type { RecordingSink } from '../recording/recorder.js';

export const MAX_RECORDING_BYTES = 8 * 1024 * 1024;

export class SessionRecording {
  readonly #maxBytes: number;
  readonly #lines: string[] = [];
  #bytes = 0;
  #dropped = 0;

  constructor(options: { maxBytes?: number } = {}) {
    this.#maxBytes = options.maxBytes ?? MAX_RECORDING_BYTES;
  }

  /** Where the session's Recorder writes. */
  readonly sink: RecordingSink = {
    write: (line) => {
      // The header always goes in: it is what makes the rest readable.
      if (this.#lines.length > 0 && this.#bytes + line.length + 1 > this.#maxBytes) {
        this.#dropped++;
        return;
      }
      this.#lines.push(line);
      this.#bytes += line.length + 1;
    },
    close: () => undefined,
  };

  /** Records dropped past the bound. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Nothing written yet (the session has not attached: its recorder starts with its proxy). */
  get empty(): boolean {
    return this.#lines.length === 0;
  }

  /** The recording as JSONL (one line per record, a newline after each). */
  text(): string {
    if (this.#lines.length === 0) return '';
    const lines = this.#dropped === 0 ? this.#lines : [markTruncated(this.#lines[0]!, this.#dropped, this.#maxBytes), ...this.#lines.slice(1)];
    return `${lines.join('\n')}\n`;
  }
}

function markTruncated(headerLine: string, dropped: number, maxBytes: number): string {
  const header = JSON.parse(headerLine) as { meta?: Record<string, unknown> };
  return JSON.stringify({ ...header, meta: { ...header.meta, recording_truncated: { droppedRecords: dropped, maxBytes } } });
}

/** The sha256 (hex) of base64 audio, for the Recorder's elided audio. */
export function audioHash(base64: string): string {
  return createHash('sha256').update(base64).digest('hex');
}
