/**
 * Replays a recording against a real proxy: the recorded server events go in over an in-memory
 * transport, the recorded MCP answers come from a mock server generated from the recording (or
 * from live servers), the host's recorded approval answers are given again, and every client
 * event the proxy sends is compared with the recorded one. The first difference ends the replay.
 */
import { ProxyError } from '../errors.js';
import type { McpServerConfig } from '../mcp/types.js';
import type { ApprovalRequest } from '../machines/types.js';
import { createMemoryTransport } from '../protocol/memoryTransport.js';
import { describeRefusedSend, watchRefusedSends } from '../protocol/refusedSends.js';
import { createRealtimeMcpProxy, type RealtimeMcpProxy } from '../proxy/createRealtimeMcpProxy.js';
import { ELIDED_AUDIO_FIELDS, type RecordingHeader, type RecordingLine, type RecordingRecord } from '../recording/format.js';
import { matchIds } from '../recording/ids.js';
import { readRecordingBatches } from './readRecording.js';
import { createRecordedMcpServer, type RecordedMcpServer } from './recordedMcpServer.js';
import { createRecordedStdioServers } from './recordedStdioServers.js';
import { describeDifference } from './replayDiff.js';
import { createWakeups } from './wakeups.js';

export type ReplayMode = 'fast' | 'realtime' | 'step';

export interface ReplayOptions {
  /** Live MCP servers to use instead of the recorded answers (same labels as the recording). */
  servers?: McpServerConfig[];
  /** `fast` (default): no waiting but for the proxy; `realtime`: recorded timing ÷ speed; `step`: `beforeRecord` paces it. */
  mode?: ReplayMode;
  speed?: number;
  /** Called before each record is played; in `step` mode, resolve it to move on. */
  beforeRecord?: (record: RecordingRecord) => void | Promise<void>;
  /** How long to wait for each client event the recording expects. Default 10 000 ms. */
  waitMs?: number;
  /** The replayed proxy's `inspect` option: its machines' state changes as `inspect` events (for visualizers). */
  inspect?: boolean;
  /**
   * Called once with the replayed proxy, before it starts and before the first record is played, so
   * a host can follow its events (`toolCall.ended`, `realtime.sent`, `inspect`…) as a live
   * session's. If it throws, the replay fails (`result.failure`, record 0) and nothing is played:
   * a host that could not attach would watch a replay it cannot see.
   */
  onProxy?: (proxy: RealtimeMcpProxy) => void;
}

export interface ReplayFailure {
  /** The record where the replay went another way (0: the end of the recording). */
  seq: number;
  message: string;
  expected?: unknown;
  actual?: unknown;
  /** A JSON pointer to the first difference inside the event. */
  path?: string;
}

export interface ReplayResult {
  ok: boolean;
  failure?: ReplayFailure;
  header: RecordingHeader;
  /** Records played. */
  records: number;
  /** Client events the proxy sent and that matched. */
  matched: number;
  durationMs: number;
}

