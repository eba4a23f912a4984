/**
 * What the browser deployment probes share: the server side (real server-everything over
 * Streamable HTTP behind a recording forwarder, the Realtime simulator with a call script, and
 * `startServe` holding the OpenAI key and an MCP token), the browser's view of a call (its frames
 * and errors, waits for server events), a spoken turn that ends in a tool call, and the reports the
 * tests assert on (the call as the simulator saw it, secrets found on either side).
 */
import { startRealtimeSimulator, type RealtimeSimulator, type SimulatorStep, type StartRealtimeSimulatorOptions } from '../../harness/simulator/index.js';
import type { WebRtcTransport } from '../../src/protocol/webrtcTransport.js';
import type { ServeLogEntry } from '../../src/serve/serveOptions.js';
import { startServe, type RunningServe, type StartServeOptions } from '../../src/serve/startServe.js';
import { leaksIn } from '../faults/secretScan.js';
import { startEverything } from '../support/mcpServers.js';
import type { SseEvent } from '../support/serveHarness.js';
import { startRecordingForwarder, type RecordingForwarder } from './recordingForwarder.js';
import { deadline, type FakeMicrophone, type FakeSpeaker, type SeenAnswer } from './wrtcBrowser.js';

export const API_KEY = 'sk-test-key';
export const MCP_TOKEN = 'mcp-test-token-123';
export const ACCESS_TOKEN = 'deploy-access-token-0001';
/** The script's reply quotes server-everything's echo of this ("The server said: Echo: deploy check"). */
const ECHO_MESSAGE = 'deploy check';

export interface DeployStack {
  readonly sim: RealtimeSimulator;
  readonly serve: RunningServe;
  readonly forwarder: RecordingForwarder;
  /** What serve logged (redacted by serve), for the secrets scan. */
  readonly serveLog: ServeLogEntry[];
  /** Stops serve, the simulator, the forwarder and the MCP server; safe to call twice. */
  close(): Promise<void>;
}

/** The user asks for the echo; the model calls it; the reply quotes server-everything's output. */
export const ECHO_SCRIPT: SimulatorStep[] = [{ user: 'Please echo the deploy check.' }, { callTool: { name: 'echo', arguments: { message: ECHO_MESSAGE }, reply: 'The server said: {output}' } }];

