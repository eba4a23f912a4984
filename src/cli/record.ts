/**
 * `realtime-mcp-proxy record`: exactly what `connect` runs, with the session recorded to a JSONL file
 * (secrets redacted as each line is written; see recordings/README.md). Prints where it wrote and how
 * many lines at the end. Exit codes as `connect`'s.
 */
import { createReadStream, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ProxyError } from '../errors.js';
import { audioSidecarPath, idMapSidecarPath } from '../node/fileRecorder.js';
import { parseFlags, usageError, type Command, type CommandIo } from './command.js';
import { runConnect } from './connect.js';
import { CONNECT_FLAGS, parseConnectArgs } from './connectArgs.js';

export const recordUsage = `Usage: realtime-mcp-proxy record --out file.jsonl [options] -- <connect flags>

Runs a \`connect\` session (same flags, after \`--\`) and records it to a JSONL file: every Realtime
frame, MCP request and answer, in one order. The API key and MCP tokens are redacted as each line is
written; ids become placeholders unless --raw-ids. Replay it with \`realtime-mcp-proxy replay\`.

  --out FILE           where to write the recording (overwritten)
  --audio MODE         elided (default: audio replaced by its length and sha256) | sidecar (the
                       bytes also go to FILE.audio.jsonl) | kept (written inline)
  --raw-ids            keep the real event, item and call ids instead of placeholders
  --id-map             also write FILE.ids.jsonl: each placeholder with the real id it stands for
                       (to find the session in OpenAI's or an MCP server's logs)
  --description TEXT   a note for the recording's header

Examples:
  OPENAI_API_KEY=sk-… realtime-mcp-proxy record --out session.jsonl -- --mcp weather=http://127.0.0.1:4000/mcp
  realtime-mcp-proxy record --out session.jsonl --audio sidecar -- --config realtime-mcp-proxy.json
  realtime-mcp-proxy replay session.jsonl

Exit codes (as connect's):
  0  the session ended normally; the recording is complete
  1  the session failed or never started (the file still records how far it got)
  2  bad usage: a bad flag, --out in a missing directory, or a bad connect flag or config file`;

export interface RecordCliOptions {
  out: string;
  audio: 'elided' | 'sidecar' | 'kept';
  ids: 'placeholders' | 'raw';
  /** Keep the placeholders' mapping in FILE.ids.jsonl. */
  idMap: boolean;
  description?: string;
  /** The flags after `--`, for connect. */
  connect: string[];
}

const connectFlags = new Set(Object.keys(CONNECT_FLAGS).map((name) => `--${name}`));

export function parseRecordArgs(argv: string[]): RecordCliOptions {
  const split = argv.indexOf('--');
  const own = split < 0 ? argv : argv.slice(0, split);
  const connect = split < 0 ? [] : argv.slice(split + 1);
  const { values } = parseFlags(
    'record',
    own,
    {
      out: { type: 'string' },
      audio: { type: 'string' },
      'raw-ids': { type: 'boolean' },
      'id-map': { type: 'boolean' },
      description: { type: 'string' },
    },
    {
      unknownFlag: (flag) =>
        connectFlags.has(flag) ? `${flag} is a connect flag: put it after \`--\` (record --out file.jsonl -- ${flag} …)` : undefined,
    },
  );
  if (!values.out) throw usageError('record', 'no --out file given');
  if (values['raw-ids'] && values['id-map']) throw usageError('record', '--id-map maps placeholders to ids, and --raw-ids writes no placeholders: give one of them');
  const audio = values.audio ?? 'elided';
  if (audio !== 'elided' && audio !== 'sidecar' && audio !== 'kept') throw usageError('record', `--audio must be elided, sidecar or kept, not "${audio}"`);
  const out = resolve(values.out);
  let directory;
  try {
    directory = statSync(dirname(out));
  } catch {
    directory = undefined;
  }
  if (!directory?.isDirectory()) throw usageError('record', `--out ${values.out}: the directory ${dirname(out)} does not exist`);
  let existing;
  try {
    existing = statSync(out);
  } catch {
    existing = undefined;
  }
  if (existing?.isDirectory()) throw usageError('record', `--out ${values.out} is a directory (give a file name, e.g. ${values.out.replace(/\/$/, '')}/session.jsonl)`);
  return {
    out,
    audio,
    ids: values['raw-ids'] ? 'raw' : 'placeholders',
    idMap: values['id-map'] ?? false,
    ...(values.description ? { description: values.description } : {}),
    connect,
  };
}

export async function runRecord(options: RecordCliOptions, io: CommandIo): Promise<number> {
  // Checked before anything is written: a bad connect flag leaves no empty file behind.
  const connect = parseConnectArgs(options.connect, io.env);
  const line = connect.json
    ? (tag: string, text: string, extra: Record<string, unknown> = {}) => io.write(JSON.stringify({ at: new Date().toISOString(), tag, text, ...extra }))
    : (tag: string, text: string) => io.write(`${tag.padEnd(8)} ${text}`);
  line('record', `writing ${options.out} (audio ${options.audio}, ids ${options.ids === 'raw' ? 'raw' : 'as placeholders'})`);
  let code: number;
  try {
    code = await runConnect(connect, io.write, {
      record: { path: options.out, audio: options.audio, ids: options.ids, idMap: options.idMap, ...(options.description ? { description: options.description } : {}) },
    });
  } catch (error) {
    if (ProxyError.isInstance(error) && error.code === 'invalid_options') throw error; // bad usage: exit 2
    line('error', `Failed to record: ${(error as Error).message}. Please check that ${options.out} can be written.`);
    return 1;
  }
  const lines = await countLines(options.out);
  if (lines === undefined) {
    line('error', `Failed to read back ${options.out} after the session. Please check the disk and the path.`);
    return 1;
  }
  const sidecar = options.audio === 'sidecar' ? audioSidecarPath(options.out) : undefined;
  const sidecarLines = sidecar ? await countLines(sidecar) : undefined;
  const audio = sidecar && sidecarLines !== undefined ? `; audio in ${sidecar} (${sidecarLines} line${sidecarLines === 1 ? '' : 's'})` : '';
  const idMap = options.idMap ? idMapSidecarPath(options.out) : undefined;
  const idLines = idMap ? await countLines(idMap) : undefined;
  const ids = idMap && idLines !== undefined ? `; id mapping in ${idMap} (${idLines} id${idLines === 1 ? '' : 's'})` : '';
  line('recorded', `${lines} line${lines === 1 ? '' : 's'} to ${options.out}${audio}${ids}`, {
    path: options.out,
    lines,
    ...(sidecar && sidecarLines !== undefined ? { audioPath: sidecar, audioLines: sidecarLines } : {}),
    ...(idMap && idLines !== undefined ? { idMapPath: idMap, idMapLines: idLines } : {}),
  });
  return code;
}

/** Lines in a file, streamed; undefined when it cannot be read. */
function countLines(path: string): Promise<number | undefined> {
  return new Promise((done) => {
    let count = 0;
    let last = 10;
    createReadStream(path)
      .on('data', (chunk: Buffer | string) => {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        for (const byte of bytes) if (byte === 10) count++;
        if (bytes.length > 0) last = bytes[bytes.length - 1]!;
      })
      .on('end', () => done(count + (last === 10 ? 0 : 1)))
      .on('error', () => done(undefined));
  });
}

export const recordCommand: Command = {
  name: 'record',
  summary: 'serve a session like connect and record it to a JSONL file (secrets redacted)',
  usage: recordUsage,
  run: (argv, io) => runRecord(parseRecordArgs(argv), io),
};
