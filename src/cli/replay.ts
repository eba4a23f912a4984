/**
 * `realtime-mcp-proxy replay`: replays recordings against the current proxy and reports, per file,
 * whether the proxy still sends the recorded client events (PASS) or where it first differs (FAIL,
 * with a short diff), or that it could not be replayed at all (ERROR: unreadable, not a recording, or
 * --mcp labels that do not match it). Exit 0 when every file passes, 1 when one fails (a behaviour
 * change), 2 for bad flags or a file that could not be replayed.
 */
import { createInterface } from 'node:readline';
import { ProxyError } from '../errors.js';
import type { McpServerConfig } from '../mcp/types.js';
import { readRecordingLines } from '../node/readRecording.js';
import { replayRecording, type ReplayFailure, type ReplayOptions, type ReplayResult } from '../node/replay.js';
import { describeDifference } from '../node/replayDiff.js';
import { isJsonObject } from '../isJsonObject.js';
import type { RecordingRecord } from '../recording/format.js';
import { parseFlags, usageError, type Command, type CommandIo } from './command.js';

export const replayUsage = `Usage: realtime-mcp-proxy replay <file.jsonl…> [options]

Replays each recording against the proxy: the recorded Realtime server events go in, the recorded
MCP answers come from a mock server, and every client event the proxy sends must match the
recorded one. Prints PASS or FAIL (with the first difference) per file, then a summary.

  --fast               no waiting but for the proxy (the default)
  --speed N            the recorded timing, N times faster (1: as recorded)
  --step               wait for Enter before each record (needs a terminal);
                       type c + Enter to run to the end, q + Enter to stop
  --mcp label=url      a live MCP server instead of the recorded answers (repeatable; give one
                       per server label of the recording)
  --wait MS            how long to wait for each event the recording expects (default 10000;
                       in --step mode: no limit unless given)
  --json               one JSON object per file, then a summary object

A file that cannot be replayed at all (missing, unreadable, not JSON lines, not a recording, or
--mcp labels that do not match it) is reported as ERROR; the other files still run.

Exit code: 0 every file passed; 1 a file failed (the proxy behaves differently from the recording),
or --step was stopped; 2 bad flags, or a file that could not be replayed (ERROR).

Examples:
  realtime-mcp-proxy replay session.jsonl
  realtime-mcp-proxy replay recordings/*.jsonl --json
  realtime-mcp-proxy replay session.jsonl --speed 1            # with the recorded timing
  realtime-mcp-proxy replay session.jsonl --mcp weather=http://127.0.0.1:4000/mcp
  realtime-mcp-proxy replay session.jsonl || echo "exit $?: 1 behaviour changed, 2 bad file or flags"`;

/** What the flags ask for. */
export interface ReplayCliOptions {
  files: string[];
  mode: 'fast' | 'realtime' | 'step';
  speed?: number;
  servers?: McpServerConfig[];
  waitMs?: number;
  json: boolean;
}

/** Where `--step` reads its Enter presses (process.stdin; tests pass their own). */
export type StepInput = NodeJS.ReadableStream & { isTTY?: boolean };

/** In step mode, nobody should fail for thinking too long: the wait per event is then this (1 h). */
const STEP_WAIT_MS = 3_600_000;

export function parseReplayArgs(argv: string[]): ReplayCliOptions {
  const { values, positionals } = parseFlags(
    'replay',
    argv,
    {
      speed: { type: 'string' },
      fast: { type: 'boolean' },
      step: { type: 'boolean' },
      mcp: { type: 'string', multiple: true },
      wait: { type: 'string' },
      json: { type: 'boolean' },
    },
    { positionals: true },
  );
  if (positionals.length === 0) throw usageError('replay', 'no recording given (pass one or more .jsonl files)');
  const modes = [values.fast && '--fast', values.speed !== undefined && '--speed', values.step && '--step'].filter(Boolean);
  if (modes.length > 1) throw usageError('replay', `${modes.join(' and ')} cannot be combined (pick one pace)`);
  let speed: number | undefined;
  if (values.speed !== undefined) {
    speed = Number(values.speed);
    if (!(Number.isFinite(speed) && speed > 0)) throw usageError('replay', `--speed must be a number above 0 (got "${values.speed}")`);
  }
  let waitMs: number | undefined;
  if (values.wait !== undefined) {
    waitMs = Number(values.wait);
    if (!(Number.isFinite(waitMs) && waitMs > 0)) throw usageError('replay', `--wait must be a positive number of milliseconds (got "${values.wait}")`);
  }
  const labels = new Set<string>();
  const servers = (values.mcp ?? []).map((spec): McpServerConfig => {
    const at = spec.indexOf('=');
    if (at <= 0 || at === spec.length - 1) throw usageError('replay', `--mcp "${spec}" is not label=url`);
    const label = spec.slice(0, at);
    if (labels.has(label)) throw usageError('replay', `--mcp gives the label "${label}" twice`);
    labels.add(label);
    return { label, url: spec.slice(at + 1) };
  });
  return {
    files: positionals,
    mode: values.step ? 'step' : speed !== undefined ? 'realtime' : 'fast',
    ...(speed !== undefined ? { speed } : {}),
    ...(servers.length > 0 ? { servers } : {}),
    ...(waitMs !== undefined ? { waitMs } : {}),
    json: values.json ?? false,
  };
}