/** Replays a recording file (or lines already parsed). Never throws for a mismatch: see `result.failure`. */
export async function replayRecording(source: string | AsyncIterable<RecordingLine>, options: ReplayOptions = {}): Promise<ReplayResult> {
  const startedAt = performance.now();
  const { header, first, records } = await openRecording(source);
  const mode = options.mode ?? 'fast';
  const speed = options.speed ?? 1;
  if (!(speed > 0)) throw new ProxyError('invalid_options', `Failed to replay: speed must be above 0 (got ${speed}). Please pass e.g. 1 or 10.`);
  if (mode === 'step' && !options.beforeRecord) throw new ProxyError('invalid_options', 'Failed to replay in step mode: nothing paces it. Please pass beforeRecord.');
  const waitMs = options.waitMs ?? 10_000;

  let failure: ReplayFailure | undefined;
  // Whatever the loop waits for (a client event, the connection, an approval request) calls this.
  const wakeups = createWakeups();
  const progress = () => wakeups.wakeAll();
  const fail = (next: ReplayFailure) => {
    failure ??= next;
    progress();
  };

  const live = options.servers !== undefined;
  const mock: RecordedMcpServer | undefined = live ? undefined : createRecordedMcpServer({ onMismatch: (message) => fail({ seq: 0, message }), waitMs });
  const stdio = live ? undefined : createRecordedStdioServers({ onMismatch: (message) => fail({ seq: 0, message }) });
  // A stdio server is replayed in memory: the command is never run (a label stands in for it).
  const servers: McpServerConfig[] =
    options.servers ??
    (header.servers ?? []).map((server) => (server.transport === 'stdio' ? { label: server.label, command: `recorded:${server.label}` } : { label: server.label, url: mock!.url(server.label) }));

  const transport = createMemoryTransport();
  const sent: string[] = [];
  transport.onSend((text) => {
    sent.push(text);
    progress();
  });
  transport.on('open', progress);
  const recorded = header.proxy ?? {};
  /** The record being played: where a send the encoder refused is reported. */
  let playing = 0;
  // A refused send never reaches the wire, so the comparison below cannot see it: it is a mismatch of its own.
  const watched = watchRefusedSends(transport, (refused) =>
    fail({
      seq: playing,
      message: `Failed to replay${playing > 0 ? ` record ${playing}` : ''}: the proxy attempted a send its encoder refused, so nothing went out. ${describeRefusedSend(refused)} Please fix the event the proxy builds; a refused send is never the expected behaviour.`,
      actual: refused.event,
      ...(refused.error.data && typeof (refused.error.data as { path?: unknown }).path === 'string' ? { path: (refused.error.data as { path: string }).path } : {}),
    }),
  );
  const proxy = createRealtimeMcpProxy({
    transport: watched,
    servers,
    catalogCache: false,
    mcp: {
      // Which transport a URL speaks is not carried over from other sessions: the replay probes as the recording did.
      transportMemory: new Map(),
      ...(mock && stdio ? { fetch: mock.fetch, stdioTransport: (server: McpServerConfig) => stdio.transport(server.label) } : {}),
    },
    ...(recorded.approval ? { approval: recorded.approval } : {}),
    ...(recorded.timeouts ? { timeouts: recorded.timeouts } : {}),
    ...(recorded.responseCreate ? { responseCreate: recorded.responseCreate } : {}),
    ...(recorded.allowedTools ? { allowedTools: recorded.allowedTools } : {}),
    ...(recorded.bargeIn ? { bargeIn: recorded.bargeIn } : {}),
    ...(recorded.prefixToolNames === true ? { prefixToolNames: true } : {}),
    ...(recorded.toolLimits ? { toolLimits: recorded.toolLimits } : {}),
    ...(recorded.instructions !== undefined ? { instructions: recorded.instructions } : {}),
    ...(recorded.session ? { session: recorded.session } : {}),
    ...(recorded.nativeMcp ? { nativeMcp: recorded.nativeMcp as never } : {}),
    ...(options.inspect === true ? { inspect: true } : {}),
  });
  if (options.onProxy) {
    try {
      options.onProxy(proxy);
    } catch (cause) {
      fail({ seq: 0, message: `Failed to replay: onProxy threw ${cause instanceof Error ? cause.message : String(cause)}, so no record was played. Please catch errors inside onProxy.` });
    }
  }
  const requested = new Map<string, ApprovalRequest>();
  proxy.on('approval.requested', (request) => {
    requested.set(request.approvalId, request);
    progress();
  });
  proxy.on('error', () => undefined);
  const started = proxy.start().catch((error: unknown) => fail({ seq: 0, message: `Failed to start the proxy for the replay: ${(error as Error).message}.` }));

  const until = async (ready: () => boolean, what: string, seq: number): Promise<boolean> => {
    if (await wakeups.until(ready, Date.now() + waitMs, () => failure !== undefined)) return true;
    fail({ seq, message: `Failed to replay record ${seq}: ${what} did not happen within ${waitMs} ms. Please look at what the proxy did instead (the events before this record matched).` });
    return false;
  };

  const bindings = new Map<string, string>();
  let played = 0;
  let matched = 0;
  let completed = false;
  try {
    let batch = first;
    let index = 0;
    for (;;) {
      if (failure) break;
      if (index >= batch.length) {
        const next = await records.next();
        if (next.done) break;
        batch = next.value as RecordingRecord[];
        index = 0;
        continue;
      }
      const record = batch[index++]!;
      played++;
      playing = record.seq;
      // No await when there is nothing to wait for: each one is a turn of the microtask queue, per record.
      if (options.beforeRecord) await options.beforeRecord(record);
      if (mode === 'realtime') {
        const due = startedAt + record.t / speed - performance.now();
        if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
      }
      if (record.peer.startsWith('mcp:')) {
        if (record.kind === 'jsonrpc.message') stdio?.feed(record);
        else mock?.feed(record);
        continue;
      }
      if (record.peer === 'host' && record.kind === 'approval.answer') {
        if (!requested.has(record.approvalId) && !(await until(() => requested.has(record.approvalId), `the approval request ${record.approvalId}`, record.seq))) break;
        if (record.approved) proxy.approve(record.approvalId, record.sticky ? { sticky: true } : {});
        else proxy.deny(record.approvalId, record.reason, record.sticky ? { sticky: true } : {});
        continue;
      }
      if (record.peer === 'host' && record.kind === 'allowedTools.set') {
        const changed = proxy.setAllowedTools(record.allowedTools);
        if (!changed.ok) fail({ seq: record.seq, message: `Failed to replay record ${record.seq}: the recorded allowlist was refused (${changed.error.message}). Please record the session again.` });
        continue;
      }
      if (record.peer !== 'openai') continue;
      if (record.kind === 'ws.open') {
        if (transport.state !== 'open' && !(await until(() => transport.state === 'open', 'the Realtime connection', record.seq))) break;
        continue;
      }
      if (record.kind === 'ws.close') {
        // `out`: the host ended the session, which the replay's own end does too.
        if (record.dir === 'in' && transport.state === 'open') transport.serverClose(record.code, record.reason ?? '');
        continue;
      }
      if (record.kind !== 'ws.message') continue;
      if (record.dir === 'in') {
        if (transport.state !== 'open' && !(await until(() => transport.state === 'open', 'the Realtime connection', record.seq))) break;
        transport.deliver(typeof record.data === 'string' ? record.data : restoreAudio(record.data));
        continue;
      }
      // A client event the proxy must send, in this order.
      if (sent.length === 0 && !(await until(() => sent.length > 0, `the client event ${describe(record.data)}`, record.seq))) break;
      const actualText = sent.shift()!;
      const actual: unknown = JSON.parse(actualText);
      const expected = record.data;
      const comparison = matchIds(expected, actual, bindings);
      if (!comparison.ok) {
        fail({
          seq: record.seq,
          message: `Failed to replay record ${record.seq}: ${
            describe(actual) === describe(expected) ? `the proxy's ${describe(actual)} differs from the recorded one` : `the proxy sent ${describe(actual)} where the recording has ${describe(expected)}`
          } at ${comparison.path || 'the root'} (recorded ${clip(comparison.expected)}, sent ${clip(comparison.actual)}). Please check the change in behaviour, or record the scenario again if it is intended.`,
          expected,
          actual,
          path: comparison.path,
        });
        break;
      }
      matched++;
    }
    mock?.finish();
    if (!failure) {
      // Anything the proxy sends after the last recorded event is unexpected; give it a moment to show.
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (sent.length > 0) {
        const extra: unknown = JSON.parse(sent[0]!);
        fail({ seq: 0, message: `Failed to replay: after the last record the proxy also sent ${describe(extra)}${sent.length > 1 ? ` and ${sent.length - 1} more` : ''}. Please check the change in behaviour.`, actual: extra });
      }
    }
    completed = true;
  } finally {
    // After a failure, a read error or a stopped step, the recorded MCP server must stop waiting for
    // records that will never be fed (and drop the streams it holds open), or the proxy's start (and
    // so this replay) hangs until the MCP client's timeouts (~10 s).
    if (!completed || failure) mock?.close();
    await started;
    await proxy.close();
    mock?.close();
  }
  return { ok: failure === undefined, ...(failure ? { failure } : {}), header, records: played, matched, durationMs: performance.now() - startedAt };
}

/** The header, the records read with it, and the rest in batches (one async step per disk read). */
async function openRecording(source: string | AsyncIterable<RecordingLine>): Promise<{ header: RecordingHeader; first: RecordingRecord[]; records: AsyncIterator<RecordingLine[]> }> {
  const batches: AsyncIterator<RecordingLine[]> =
    typeof source === 'string'
      ? readRecordingBatches(source)
      : (async function* () {
          for await (const line of source) yield [line];
        })();
  const opening = await batches.next();
  const [header, ...first] = opening.done ? [] : opening.value;
  if (header?.kind !== 'header') {
    const name = typeof source === 'string' ? `recording ${source}` : 'a recording';
    throw new ProxyError('invalid_options', `Failed to read ${name}: it has no header line. Please pass a recording made by realtime-mcp-proxy.`, { data: { recording: typeof source === 'string' ? source : null } });
  }
  return { header, first: first as RecordingRecord[], records: batches };
}

function clip(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function describe(event: unknown): string {
  if (typeof event === 'object' && event !== null && typeof (event as { type?: unknown }).type === 'string') return `"${(event as { type: string }).type}"`;
  return 'a frame that is not an event';
}

/** Elided audio goes back in as silence of the same length, so the frame still decodes. */
function restoreAudio(data: Record<string, unknown>): Record<string, unknown> {
  const field = ELIDED_AUDIO_FIELDS.get(String(data.type));
  const value = field === undefined ? undefined : data[field];
  if (typeof value === 'object' && value !== null && (value as { $elided?: unknown }).$elided === 'base64') {
    return { ...data, [field!]: silence(Number((value as { bytes?: unknown }).bytes) || 0) };
  }
  return data;
}

const silences = new Map<number, string>();

function silence(bytes: number): string {
  let text = silences.get(bytes);
  if (text === undefined) {
    const rest = bytes % 3;
    text = `${'AAAA'.repeat(Math.floor(bytes / 3))}${rest === 0 ? '' : rest === 1 ? 'AA==' : 'AAA='}`;
    if (silences.size < 64) silences.set(bytes, text);
  }
  return text;
}

/** A replay went another way than its recording; `failure` says where and how. */
export class ReplayMismatchError extends Error {
  readonly code = 'replay_mismatch';
  constructor(
    readonly file: string,
    readonly failure: ReplayFailure,
  ) {
    super([`${file}: ${failure.message}`, ...describeDifference(failure)].join('\n'));
    this.name = 'ReplayMismatchError';
  }
}

/**
 * A replay as one line of a test: resolves with the result when the proxy did exactly what the
 * recording says, throws a ReplayMismatchError with a readable diff otherwise.
 *
 * @example
 * it('single call', () => replay('recordings/single-call.jsonl'));
 */
export async function replay(file: string, options: ReplayOptions & { expect?: (result: ReplayResult) => void } = {}): Promise<ReplayResult> {
  const result = await replayRecording(file, options);
  if (result.failure) throw new ReplayMismatchError(file, result.failure);
  options.expect?.(result);
  return result;
}
