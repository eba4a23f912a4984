/**
 * bench:toolcall: what does routing a function call through the proxy cost, compared with calling
 * the same MCP tool directly with the SDK? And how quickly does a new session get its tools?
 *
 * Three processes on 127.0.0.1, as in production (the proxy never shares an event loop with the
 * Realtime API or the MCP server):
 *   - the MCP server: harness/mock-mcp (stateful Streamable HTTP), one tool answering at once (the
 *     `get_weather` of the embedded default, a fixed text block);
 *   - the Realtime peer: this file run with --realtime-peer, a minimal `ws` server playing the
 *     Realtime API's side of a function call, and the clock of measurement (b);
 *   - this process: the SDK `Client` of (a) and the proxy of (b).
 * Then, interleaved (a, b, a, b…), after a warm-up:
 *   (a) `client.callTool({ name, arguments }, undefined, { timeout })`, timed here around the await;
 *   (b) the Realtime peer sends a model response with one function call (response.created,
 *       output_item.added, conversation.item.added, two argument deltas, arguments.done), waits 3 ms
 *       (the model streams those over tens of ms; the proxy has handled them by then), then times
 *       from just before `response.output_item.done` (completed) leaves its socket, with the
 *       conversation.item.done and response.done that follow it at once, to the moment the
 *       `conversation.item.create` (function_call_output) frame leaves the proxy: the transport's
 *       send has encoded it and written it to the socket. That is the issue's definition ("to the
 *       function_call_output leaving the proxy"). So (b) = the frames over loopback in + decode +
 *       machines + the MCP call (the same SDK request as (a)) + encode + socket write. The frames
 *       the peer sends were validated with decodeServerEvent beforehand; what it receives, with the
 *       strict decodeClientEvent after. The run also shows (b) up to the frame read by the peer
 *       (loopback back and the peer's event loop included), which the budget does not count.
 * overhead = percentile(b) − percentile(a), at p50 and p99. Budget: ≤ 1 ms at p50, ≤ 3 ms at p99.
 * Clocks: process.hrtime (CLOCK_MONOTONIC, shared by the processes on this machine). Breakdown of
 * (b): wire in (peer send → output_item.done decoded by the proxy's transport), proxy (→ item.create
 * handed to the transport's send, before encoding; includes the MCP call), encode + write.
 * Time to ready: 200 new sessions (after 10 warm-up ones) with the tool listing cached (a shared
 * ToolListingCache warmed by the first session), timed from just before the peer answers the
 * WebSocket upgrade (101; it sends session.created right after) to the session.update leaving the
 * proxy (written to its socket). The proxy sends its update as soon as its socket opens, not on
 * session.created, so the breakdown is: handshake back (101 sent → the proxy's transport says
 * open), proxy (open → session.update handed to the transport), encode + write. Budget: ≤ 5 ms at
 * p50 and at p99.
 * Why not the simulator for (b): its scripts play on their own (no way to interleave with (a)), a
 * call step's reply streams audio, and it records no send/receive times; the proxy's own
 * `toolCall.end` timeline uses Date.now() (1 ms steps) and leaves out both wire legs.
 * The stamps cost a Map.set and a hrtime read per frame (the transport wrapper), nothing else.
 * Flags: --json-response (the mock answers POSTs with plain JSON instead of an SSE stream),
 * --profile (the same fetch wrapper on both sides: when the tools/call POST leaves and its headers
 * come back, to split (a) and (b) into before / HTTP / after), --calls N (default 1000),
 * --sessions N (default 200). BENCHMARKS.md has the figures and where the time goes.
 * Exits 1 when a budget is missed. A benchmark, not a test: absolute times describe this machine.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketServer, type WebSocket } from 'ws';
import { embeddedMcpConfig } from '../src/cli/start.js';
import { positiveIntegerFlag } from './flags.js';
import { ToolListingCache } from '../src/mcp/listingCache.js';
import { createNodeRealtimeMcpProxy } from '../src/node/realtimeMcpProxy.js';
import { createNodeWebSocketTransport } from '../src/node/webSocketTransport.js';
import { decodeClientEvent, decodeServerEvent } from '../src/protocol/codec.js';
import type { ConversationItem, RealtimeSession, ServerEvent } from '../src/protocol/generated/types.js';
import type { RealtimeTransport } from '../src/protocol/transport.js';
import type { RealtimeMcpProxy } from '../src/proxy/createRealtimeMcpProxy.js';
import { defaultSession, newId, obfuscation, responseObject, usageFor } from '../harness/simulator/wire.js';

const OVERHEAD_P50_BUDGET_MS = 1;
const OVERHEAD_P99_BUDGET_MS = 3;
const READY_BUDGET_MS = 5;
const WARMUP_CALLS = 200;
const WARMUP_SESSIONS = 10;
const PRE_OUTPUT_PAUSE_MS = 3;
const TOOL = embeddedMcpConfig.tools[0]!;
const EXPECTED_OUTPUT = (TOOL.result as { content: Array<{ text: string }> }).content[0]!.text;
const CITIES = ['Paris', 'Lyon', 'Berlin', 'Madrid', 'Oslo', 'Rome', 'Lisbon'];
const KEY = 'sk-bench-local-peer';
const PEER_FLAG = '--realtime-peer';

type PeerMessage =
  | { type: 'listening'; port: number }
  | { type: 'ready'; acceptedAt: string; updateAt: string }
  | { type: 'call'; i: number; t0: string; t1: string; output: string }
  | { type: 'fail'; message: string };
type MainMessage = { type: 'call'; i: number } | { type: 'stop' };

const hr = () => process.hrtime.bigint();
const ms = (from: bigint, to: bigint) => Number(to - from) / 1e6;

// ---- The Realtime peer (child process) ---------------------------------------------------------

/** A server event as text, checked by our decoder first: the proxy must see only valid GA events. */
function frame(event: Record<string, unknown> & { type: string }): string {
  const text = JSON.stringify({ event_id: newId('event'), ...event });
  const decoded = decodeServerEvent(text);
  if (!decoded.ok) throw new Error(`bench:toolcall: the peer built an invalid ${event.type}: ${decoded.error.message}`);
  if (decoded.event.type === 'proxy.unknown_event') throw new Error(`bench:toolcall: ${event.type} decodes as unknown`);
  return text;
}