export async function startDeployStack(options: { simulator?: Partial<StartRealtimeSimulatorOptions>; serve?: Partial<StartServeOptions> } = {}): Promise<DeployStack> {
  const stops: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    const everything = await startEverything('streamableHttp');
    stops.push(() => everything.stop());
    const forwarder = await startRecordingForwarder(everything.url);
    stops.push(() => forwarder.close());
    const sim = await startRealtimeSimulator({ apiKey: API_KEY, script: ECHO_SCRIPT, ...options.simulator });
    stops.push(() => sim.close());
    const serveLog: ServeLogEntry[] = [];
    const serve = await startServe({
      apiKey: API_KEY,
      log: (entry) => void serveLog.push(entry),
      port: 0,
      accessToken: ACCESS_TOKEN,
      openaiBaseUrl: `${sim.httpUrl}/v1`,
      servers: [{ label: 'everything', url: forwarder.url, headers: { Authorization: `Bearer ${MCP_TOKEN}` } }],
      allowedTools: ['everything/echo', 'everything/get-sum'],
      ...options.serve,
    });
    stops.push(() => serve.close({ deadlineMs: 1_000 }));
    return { sim, serve, forwarder, serveLog, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A server event as a test reads it. */
export type LooseEvent = { type: string; [field: string]: any };

export interface BrowserView {
  /** Every data-channel frame, both directions, in order. */
  readonly frames: Array<readonly ['in' | 'out', string]>;
  readonly errors: string[];
  /** The next server event `match` accepts, from now on; rejects naming `what` after `timeoutMs`. */
  next(what: string, match: (event: LooseEvent) => boolean, timeoutMs?: number): Promise<LooseEvent>;
}

/** The response that made a function call is done: the server cannot have run the call before. */
export const isToolCallDone = (event: LooseEvent) => event.type === 'response.done' && (event.response?.output ?? []).some((item: { type?: string }) => item.type === 'function_call');
/** A tool's output joined the conversation (every channel of the call hears it). */
export const isToolOutput = (event: LooseEvent) => event.type === 'conversation.item.done' && event.item?.type === 'function_call_output';
export const isPlaybackStopped = (event: LooseEvent) => event.type === 'output_audio_buffer.stopped';

/**
 * Follows a browser transport. The speaker counts what it hears under 'before the tool call' until
 * the first function call's response is done, then under 'after the tool call'.
 */
export function watchBrowser(transport: WebRtcTransport, speaker: FakeSpeaker, defaultTimeoutMs: number): BrowserView {
  const frames: BrowserView['frames'] = [];
  const errors: string[] = [];
  const waiters = new Set<{ match: (event: LooseEvent) => boolean; resolve: (event: LooseEvent) => void }>();
  let called = false;
  transport.on('frame', (direction, text) => void frames.push([direction, text]));
  transport.on('error', (error) => void errors.push(error.message));
  transport.on('event', (event) => {
    const loose = event as LooseEvent;
    if (!called && isToolCallDone(loose)) {
      called = true;
      speaker.phase('after the tool call');
    }
    for (const waiter of [...waiters]) {
      if (!waiter.match(loose)) continue;
      waiters.delete(waiter);
      waiter.resolve(loose);
    }
  });
  return {
    frames,
    errors,
    next(what, match, timeoutMs = defaultTimeoutMs) {
      const waiting = deadline(what, timeoutMs);
      let seen: LooseEvent | undefined;
      waiters.add({ match, resolve: (event) => ((seen = event), waiting.done()) });
      return waiting.promise.then(() => seen!);
    },
  };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The user's turn: a little silence, ~600 ms of loud tone, then silence again (the VAD ends speech after 500 ms of it). */
export async function speak(microphone: FakeMicrophone): Promise<void> {
  await delay(300);
  microphone.set('speech');
  await delay(600);
  microphone.set('silence');
}

/**
 * One spoken turn that ends in a tool call: the user speaks, the model calls the tool, its output
 * arrives, the reply plays and the browser hears at least `loudSamples` of it. Returns how long
 * from the start of speech to the output and to the reply heard.
 */
export async function toolTurn(view: BrowserView, microphone: FakeMicrophone, speaker: FakeSpeaker, loudSamples: number): Promise<{ toOutputMs: number; toReplyHeardMs: number }> {
  const called = view.next('the model to call the tool', isToolCallDone);
  const output = view.next('the tool output on the data channel', isToolOutput);
  const start = performance.now();
  await speak(microphone);
  await called;
  await output;
  const toOutputMs = Math.round(performance.now() - start);
  // The reply's audio starts after the output: its end can only come from now on.
  await view.next('the reply to finish playing', isPlaybackStopped);
  await speaker.untilLoud(loudSamples, 10_000);
  return { toOutputMs, toReplyHeardMs: Math.round(performance.now() - start) };
}

/** The call as the simulator saw it: each client event with its channel, and the spoken replies. */
export function callReport(sim: RealtimeSimulator, callId: string | undefined) {
  const session = sim.sessions.find((candidate) => candidate.callId === callId);
  return {
    clientEventLog: (session?.clientEventLog ?? []).map(({ channel, event }) => {
      const loose = event as { type: string; item?: { type?: string }; session?: { tools?: unknown[] } };
      return { channel, type: loose.type, ...(loose.item ? { itemType: loose.item.type } : {}), ...(loose.session?.tools ? { tools: loose.session.tools.length } : {}) };
    }),
    replyTranscripts: (session?.serverEvents ?? []).flatMap((event) => (event.type === 'response.output_audio_transcript.done' ? [(event as { transcript: string }).transcript] : [])),
    simCallStatus: sim.calls.find((call) => call.id === callId)?.status,
  };
}

/** Secrets found in what the server side keeps for its operator: serve's log and a session's event stream (GET /events). */
export function operatorLeaks(serveLog: readonly ServeLogEntry[], events: readonly SseEvent[], secrets: readonly string[]): string[] {
  return leaksIn([...serveLog.map((entry, i) => [`serve log ${i}`, entry.message] as const), ...events.map((event, i) => [`event ${i} ${event.event}`, event.data] as const)], secrets);
}

/** The browser's side of a call: what it sent, the replies it was told, and the secrets found in anything it saw. */
export function browserReport(view: Pick<BrowserView, 'frames' | 'errors'>, answers: readonly SeenAnswer[], secrets: readonly string[]) {
  const texts: Array<readonly [string, string]> = [
    ...view.frames.map(([direction, text], i) => [`frame ${i} ${direction}`, text] as const),
    ...answers.map((answer, i) => [`answer ${i} ${answer.url}`, `${answer.status} ${JSON.stringify(answer.headers)} ${answer.body}`] as const),
    ...view.errors.map((message, i) => [`error ${i}`, message] as const),
  ];
  return {
    browserSent: view.frames.filter(([direction]) => direction === 'out').map(([, text]) => text),
    browserHeardTranscripts: view.frames.flatMap(([direction, text]) => {
      const event = JSON.parse(text) as { type: string; transcript?: string };
      return direction === 'in' && event.type === 'response.output_audio_transcript.done' ? [event.transcript] : [];
    }),
    scanned: { frames: view.frames.length, answers: answers.length, errors: view.errors.length },
    leaks: leaksIn(texts, secrets),
  };
}
