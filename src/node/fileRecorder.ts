/**
 * Recordings on disk: one line per record, written at once (a crash loses at most the frame being
 * written), audio elided with its sha256, optionally kept in a sidecar file; the id placeholders'
 * mapping optionally kept in another.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ProxyError } from '../errors.js';
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
  const fd = openRecordingFile(path);
  let sidecar: number | undefined;
  let idSidecar: number | undefined;
  const seen = new Set<string>();
  const close = () => {
    closeSync(fd);
    if (sidecar !== undefined) closeSync(sidecar);
    if (idSidecar !== undefined) closeSync(idSidecar);
  };
  return new Recorder({
    ...rest,
    sink: {
      write: (line) => void writeSync(fd, `${line}\n`),
      close,
      // A session that never started: no file is left to be mistaken for a recording of one.
      discard: () => {
        close();
        rmSync(path, { force: true });
        if (sidecar !== undefined) rmSync(audioSidecarPath(path), { force: true });
        if (idSidecar !== undefined) rmSync(idMapSidecarPath(path), { force: true });
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

/** Opens (truncates) the recording, or says in words why it cannot: a missing directory, a directory in the way, no permission. */
function openRecordingFile(path: string): number {
  try {
    return openSync(path, 'w');
  } catch (cause) {
    const code = (cause as { code?: unknown })?.code;
    const directory = dirname(resolve(path));
    const fail = (why: string, please: string) => new ProxyError('invalid_options', `Failed to record to ${path}: ${why}. Please ${please}.`, { cause, data: { path } });
    if (code === 'ENOENT' || (code === 'ENOTDIR' && !isDirectory(directory))) {
      throw fail(existsSync(directory) ? `${directory} is not a directory` : `the directory ${directory} does not exist`, 'create it first, or record to a path in an existing directory');
    }
    if (code === 'EISDIR') throw fail('it is a directory', `give a file name, e.g. ${path.replace(/[\\/]+$/, '')}/session.jsonl`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw fail(`it cannot be written (${String(code)})`, 'check the permissions of the file and its directory, or record elsewhere');
    throw fail(cause instanceof Error ? cause.message : String(cause), 'check the path');
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