async function runPeer(): Promise<void> {
  const report = (message: PeerMessage) => process.send!(message);
  const http = createServer((_req, res) => res.writeHead(426).end());
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  let current: Connection | undefined;
  http.on('upgrade', (req, socket, head) => {
    if (!req.url?.startsWith('/v1/realtime') || req.headers.authorization !== `Bearer ${KEY}`) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // Time to ready starts here, before the 101 is written (session.created follows it at once).
    const acceptedAt = hr();
    wss.handleUpgrade(req, socket, head, (ws) => {
      current = new Connection(ws, report, acceptedAt);
      current.open();
    });
  });
  process.on('message', (message: MainMessage) => {
    if (message.type === 'stop') {
      for (const client of wss.clients) client.terminate();
      wss.close();
      http.close();
      process.disconnect();
      return;
    }
    if (current === undefined) return report({ type: 'fail', message: 'no Realtime connection to play a call on' });
    current.playCall(message.i).catch((error: unknown) => report({ type: 'fail', message: (error as Error).message }));
  });
  http.listen(0, '127.0.0.1', () => report({ type: 'listening', port: (http.address() as AddressInfo).port }));
}

/** One Realtime session, minimal: configure, play function calls on command, acknowledge outputs, answer response.create. */
class Connection {
  session: RealtimeSession = defaultSession('gpt-realtime');
  readonly conversationId = newId('conv');
  lastItemId: string | null = null;
  configured = false;
  call: { i: number; callId: string; t0: bigint; t1?: bigint; output?: string } | undefined;

  constructor(
    readonly ws: WebSocket,
    readonly report: (message: PeerMessage) => void,
    /** When the peer began answering the upgrade (hrtime). */
    readonly acceptedAt: bigint,
  ) {
    ws.on('message', (data) => this.receive(hr(), data.toString()));
  }

