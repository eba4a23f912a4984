/**
 * Recordings on disk: one line per record, written at once (a crash loses at most the frame being
 * written), audio elided with its sha256, optionally kept in a sidecar file.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { Recorder, type RecorderOptions } from '../recording/recorder.js';

export interface FileRecorderOptions extends Omit<RecorderOptions, 'sink' | 'hash' | 'onAudio'> {
  path: string;
}

/** `x.jsonl` → `x.audio.jsonl`: one `{ sha256, base64 }` line per distinct audio payload. */
export function audioSidecarPath(path: string): string {
  return `${path.replace(/\.jsonl$/, '')}.audio.jsonl`;
}

export function createFileRecorder(options: FileRecorderOptions): Recorder {
  const { path, ...rest } = options;
  const fd = openSync(path, 'w');
  let sidecar: number | undefined;
  const seen = new Set<string>();
  return new Recorder({
    ...rest,
    sink: {
      write: (line) => void writeSync(fd, `${line}\n`),
      close: () => {
        closeSync(fd);
        if (sidecar !== undefined) closeSync(sidecar);
      },
    },
    hash: (base64) => createHash('sha256').update(base64).digest('hex'),
    onAudio: (sha256, base64) => {
      if (seen.has(sha256)) return;
      seen.add(sha256);
      sidecar ??= openSync(audioSidecarPath(path), 'w');
      writeSync(sidecar, `${JSON.stringify({ sha256, base64 })}\n`);
    },
  });
}