/** The outcome of one file, as printed (and as the --json object). */
interface FileOutcome {
  kind: 'file';
  path: string;
  ok: boolean;
  /** The file could not be replayed at all (unreadable, not a recording, --mcp labels that do not match): exit 2. */
  error?: true;
  records: number;
  matched: number;
  durationMs: number;
  failure?: ReplayFailure;
}

/** Runs the replay command; `input` is where --step reads Enter from. */
export async function runReplay(options: ReplayCliOptions, io: CommandIo, input: StepInput = process.stdin): Promise<number> {
  if (options.mode === 'step' && !input.isTTY) {
    throw usageError('replay', '--step waits for Enter on a terminal, and stdin is not one (a pipe or a file)');
  }
  const stepper = options.mode === 'step' ? createStepper(input) : undefined;
  const emit = (value: Record<string, unknown>) => io.write(JSON.stringify(value));
  let passed = 0;
  let failed = 0;
  let errors = 0;
  let skipped = 0;
  try {
    if (stepper && !options.json) io.write('Stepping: Enter plays the next record, c + Enter runs to the end, q + Enter stops.');
    for (const [index, path] of options.files.entries()) {
      const counter = options.files.length > 1 ? `[${index + 1}/${options.files.length}] ` : '';
      if (stepper?.stopped) {
        skipped = options.files.length - index;
        break;
      }
      const outcome = await replayFile(path, options, io, stepper);
      if (outcome.ok) passed++;
      else if (outcome.error) errors++;
      else failed++;
      if (options.json) {
        emit({ ...outcome, durationMs: Math.round(outcome.durationMs) });
        continue;
      }
      if (outcome.ok) {
        io.write(`${counter}PASS ${path} (${outcome.records} records, ${outcome.matched} client events matched, ${Math.round(outcome.durationMs)} ms)`);
      } else if (outcome.error) {
        io.write(`${counter}ERROR ${path}: ${outcome.failure!.message}`);
      } else {
        io.write(`${counter}FAIL ${path}: ${outcome.failure!.message}`);
        for (const line of describeDifference(outcome.failure!)) io.write(line);
      }
    }
  } finally {
    stepper?.close();
  }
  if (options.json) emit({ kind: 'summary', passed, failed, ...(errors ? { errors } : {}), ...(skipped ? { skipped } : {}), files: options.files.length });
  else io.write(`${passed} passed, ${failed} failed${errors ? `, ${errors} could not be replayed` : ''}${skipped ? `, ${skipped} not run (stopped)` : ''}`);
  if (errors > 0) return 2;
  return failed === 0 && skipped === 0 ? 0 : 1;
}

async function replayFile(path: string, options: ReplayCliOptions, io: CommandIo, stepper: Stepper | undefined): Promise<FileOutcome> {
  const startedAt = performance.now();
  const failed = (message: string, error?: true): FileOutcome => ({
    kind: 'file',
    path,
    ok: false,
    ...(error ? { error } : {}),
    records: 0,
    matched: 0,
    durationMs: performance.now() - startedAt,
    failure: { seq: 0, message },
  });
  try {
    if (options.servers) {
      const problem = await checkLabels(path, options.servers);
      if (problem) return failed(problem, true);
    }
    const replay: ReplayOptions = {
      mode: options.mode,
      ...(options.speed !== undefined ? { speed: options.speed } : {}),
      ...(options.servers ? { servers: options.servers } : {}),
      ...(options.waitMs !== undefined ? { waitMs: options.waitMs } : options.mode === 'step' ? { waitMs: STEP_WAIT_MS } : {}),
      ...(stepper
        ? {
            beforeRecord: async (record: RecordingRecord) => {
              const what = describeRecord(record);
              if (options.json) io.write(JSON.stringify({ kind: 'step', path, seq: what.seq, peer: what.peer, dir: what.dir, record: what.kind, type: what.type }));
              else io.write(`step ${String(what.seq).padStart(4)}  ${what.peer.padEnd(14)} ${what.dir.padEnd(3)} ${what.kind.padEnd(13)} ${what.type}`);
              await stepper.next(record.seq);
            },
          }
        : {}),
    };
    const result: ReplayResult = await replayRecording(path, replay);
    return {
      kind: 'file',
      path,
      ok: result.ok,
      records: result.records,
      matched: result.matched,
      durationMs: result.durationMs,
      ...(result.failure ? { failure: result.failure } : {}),
    };
  } catch (error) {
    // A missing or malformed file: the reader's message names the file and the line. Bad input, not a behaviour change.
    if (ProxyError.isInstance(error)) return failed(error.message, isRecordingError(error) ? true : undefined);
    return failed(`Failed to replay ${path}: ${(error as Error).message}. Please check the file, or report this if it persists.`);
  }
}