  open(): void {
    this.ws.send(frame({ type: 'session.created', session: this.session }));
  }

  response(id: string, status: 'in_progress' | 'completed', output: ConversationItem[]) {
    return responseObject({ id, status, output, conversationId: this.conversationId, session: this.session, usage: status === 'completed' ? usageFor(40, 12, 0) : null });
  }

  async playCall(i: number): Promise<void> {
    const tool = this.session.tools?.find((t) => t.type === 'function');
    if (tool?.type !== 'function' || !tool.name) throw new Error('the session has no function tool');
    const responseId = newId('resp');
    const callId = newId('call');
    const args = JSON.stringify({ city: CITIES[i % CITIES.length] });
    const cut = args.length >> 1;
    const item = { id: newId('item'), object: 'realtime.item', type: 'function_call', name: tool.name, call_id: callId } as const;
    const at = { response_id: responseId, item_id: item.id, output_index: 0, call_id: callId };
    const inProgress = { ...item, status: 'in_progress', arguments: '' } as ConversationItem;
    const completed = { ...item, status: 'completed', arguments: args } as ConversationItem;
    const before = [
      frame({ type: 'response.created', response: this.response(responseId, 'in_progress', []) }),
      frame({ type: 'response.output_item.added', response_id: responseId, output_index: 0, item: inProgress }),
      frame({ type: 'conversation.item.added', previous_item_id: this.lastItemId, item: inProgress }),
      frame({ type: 'response.function_call_arguments.delta', ...at, delta: args.slice(0, cut), obfuscation: obfuscation(args.slice(0, cut)) }),
      frame({ type: 'response.function_call_arguments.delta', ...at, delta: args.slice(cut), obfuscation: obfuscation(args.slice(cut)) }),
      frame({ type: 'response.function_call_arguments.done', ...at, name: tool.name, arguments: args }),
    ];
    const after = [
      frame({ type: 'response.output_item.done', response_id: responseId, output_index: 0, item: completed }),
      frame({ type: 'conversation.item.done', previous_item_id: this.lastItemId, item: completed }),
      frame({ type: 'response.done', response: this.response(responseId, 'completed', [completed]) }),
    ];
    this.lastItemId = item.id;
    for (const text of before) this.ws.send(text);
    await new Promise((resolve) => setTimeout(resolve, PRE_OUTPUT_PAUSE_MS));
    this.call = { i, callId, t0: hr() };
    for (const text of after) this.ws.send(text);
  }

  receive(at: bigint, text: string): void {
    const decoded = decodeClientEvent(text);
    if (!decoded.ok) return this.report({ type: 'fail', message: `the proxy sent an invalid client event: ${decoded.error.message}: ${text.slice(0, 300)}` });
    const event = decoded.event;
    switch (event.type) {
      case 'session.update': {
        this.session = { ...this.session, ...event.session } as RealtimeSession;
        this.ws.send(frame({ type: 'session.updated', session: this.session }));
        if (!this.configured) {
          this.configured = true;
          this.report({ type: 'ready', acceptedAt: String(this.acceptedAt), updateAt: String(at) });
        }
        return;
      }
      case 'conversation.item.create': {
        const call = this.call;
        if (event.item.type !== 'function_call_output' || call === undefined || event.item.call_id !== call.callId || call.t1 !== undefined) {
          return this.report({ type: 'fail', message: `unexpected conversation.item.create: ${text.slice(0, 300)}` });
        }
        call.t1 = at;
        call.output = event.item.output;
        const item = { id: newId('item'), object: 'realtime.item', status: 'completed', ...event.item } as ConversationItem;
        this.ws.send(frame({ type: 'conversation.item.added', previous_item_id: this.lastItemId, item }));
        this.ws.send(frame({ type: 'conversation.item.done', previous_item_id: this.lastItemId, item }));
        this.lastItemId = item.id as string;
        return;
      }
      case 'response.create': {
        const call = this.call;
        if (call?.t1 === undefined) return this.report({ type: 'fail', message: 'response.create before the function_call_output' });
        const id = newId('resp');
        this.ws.send(frame({ type: 'response.created', response: this.response(id, 'in_progress', []) }));
        this.ws.send(frame({ type: 'response.done', response: this.response(id, 'completed', []) }));
        this.call = undefined;
        this.report({ type: 'call', i: call.i, t0: String(call.t0), t1: String(call.t1), output: call.output ?? '' });
        return;
      }
      default:
        return this.report({ type: 'fail', message: `unexpected client event ${event.type}` });
    }
  }
}

