/**
 * `POST /replays`: a recording played through the library's `replayRecording` (recorded MCP answers,
 * no network, no key) with `inspect: true`, its proxy's events forwarded into a serve session's
 * event log exactly as a live session's are, so `GET /events?session=` shows a replay the way it
 * shows a call. `fast`, `realtime` (× speed) or `step` (each `POST /replays/:id/step` plays one
 * record); `DELETE /replays/:id` stops it at the next record. At most 4 run at once; an ended replay's
 * control is dropped after a few minutes, or sooner once 20 newer ones ended (its events stay with
 * the ended session).
 */
import { replayRecording, type ReplayMode, type ReplayOptions, type ReplayResult } from '../node/replay.js';
import type { RealtimeMcpProxy } from '../proxy/createRealtimeMcpProxy.js';
import { parseRecordingLine, type RecordingLine } from '../recording/format.js';
import { Redactor } from '../redaction/index.js';
import { ServeHttpError } from './httpErrors.js';
import type { ServeSession, SessionRegistry } from './sessions.js';

export const MAX_REPLAY_BODY_BYTES = 4 * 1024 * 1024;
export const MAX_CONCURRENT_REPLAYS = 4;
/** How long an ended replay still answers `/step` (with `done: true`) and `DELETE`. */
const ENDED_REPLAY_MS = 5 * 60_000;
/** Ended replays kept for that (the newest): each holds its session and event log, and fast replays end quickly. */
export const KEPT_ENDED_REPLAYS = 20;
/** A step waits at most this long for its record to be played (the replay's own wait per event is 10 s). */
const STEP_WAIT_MS = 15_000;
/** A step replay nobody steps for this long is stopped: it would hold one of the 4 places forever. */
const IDLE_STEP_MS = 10 * 60_000;

export interface ReplayRequest {
  mode: ReplayMode;
  speed: number;
}

/** `?mode=realtime|step|fast&speed=N` (default realtime at 1×). */
export function parseReplayQuery(mode: string | undefined, speed: string | undefined): ReplayRequest {
  const chosen = mode ?? 'realtime';
  if (chosen !== 'realtime' && chosen !== 'step' && chosen !== 'fast') throw new ServeHttpError(400, 'invalid_request', 'Failed to read the request: mode must be realtime, step or fast. Please fix the query.');
  const factor = speed === undefined ? 1 : /^\d{1,3}(\.\d{1,3})?$/.test(speed) ? Number(speed) : NaN;
  if (!(factor >= 0.25 && factor <= 64)) throw new ServeHttpError(400, 'invalid_request', 'Failed to read the request: speed must be a number from 0.25 to 64 (e.g. 1 or 4). Please fix the query.');
  return { mode: chosen, speed: factor };
}

/** A recording's JSONL, every line checked by the library's parser; the first bad line is a 400 naming it. */
export function parseRecordingText(text: string): RecordingLine[] {
  const lines: RecordingLine[] = [];
  const texts = text.split('\n');
  for (let index = 0; index < texts.length; index++) {
    const raw = texts[index]!.endsWith('\r') ? texts[index]!.slice(0, -1) : texts[index]!;
    if (raw.trim() === '') continue;
    const parsed = parseRecordingLine(raw, index + 1);
    if (!parsed.ok) {
      const why = parsed.message.replace(/^Failed to read recording line (\d+): /, 'line $1: ').replace(/ Please check the file, or record it again\.$/, '');
      throw new ServeHttpError(400, 'invalid_recording', `Failed to read the recording: ${why} Please load a recording made by realtime-mcp-proxy (a file from recordings/, an exported console, or GET /sessions/:id/recording).`);
    }
    lines.push(parsed.line);
  }
  if (lines.length === 0) throw new ServeHttpError(400, 'invalid_recording', 'Failed to read the recording: the body is empty. Please send the recording\'s JSONL as the body.');
  return lines;
}

interface Replay {
  readonly session: ServeSession;
  readonly mode: ReplayMode;
  played: number;
  done: boolean;
  stopped: boolean;
  /** Step mode: the record waiting for a step releases this. */
  gate: (() => void) | undefined;
  /** Told when a gate opens or the replay ends (a step waits for it). */
  waiters: Set<() => void>;
  /** Steps run one after the other. */
  steps: Promise<unknown>;
}

export class ReplayRegistry {
  readonly #replays = new Map<string, Replay>();
  /** Ended replays' ids, oldest first. */
  readonly #ended = new Set<string>();
  readonly #sessions: SessionRegistry;
  readonly #redactor: Redactor;
  readonly #log: (message: string) => void;
  #running = 0;

  constructor(options: { sessions: SessionRegistry; redactor: Redactor; log: (message: string) => void }) {
    this.#sessions = options.sessions;
    this.#redactor = options.redactor;
    this.#log = options.log;
  }

