/**
 * Recordings on disk: one line per record, written at once (a crash loses at most the frame being
 * written), audio elided with its sha256, optionally kept in a sidecar file; the id placeholders'
 * mapping optionally kept in another.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { Recorder, type RecorderOptions } from '../recording/recorder.js';

export interface FileRecorderOptions extends Omit<RecorderOptions, 'sink' | 'hash' | 'onAudio' | 'onIdPlaceholder'> {
  path: string;
  /**
   * With id placeholders: also write `x.ids.jsonl`, one `{ placeholder, id }` line per id as it is
   * first seen, to find the session in OpenAI's or an MCP server's logs. Off by default: a recording
   * meant for a repository should not carry the real ids.
   */
  idMap?: boolean;
}

/** `x.jsonl` → `x.audio.jsonl`: one `{ sha256, base64 }` line per distinct audio payload. */
export function audioSidecarPath(path: string): string {
  return `${path.replace(/\.jsonl$/, '')}.audio.jsonl`;
}

/** `x.jsonl` → `x.ids.jsonl`: one `{ placeholder, id }` line per id placeholder. */
export function idMapSidecarPath(path: string): string {
  return `${path.replace(/\.jsonl$/, '')}.ids.jsonl`;
}

export function createFileRecorder(options: FileRecorderOptions): Recorder {
  const { path, idMap, ...rest } = options;
  const fd = openSync(path, 'w');
  let sidecar: number | undefined;
  let idSidecar: number | undefined;
  const seen = new Set<string>();
  return new Recorder({
    ...rest,
    sink: {
      write: (line) => void writeSync(fd, `${line}\n`),
      close: () => {
        closeSync(fd);
        if (sidecar !== undefined) closeSync(sidecar);
        if (idSidecar !== undefined) closeSync(idSidecar);
      },
    },
    ...(idMap && (rest.ids ?? 'placeholders') === 'placeholders'
      ? {
          onIdPlaceholder: (placeholder: string, id: string) => {
            idSidecar ??= openSync(idMapSidecarPath(path), 'w');
            writeSync(idSidecar, `${JSON.stringify({ placeholder, id })}\n`);
          },
        }
      : {}),
    hash: (base64) => createHash('sha256').update(base64).digest('hex'),
    onAudio: (sha256, base64) => {
      if (seen.has(sha256)) return;
      seen.add(sha256);
      sidecar ??= openSync(audioSidecarPath(path), 'w');
      writeSync(sidecar, `${JSON.stringify({ sha256, base64 })}\n`);
    },
  });
}