// ---- The benchmark (main process) --------------------------------------------------------------

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: percentile(s, 0.5), p90: percentile(s, 0.9), p99: percentile(s, 0.99), min: s[0]!, max: s.at(-1)!, mean: xs.reduce((a, b) => a + b, 0) / xs.length };
};
const fmt = (x: number) => x.toFixed(3);

const flag = (name: string, fallback: number) => positiveIntegerFlag('bench:toolcall', name, fallback);

/** Messages from the peer, in order; `next(type)` waits for the next one of that type, a `fail` rejects. */
function inbox(child: ChildProcess) {
  const queued: PeerMessage[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  child.on('message', (message: PeerMessage) => {
    if (message.type === 'fail') failure = new Error(`bench:toolcall: the Realtime peer failed: ${message.message}`);
    else queued.push(message);
    wake?.();
  });
  child.on('exit', (code) => {
    failure ??= new Error(`bench:toolcall: the Realtime peer exited (${code})`);
    wake?.();
  });
  return async function next<T extends PeerMessage['type']>(type: T): Promise<Extract<PeerMessage, { type: T }>> {
    for (;;) {
      if (failure) throw failure;
      const at = queued.findIndex((m) => m.type === type);
      if (at >= 0) return queued.splice(at, 1)[0] as Extract<PeerMessage, { type: T }>;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
}

async function startMock(dir: string, jsonResponse: boolean): Promise<{ url: string; child: ChildProcess }> {
  const file = join(dir, 'mock.json');
  await writeFile(file, JSON.stringify({ ...embeddedMcpConfig, mode: 'stateful', ...(jsonResponse ? { jsonResponse: true } : {}) }));
  const child = spawn(process.execPath, ['--import', 'tsx', 'harness/mock-mcp/main.ts', file], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { url: (JSON.parse(line) as { url: string }).url, child };
}

/**
 * A Node Realtime transport that notes (process.hrtime) when it opened and when each event type was
 * last decoded (listeners added before the proxy's, so they run first), handed to `send` (before
 * encoding) and written (send returned: encoded, validated and written to the socket).
 */
function stampedTransport(url: string) {
  const inner = createNodeWebSocketTransport({ url, apiKey: KEY });
  const decoded = new Map<string, bigint>();
  const sent = new Map<string, bigint>();
  const written = new Map<string, bigint>();
  let openedAt = 0n;
  inner.on('open', () => void (openedAt = hr()));
  inner.on('event', (event) => void decoded.set(event.type, hr()));
  const transport: RealtimeTransport = {
    get state() {
      return inner.state;
    },
    connect: () => inner.connect(),
    close: (code, reason) => inner.close(code, reason),
    on: (event, listener) => inner.on(event, listener),
    send(event) {
      sent.set(event.type, hr());
      const result = inner.send(event);
      written.set(event.type, hr());
      return result;
    },
  };
  return {
    transport,
    decoded,
    sent,
    written,
    get openedAt() {
      return openedAt;
    },
  };
}

/** A count of proxy events; `reach(n)` resolves once it has been bumped n times. */
function counter() {
  let n = 0;
  let waiter: { target: number; resolve: () => void } | undefined;
  return {
    bump() {
      n++;
      if (waiter && n >= waiter.target) waiter.resolve();
    },
    reach(target: number): Promise<void> {
      if (n >= target) return Promise.resolve();
      return new Promise((resolve) => (waiter = { target, resolve }));
    },
  };
}

async function runMain(): Promise<void> {
  const calls = flag('--calls', 1000);
  const sessions = flag('--sessions', 200);
  const jsonResponse = process.argv.includes('--json-response');
  const profile = process.argv.includes('--profile');
  const dir = await mkdtemp(join(tmpdir(), 'bench-toolcall-'));
  const children: ChildProcess[] = [];
  let proxy: RealtimeMcpProxy | undefined;
  let client: Client | undefined;
  try {
    const mock = await startMock(dir, jsonResponse);
    children.push(mock.child);
    const peer = fork(fileURLToPath(import.meta.url), [PEER_FLAG], { cwd: root, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(peer);
    const next = inbox(peer);
    const { port } = await next('listening');
    const realtimeUrl = `ws://127.0.0.1:${port}/v1/realtime?model=gpt-realtime`;
    const server = { label: 'weather', url: mock.url };

    console.log(`bench:toolcall — MCP server: harness/mock-mcp, stateful Streamable HTTP, ${jsonResponse ? 'JSON responses' : 'SSE responses'}, tool "${TOOL.name}" answering at once`);
    const cpu = cpus()[0];
    const load = loadavg().map((x) => x.toFixed(2)).join(' ');
    console.log(`Machine: ${availableParallelism()} cores, ${cpu?.model ?? '?'}${cpu?.speed ? ` ${cpu.speed} MHz` : ''}, Node ${process.version}, load average ${load}, ${new Date().toISOString().slice(0, 10)}`);

    // (a): the SDK client on its own session.
    // --profile: the same fetch wrapper on both sides notes when the tools/call POST goes out and its response headers arrive.
    const stamps = { request: 0n, headers: 0n };
    const stampingFetch: typeof fetch = (input, init) => {
      const isCall = typeof init?.body === 'string' && init.body.includes('"tools/call"');
      if (isCall) stamps.request = hr();
      return fetch(input, init).then((response) => {
        if (isCall) stamps.headers = hr();
        return response;
      });
    };
    client = new Client({ name: 'bench-direct', version: '0.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(mock.url), profile ? { fetch: stampingFetch } : {}));
    const direct = client;
    const callDirect = async (i: number) => {
      const t = hr();
      const result = await direct.callTool({ name: TOOL.name, arguments: { city: CITIES[i % CITIES.length] } }, undefined, { timeout: 30_000 });
      const end = hr();
      const text = (result.content as Array<{ type: string; text?: string }>)[0]?.text;
      if (text !== EXPECTED_OUTPUT) throw new Error(`bench:toolcall: the direct call answered ${JSON.stringify(result).slice(0, 200)}`);
      return { total: ms(t, end), toRequest: ms(t, stamps.request), toHeaders: ms(stamps.request, stamps.headers), toResult: ms(stamps.headers, end) };
    };

    // (b): the proxy on one long session, its transport wrapped to note when output_item.done is decoded and item.create sent.
    const timed = stampedTransport(realtimeUrl);
    proxy = createNodeRealtimeMcpProxy({ transport: timed.transport, servers: [server], catalogCache: false, ...(profile ? { mcp: { fetch: stampingFetch } } : {}) });
    const responsesDone = counter();
    const callsEnded = counter();
    const problems: string[] = [];
    proxy.on('realtime.event', (event) => event.type === 'response.done' && responsesDone.bump());
    proxy.on('toolCall.ended', (timeline) => {
      if (timeline.code !== 'ok') problems.push(`${timeline.callId}: ${timeline.code} ${timeline.output ?? ''}`);
      callsEnded.bump();
    });
    proxy.on('error', (error) => problems.push(`${error.code}: ${error.message}`));
    const ready = new Promise<void>((resolve) => proxy!.on('session.ready', () => resolve()));
    await proxy.start();
    await ready;
    await next('ready');
    const peerCall = (i: number) => peer.send({ type: 'call', i } satisfies MainMessage);
    let cycles = 0;
    const callProxied = async (i: number) => {
      cycles++;
      peerCall(i);
      const report = await next('call');
      await Promise.all([responsesDone.reach(2 * cycles), callsEnded.reach(cycles)]);
      if (problems.length > 0) throw new Error(`bench:toolcall: the proxy reported: ${problems.join('; ')}`);
      if (report.i !== i || report.output !== EXPECTED_OUTPUT) throw new Error(`bench:toolcall: call ${i} came back as ${JSON.stringify(report)}`);
      const t0 = BigInt(report.t0);
      const t1 = BigInt(report.t1);
      const decodedAt = timed.decoded.get('response.output_item.done')!;
      const sentAt = timed.sent.get('conversation.item.create')!;
      const writtenAt = timed.written.get('conversation.item.create')!;
      return {
        total: ms(t0, writtenAt),
        wireIn: ms(t0, decodedAt),
        inProxy: ms(decodedAt, sentAt),
        encodeWrite: ms(sentAt, writtenAt),
        toPeerRead: ms(t0, t1),
        toRequest: ms(decodedAt, stamps.request),
        toHeaders: ms(stamps.request, stamps.headers),
        // The proxy reports a call once, after the output went out: what follows the MCP answer's headers is one segment.
        headersToSent: ms(stamps.headers, sentAt),
      };
    };

    const a: Array<Awaited<ReturnType<typeof callDirect>>> = [];
    const b: Array<Awaited<ReturnType<typeof callProxied>>> = [];
    for (let i = 0; i < WARMUP_CALLS + calls; i++) {
      const da = await callDirect(i);
      const db = await callProxied(i);
      if (i === 0) console.log(`First call of the run (cold; warm-up, not in the figures): (a) ${fmt(da.total)} ms, (b) ${fmt(db.total)} ms`);
      if (i >= WARMUP_CALLS) {
        a.push(da);
        b.push(db);
      }
    }
    await proxy.close();
    proxy = undefined;

    // Time to ready: new sessions with the listing cached.
    const cache = new ToolListingCache();
    const toReady: Array<{ total: number; wireIn: number; inProxy: number; encodeWrite: number; toPeerRead: number }> = [];
    const startToReady: number[] = [];
    for (let s = 0; s < WARMUP_SESSIONS + sessions; s++) {
      const stamped = stampedTransport(realtimeUrl);
      const session = createNodeRealtimeMcpProxy({ transport: stamped.transport, servers: [server], catalogCache: cache });
      proxy = session;
      const isReady = new Promise<void>((resolve) => session.on('session.ready', () => resolve()));
      const t = hr();
      await session.start();
      await isReady;
      const readyAt = hr();
      const report = await next('ready');
      if (s >= WARMUP_SESSIONS) {
        const acceptedAt = BigInt(report.acceptedAt);
        const updateAt = BigInt(report.updateAt);
        const openedAt = stamped.openedAt;
        const sentAt = stamped.sent.get('session.update')!;
        const writtenAt = stamped.written.get('session.update')!;
        toReady.push({ total: ms(acceptedAt, writtenAt), wireIn: ms(acceptedAt, openedAt), inProxy: ms(openedAt, sentAt), encodeWrite: ms(sentAt, writtenAt), toPeerRead: ms(acceptedAt, updateAt) });
        startToReady.push(ms(t, readyAt));
      }
      if (session.snapshot().tools[0] !== TOOL.name) throw new Error(`bench:toolcall: session ${s} has tools ${session.snapshot().tools.join(', ')}`);
      await session.close();
      proxy = undefined;
    }

    // Report.
    const sa = stats(a.map((x) => x.total));
    const sb = stats(b.map((x) => x.total));
    const pairs = stats(b.map((x, i) => x.total - a[i]!.total));
    const over50 = sb.p50 - sa.p50;
    const over99 = sb.p99 - sa.p99;
    const row = (label: string, s: ReturnType<typeof stats>) =>
      console.log(`  ${label.padEnd(44)} ${fmt(s.p50).padStart(8)} ${fmt(s.p90).padStart(8)} ${fmt(s.p99).padStart(8)} ${fmt(s.min).padStart(8)} ${fmt(s.max).padStart(8)}`);
    console.log(`\nTool call, ${calls} of each after ${WARMUP_CALLS} warm-up pairs, interleaved a, b, a, b… (ms)`);
    console.log(`  ${''.padEnd(44)} ${'p50'.padStart(8)} ${'p90'.padStart(8)} ${'p99'.padStart(8)} ${'min'.padStart(8)} ${'max'.padStart(8)}`);
    row('(a) SDK client.callTool, direct', sa);
    row('(b) through the proxy (item.done → output out)', sb);
    row('    wire in (peer send → proxy decoded)', stats(b.map((x) => x.wireIn)));
    row('    proxy (decoded → item.create to transport)', stats(b.map((x) => x.inProxy)));
    row('    encode + socket write', stats(b.map((x) => x.encodeWrite)));
    row('(b) up to the peer reading it (not budgeted)', stats(b.map((x) => x.toPeerRead)));
    row('    per pair b − a (not the budget figure)', pairs);
    console.log(`  (b) / (a) at p50: ${(sb.p50 / sa.p50).toFixed(2)} (on a shared machine, compare this ratio rather than the ms)`);
    if (profile) {
      console.log('  --profile (the same fetch wrapper on both sides):');
      row('(a) callTool → POST sent', stats(a.map((x) => x.toRequest)));
      row('(a) POST sent → response headers', stats(a.map((x) => x.toHeaders)));
      row('(a) headers → callTool resolved', stats(a.map((x) => x.toResult)));
      row('(b) decoded → POST sent', stats(b.map((x) => x.toRequest)));
      row('(b) POST sent → response headers', stats(b.map((x) => x.toHeaders)));
      row('(b) headers → item.create to transport', stats(b.map((x) => x.headersToSent)));
      // The MCP server's answer (POST sent → headers) is the same request on both sides but swings the most under load: leave it out.
      row('per pair b − a without POST sent → headers', stats(b.map((x, i) => x.total - x.toHeaders - (a[i]!.total - a[i]!.toHeaders))));
    }
    console.log(`\nTime to ready, ${sessions} sessions after ${WARMUP_SESSIONS} warm-up, tool listing cached (ms)`);
    row('upgrade answered → session.update out', stats(toReady.map((x) => x.total)));
    row('    handshake back (101 sent → proxy open)', stats(toReady.map((x) => x.wireIn)));
    row('    proxy (open → session.update to transport)', stats(toReady.map((x) => x.inProxy)));
    row('    encode + socket write', stats(toReady.map((x) => x.encodeWrite)));
    row('up to the peer reading it (not budgeted)', stats(toReady.map((x) => x.toPeerRead)));
    row('proxy.start() → ready (handshake incl.)', stats(startToReady));

    const readyStats = stats(toReady.map((x) => x.total));
    const checks = [
      { what: `tool call overhead at p50 (b − a) ≤ ${OVERHEAD_P50_BUDGET_MS} ms`, value: over50, pass: over50 <= OVERHEAD_P50_BUDGET_MS },
      { what: `tool call overhead at p99 (b − a) ≤ ${OVERHEAD_P99_BUDGET_MS} ms`, value: over99, pass: over99 <= OVERHEAD_P99_BUDGET_MS },
      { what: `time to ready at p50 ≤ ${READY_BUDGET_MS} ms`, value: readyStats.p50, pass: readyStats.p50 <= READY_BUDGET_MS },
      { what: `time to ready at p99 ≤ ${READY_BUDGET_MS} ms`, value: readyStats.p99, pass: readyStats.p99 <= READY_BUDGET_MS },
    ];
    console.log('\nBudgets:');
    for (const check of checks) console.log(`  ${check.what.padEnd(44)} ${fmt(check.value).padStart(8)} ms  ${check.pass ? 'PASS' : 'FAIL'}`);
    if (!checks.every((check) => check.pass)) process.exitCode = 1;
    peer.send({ type: 'stop' } satisfies MainMessage);
  } finally {
    await proxy?.close();
    await client?.close().catch(() => undefined);
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode === null && child.signalCode === null ? once(child, 'exit') : undefined)));
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes(PEER_FLAG)) await runPeer();
else await runMain();