  /** Starts a replay in a new session; 503 when 4 run already. */
  start(lines: RecordingLine[], request: ReplayRequest): { sessionId: string; records: number } {
    if (this.#running >= MAX_CONCURRENT_REPLAYS) {
      throw new ServeHttpError(503, 'too_many_replays', `Failed to start a replay: ${MAX_CONCURRENT_REPLAYS} replays are running, the most this server plays at once. Please stop one (DELETE /replays/:id) or wait for one to end.`, { 'Retry-After': '5' });
    }
    const redactor = new Redactor();
    this.#redactor.link(redactor);
    const session = this.#sessions.create('replay', {
      redactor,
      createProxy: () => {
        throw new ServeHttpError(409, 'session_not_pending', 'Failed to attach a replay: it plays a recording, not a call. Please follow its events instead.');
      },
    });
    const replay: Replay = { session, mode: request.mode, played: 0, done: false, stopped: false, gate: undefined, waiters: new Set(), steps: Promise.resolve() };
    this.#replays.set(session.id, replay);
    this.#running++;
    session.events.push('replay.started', { sessionId: session.id, mode: request.mode, speed: request.speed, records: lines.length - 1 });
    void this.#run(replay, lines, request);
    return { sessionId: session.id, records: lines.length - 1 };
  }

  /** Plays the next record of a step replay and answers once it was played (or the replay ended). */
  step(id: string): Promise<{ played: number; done: boolean }> {
    const replay = this.#get(id);
    if (replay.mode !== 'step') throw new ServeHttpError(409, 'invalid_request', `Failed to step replay ${id}: it plays in ${replay.mode} mode. Please start it with ?mode=step.`);
    const next = replay.steps.then(async () => {
      if (!replay.done && replay.gate === undefined) await this.#changed(replay);
      const open = replay.gate;
      if (open === undefined) return { played: replay.played, done: replay.done };
      replay.gate = undefined;
      open();
      await this.#changed(replay);
      return { played: replay.played, done: replay.done };
    });
    replay.steps = next.catch(() => undefined);
    return next;
  }

  /** Stops a replay at its next record; its session ends with `replay_stopped`. */
  stop(id: string): { sessionId: string; stopped: boolean } {
    const replay = this.#get(id);
    if (!replay.done && !replay.stopped) {
      replay.stopped = true;
      const open = replay.gate;
      replay.gate = undefined;
      open?.();
      // The page hears at once; the replay itself unwinds behind (its proxy may wait on the recorded MCP server a while).
      void this.#end(replay, { ok: false, records: replay.played, stopped: true }, 'replay_stopped');
    }
    return { sessionId: id, stopped: !replay.done || replay.stopped };
  }

  stopAll(): void {
    for (const id of this.#replays.keys()) this.stop(id);
  }

  get running(): number {
    return this.#running;
  }

  #get(id: string): Replay {
    const replay = this.#replays.get(id);
    if (replay === undefined) throw new ServeHttpError(404, 'not_found', `Failed to find replay ${id}: there is no such replay (ended ones are dropped after a few minutes). Please use the sessionId of POST /replays.`);
    return replay;
  }

  /** Resolves at the next gate or the end, or after STEP_WAIT_MS. */
  #changed(replay: Replay): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, STEP_WAIT_MS);
      function done() {
        clearTimeout(timer);
        replay.waiters.delete(done);
        resolve();
      }
      replay.waiters.add(done);
    });
  }

  #tell(replay: Replay): void {
    for (const waiter of [...replay.waiters]) waiter();
  }

  async #run(replay: Replay, lines: RecordingLine[], request: ReplayRequest): Promise<void> {
    const { session } = replay;
    const stoppedError = new Error('Failed to finish the replay: it was stopped. Please start it again to see the rest.');
    const options: ReplayOptions = {
      mode: request.mode,
      speed: request.speed,
      inspect: true,
      // The replay's proxy, followed like a live session's (ended by this runner, after the result is told).
      onProxy: (proxy: RealtimeMcpProxy) => session.adopt(proxy, { endWithProxy: false }),
      beforeRecord: async () => {
        if (replay.stopped) throw stoppedError;
        if (request.mode === 'step') {
          await new Promise<void>((resolve) => {
            replay.gate = resolve;
            this.#tell(replay);
            const idle = setTimeout(() => replay.gate === resolve && this.stop(session.id), IDLE_STEP_MS);
            idle.unref();
          });
          if (replay.stopped) throw stoppedError;
        }
        replay.played++;
      },
    };
    let result: ReplayResult | undefined;
    let failure: string | undefined;
    try {
      result = await replayRecording(each(lines), options);
    } catch (error) {
      failure = error === stoppedError ? stoppedError.message : error instanceof Error ? error.message : String(error);
    }
    replay.done = true;
    this.#running--;
    this.#tell(replay);
    if (!replay.stopped) {
      const shown = result
        ? { ok: result.ok, records: result.records, matched: result.matched, ...(result.failure ? { failure: { seq: result.failure.seq, message: result.failure.message, ...(result.failure.path ? { path: result.failure.path } : {}) } } : {}) }
        : { ok: false, records: replay.played, failure: { seq: 0, message: failure } };
      await this.#end(replay, shown, shown.ok ? 'replay_finished' : 'replay_failed');
    }
    this.#keepEnded(session.id);
  }

  /** An ended replay answers for ENDED_REPLAY_MS, and only while it is among the newest KEPT_ENDED_REPLAYS. */
  #keepEnded(id: string): void {
    this.#ended.add(id);
    const timer = setTimeout(() => this.#drop(id), ENDED_REPLAY_MS);
    timer.unref();
    while (this.#ended.size > KEPT_ENDED_REPLAYS) this.#drop(this.#ended.values().next().value!);
  }

  #drop(id: string): void {
    this.#ended.delete(id);
    this.#replays.delete(id);
  }

  /** Tells the result, then ends the session (once). */
  async #end(replay: Replay, shown: { ok: boolean; records: number; [key: string]: unknown }, reason: string): Promise<void> {
    const { session } = replay;
    session.events.push('replay.ended', session.redactor.value(shown));
    this.#log(`replay ${session.id} ended (${reason}, ${shown.records} records)`);
    await session.close(reason);
  }
}

async function* each<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}