/** An error reading the file (the reader marks them with the recording's path), as opposed to the replay going another way. */
function isRecordingError(error: ProxyError): boolean {
  return error.code === 'invalid_options' && isJsonObject(error.data) && 'recording' in error.data;
}

/** With --mcp, every recorded server label needs a live server, and no more. */
async function checkLabels(path: string, servers: McpServerConfig[]): Promise<string | undefined> {
  const lines = readRecordingLines(path);
  let recorded: string[] = [];
  try {
    const first = await lines.next();
    if (!first.done && first.value.kind === 'header') recorded = (first.value.servers ?? []).map((server) => server.label);
    else return undefined; // the replay itself reports a missing header
  } finally {
    await lines.return(undefined);
  }
  const given = servers.map((server) => server.label);
  const missing = recorded.filter((label) => !given.includes(label));
  const extra = given.filter((label) => !recorded.includes(label));
  if (missing.length === 0 && extra.length === 0) return undefined;
  const list = (labels: string[]) => (labels.length === 0 ? 'none' : labels.map((label) => `"${label}"`).join(', '));
  return `Failed to replay ${path} with live MCP servers: the recording has the server labels ${list(recorded)}, --mcp gives ${list(given)}. Please give one --mcp label=url per recorded label.`;
}

function describeRecord(record: RecordingRecord): { seq: number; peer: string; dir: string; kind: string; type: string } {
  let type = '';
  if (record.kind === 'ws.message') type = typeof record.data === 'string' ? '(text)' : String(record.data.type ?? '');
  else if (record.kind === 'http.request') type = `${record.method} ${rpcMethod(record.body) ?? ''}`.trim();
  else if (record.kind === 'http.response') type = String(record.status);
  else if (record.kind === 'sse.event' || record.kind === 'jsonrpc.message') type = rpcMethod(record.data) ?? (isJsonObject(record.data) && 'id' in record.data ? `answer to ${String(record.data.id)}` : '');
  else if (record.kind === 'ws.close') type = `${record.code}${record.reason ? ` ${record.reason}` : ''}`;
  else if (record.kind === 'approval.answer') type = `${record.approvalId} ${record.approved ? 'approved' : 'denied'}`;
  else if (record.kind === 'allowedTools.set') type = `${record.allowedTools.length} tools allowed`;
  return { seq: record.seq, peer: record.peer, dir: record.dir, kind: record.kind, type };
}

function rpcMethod(body: unknown): string | undefined {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  return isJsonObject(value) && typeof value.method === 'string' ? value.method : undefined;
}

interface Stepper {
  /** Resolves on Enter; rejects on q or the end of input. After c, resolves at once. */
  next(seq: number): Promise<void>;
  /** q was typed: the files after this one are not run. */
  readonly stopped: boolean;
  close(): void;
}

function createStepper(input: StepInput): Stepper {
  // terminal: false keeps the terminal in cooked mode, so Ctrl-C still interrupts the process.
  const lines = createInterface({ input, terminal: false });
  const queued: string[] = [];
  let waiting: ((line: string | undefined) => void) | undefined;
  let ended = false;
  let running = false;
  let stopped = false;
  lines.on('line', (line) => {
    if (waiting) {
      const resolve = waiting;
      waiting = undefined;
      resolve(line);
    } else queued.push(line);
  });
  lines.on('close', () => {
    ended = true;
    waiting?.(undefined);
    waiting = undefined;
  });
  return {
    async next(seq) {
      if (running) return;
      const line = queued.length > 0 ? queued.shift() : ended ? undefined : await new Promise<string | undefined>((resolve) => (waiting = resolve));
      const answer = line?.trim().toLowerCase();
      if (answer === undefined) throw new ProxyError('invalid_options', `Failed to step through the replay: the input ended before record ${seq}. Please run --step from a terminal.`);
      if (answer === 'q') stopped = true;
      if (answer === 'q') throw new ProxyError('invalid_options', `Failed to replay to the end: stopped at record ${seq} (you typed q). Please run it again to go further.`);
      if (answer === 'c') running = true;
    },
    get stopped() {
      return stopped;
    },
    close: () => lines.close(),
  };
}

export const replayCommand: Command = {
  name: 'replay',
  summary: 'replay recordings against the proxy and report PASS or FAIL (with a diff) per file',
  usage: replayUsage,
  run: (argv, io) => runReplay(parseReplayArgs(argv), io),
};
