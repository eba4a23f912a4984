/**
 * bench:sessions: what does a session cost to hold and to start, beside @openai/agents-realtime
 * 0.20.0 (agents-js) on the same Realtime peer and the same MCP server, in the same run?
 *
 * Three processes on 127.0.0.1:
 *   - the MCP server: harness/mock-mcp (stateful Streamable HTTP) with the `get_weather` tool of
 *     the embedded default;
 *   - the Realtime peer: this file run with --realtime-peer, a minimal `ws` server that sends
 *     `session.created` on every connection and answers every `session.update` with
 *     `session.updated` (no validation: both clients are measured against the same peer);
 *   - this process, holding the sessions of both: (a) agents-js, (b) the proxy.
 * The MCP tool reaches each the way a host would give it: (a) one `MCPServerStreamableHttp` with
 * `cacheToolsList: true`, connected once and shared by every `RealtimeAgent` session (agents-js
 * lists the tools once, then from its cache); (b) `createNodeRealtimeMcpProxy` with the server's
 * URL and the default process-wide listing cache, warmed by the first session. So neither makes an
 * MCP request when a session starts, and both send the same one function tool in their update.
 * Each side runs its built code: agents-js its published files, the proxy dist/node.js (see
 * loadBuiltProxy).
 *
 * Figures, each (a) and (b) side by side and as a ratio b/a:
 *   - heap per idle session: N sessions (default 200) opened and configured (the peer's
 *     `session.updated` received), heap used after a forced GC minus the heap before (taken once
 *     the peer holds no connection of the last round), ÷ N; then all
 *     closed. Rounds alternate a, b, a, b… (default 3 each, median kept), after one warm-up round each;
 *   - heap growth per 1,000 sessions opened and closed (50 at a time), after a warm-up: heap after
 *     a forced GC once the last is closed minus before; the noise is the same reading taken with no
 *     sessions in between (the spread of three GC'd readings a second apart);
 *   - start → `session.update` leaving the process: from `proxy.start()` / `session.connect()` to
 *     the update's text handed to the socket (`ws`'s WebSocket#send, which both libraries call, is
 *     wrapped to note the time), one session at a time, interleaved a, b, a, b… (default 300
 *     each after 20 warm-up), p50 and p99.
 * Needs --expose-gc (the npm script passes it). No budget exit code: the figures are reported (the
 * issue's budgets are "≤ agents-js" and "no growth beyond noise", read off the ratios).
 * Flags: --sessions N (idle sessions per round, default 200), --rounds N (default 3), --cycles N
 * (opened-and-closed sessions, default 1000), --starts N (timed starts each, default 300).
 * A benchmark, not a test: absolute figures describe this machine.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MCPServerStreamableHttp, setTracingDisabled } from '@openai/agents-core';
import { RealtimeAgent, RealtimeSession } from '@openai/agents-realtime';
import { WebSocket, WebSocketServer } from 'ws';
import { embeddedMcpConfig } from '../src/cli/start.js';
import { positiveIntegerFlag } from './flags.js';

const PEER_FLAG = '--realtime-peer';
const KEY = 'sk-bench-local-peer';
const MODEL = 'gpt-realtime';
const TOOL = embeddedMcpConfig.tools[0]!.name;

// ---- The Realtime peer (child process) ---------------------------------------------------------

let nextId = 0;
const id = (prefix: string) => `${prefix}_${(++nextId).toString(36).padStart(8, '0')}`;

function runPeer(): void {
  const http = createServer((_req, res) => res.writeHead(426).end());
  const wss = new WebSocketServer({ server: http, path: '/v1/realtime', perMessageDeflate: false });
  wss.on('connection', (ws) => {
    const session = { type: 'realtime', object: 'realtime.session', id: id('sess'), model: MODEL, output_modalities: ['audio'], instructions: '', tools: [] as unknown[], tool_choice: 'auto' };
    ws.send(JSON.stringify({ type: 'session.created', event_id: id('event'), session }));
    ws.on('message', (data) => {
      const event = JSON.parse(data.toString()) as { type: string; session?: Record<string, unknown> };
      if (event.type !== 'session.update') return;
      Object.assign(session, event.session ?? {});
      ws.send(JSON.stringify({ type: 'session.updated', event_id: id('event'), session }));
    });
  });
  process.on('message', (message: { type: string }) => {
    if (message.type === 'count') {
      process.send!({ type: 'count', open: wss.clients.size });
      return;
    }
    if (message.type !== 'stop') return;
    for (const client of wss.clients) client.terminate();
    wss.close();
    http.close();
    process.disconnect();
  });
  http.listen(0, '127.0.0.1', () => process.send!({ type: 'listening', port: (http.address() as AddressInfo).port }));
}

// ---- The benchmark (main process) --------------------------------------------------------------

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The proxy as a user gets it: the built package (dist/node.js, which the npm script builds first),
 * not the TypeScript sources through tsx. tsx compiles with esbuild's keepNames, which wraps every
 * named function in `__name(fn, "name")`: each closure then carries its own property array and
 * hidden class (~330 bytes), ~11 KB per idle session of the proxy that the built code does not hold
 * (agents-js is loaded from its built files either way).
 */
async function loadBuiltProxy(): Promise<typeof import('../src/node/realtimeMcpProxy.js')['createNodeRealtimeMcpProxy']> {
  const built = join(root, 'dist', 'node.js');
  try {
    const module = (await import(pathToFileURL(built).href)) as typeof import('../src/node/index.js');
    return module.createNodeRealtimeMcpProxy;
  } catch (cause) {
    throw new Error(`bench:sessions: Failed to load the built proxy from ${built}: ${(cause as Error).message}. Please run \`npm run build\` first (npm run bench:sessions does).`, { cause });
  }
}
const hr = () => process.hrtime.bigint();
const ms = (from: bigint, to: bigint) => Number(to - from) / 1e6;
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
};
const median = (xs: number[]) => percentile(xs, 0.5);
const flag = (name: string, fallback: number) => positiveIntegerFlag('bench:sessions', name, fallback);

const gc = (globalThis as { gc?: () => void }).gc;
function heapAfterGc(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/** When the last `session.update` text was handed to a socket: both libraries send through ws's WebSocket#send. */
let updateSentAt = 0n;
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (this: WebSocket, data: unknown, ...rest: unknown[]) {
  if (typeof data === 'string' && data.includes('"session.update"')) updateSentAt = hr();
  return (send as (...args: unknown[]) => void).call(this, data, ...rest);
} as typeof WebSocket.prototype.send;

/** One session of either kind: `start` resolves once the peer's session.updated has arrived. */
interface Contender {
  name: string;
  start(): Promise<{ close(): Promise<void>; startedAt: bigint }>;
}

function proxyContender(createNodeRealtimeMcpProxy: Awaited<ReturnType<typeof loadBuiltProxy>>, realtimeUrl: string, mcpUrl: string): Contender {
  return {
    name: 'proxy',
    async start() {
      const proxy = createNodeRealtimeMcpProxy({ url: realtimeUrl, apiKey: KEY, servers: [{ label: 'weather', url: mcpUrl }] });
      const ready = new Promise<void>((resolve) => proxy.on('session.ready', () => resolve()));
      proxy.on('error', (error) => console.error(`bench:sessions: the proxy reported ${error.code}: ${error.message}`));
      const startedAt = hr();
      await proxy.start();
      await ready;
      if (proxy.snapshot().tools[0] !== TOOL) throw new Error(`bench:sessions: a proxy session has tools ${proxy.snapshot().tools.join(', ')}`);
      return { startedAt, close: () => proxy.close() };
    },
  };
}

function agentsContender(realtimeUrl: string, server: MCPServerStreamableHttp): Contender {
  const agent = new RealtimeAgent({ name: 'bench', instructions: 'You answer questions about the weather.', mcpServers: [server] });
  return {
    name: 'agents-js',
    async start() {
      const session = new RealtimeSession(agent, { transport: 'websocket', model: MODEL, tracingDisabled: true });
      const updated = new Promise<void>((resolve) => {
        session.on('transport_event', (event) => {
          if (event.type === 'session.updated') resolve();
        });
      });
      const startedAt = hr();
      await session.connect({ apiKey: KEY, url: realtimeUrl });
      await updated;
      return {
        startedAt,
        close: async () => {
          session.close();
        },
      };
    },
  };
}

/**
 * Waits until the peer holds no connection: agents-js's `close()` returns before its socket has
 * closed, so without this the next round's "before" reading would still hold the last round's
 * closing sessions, and their release during the round would be subtracted from its figure.
 */
async function allClosed(peer: ChildProcess): Promise<void> {
  for (;;) {
    const reply = once(peer, 'message') as Promise<[{ type: string; open: number }]>;
    peer.send({ type: 'count' });
    const [{ open }] = await reply;
    if (open === 0) return;
    await settle();
  }
}

/** Heap per idle session: N opened and configured, heap after GC minus before, ÷ N; then all closed. */
async function idleHeap(contender: Contender, sessions: number, peer: ChildProcess): Promise<number> {
  await allClosed(peer);
  await settle();
  const before = heapAfterGc();
  const open: Array<{ close(): Promise<void> }> = [];
  for (let i = 0; i < sessions; i++) open.push(await contender.start());
  await settle();
  const held = heapAfterGc();
  for (const session of open.splice(0)) await session.close();
  return (held - before) / sessions;
}

/** Heap growth over `cycles` sessions opened and closed, `batch` at a time. */
async function cycleGrowth(contender: Contender, cycles: number, batch = 50): Promise<number> {
  await settle();
  const before = heapAfterGc();
  // One function call per batch: a suspended async frame can keep its last locals (the last batch's
  // sessions) alive, which the heap reading would count as growth.
  const runBatch = async (size: number) => {
    const open = await Promise.all(Array.from({ length: size }, () => contender.start()));
    await Promise.all(open.map((session) => session.close()));
  };
  for (let done = 0; done < cycles; done += batch) await runBatch(Math.min(batch, cycles - done));
  // Closing finishes asynchronously (socket close handshakes): let it.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return heapAfterGc() - before;
}

async function startMock(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const file = join(dir, 'mock.json');
  await writeFile(file, JSON.stringify({ ...embeddedMcpConfig, mode: 'stateful' }));
  const child = spawn(process.execPath, ['--import', 'tsx', 'harness/mock-mcp/main.ts', file], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { url: (JSON.parse(line) as { url: string }).url, child };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
const ratio = (b: number, a: number) => (a === 0 ? '–' : (b / a).toFixed(2));

async function runMain(): Promise<void> {
  if (!gc) throw new Error('bench:sessions: run with node --expose-gc (npm run bench:sessions does).');
  const sessions = flag('--sessions', 200);
  const rounds = flag('--rounds', 3);
  const cycles = flag('--cycles', 1000);
  const starts = flag('--starts', 300);
  setTracingDisabled(true);
  const dir = await mkdtemp(join(tmpdir(), 'bench-sessions-'));
  const children: ChildProcess[] = [];
  let mcpServer: MCPServerStreamableHttp | undefined;
  try {
    const mock = await startMock(dir);
    children.push(mock.child);
    const peer = fork(fileURLToPath(import.meta.url), [PEER_FLAG], { cwd: root, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(peer);
    const [{ port }] = (await once(peer, 'message')) as [{ port: number }];
    const realtimeUrl = `ws://127.0.0.1:${port}/v1/realtime?model=${MODEL}`;

    const cpu = cpus()[0];
    console.log(`bench:sessions — (a) @openai/agents-realtime 0.20.0, (b) this proxy; same Realtime peer, same MCP server (harness/mock-mcp, tool "${TOOL}")`);
    console.log(`Machine: ${availableParallelism()} cores, ${cpu?.model ?? '?'}, Node ${process.version}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}, ${new Date().toISOString().slice(0, 10)}`);

    mcpServer = new MCPServerStreamableHttp({ url: mock.url, name: 'weather', cacheToolsList: true });
    await mcpServer.connect();
    const a = agentsContender(realtimeUrl, mcpServer);
    const b = proxyContender(await loadBuiltProxy(), realtimeUrl, mock.url);

    // Warm-up: code paths, listing caches, the shared compiled validators.
    for (let i = 0; i < 20; i++) for (const contender of [a, b]) await (await contender.start()).close();

    // Start → session.update leaving the process.
    const startTimes: Record<string, number[]> = { [a.name]: [], [b.name]: [] };
    for (let i = 0; i < starts; i++) {
      for (const contender of [a, b]) {
        updateSentAt = 0n;
        const session = await contender.start();
        if (updateSentAt === 0n) throw new Error(`bench:sessions: no session.update seen for ${contender.name}`);
        startTimes[contender.name]!.push(ms(session.startedAt, updateSentAt));
        await session.close();
      }
    }

    // Heap per idle session.
    await idleHeap(a, sessions, peer);
    await idleHeap(b, sessions, peer);
    const idle: Record<string, number[]> = { [a.name]: [], [b.name]: [] };
    for (let round = 0; round < rounds; round++) for (const contender of [a, b]) idle[contender.name]!.push(await idleHeap(contender, sessions, peer));

    // Heap growth over opened-and-closed sessions, and the noise of the reading itself.
    await cycleGrowth(a, 200);
    await cycleGrowth(b, 200);
    const growth: Record<string, number[]> = { [a.name]: [], [b.name]: [] };
    for (let round = 0; round < 2; round++) for (const contender of [a, b]) growth[contender.name]!.push(await cycleGrowth(contender, cycles));
    const readings: number[] = [];
    for (let i = 0; i < 3; i++) {
      readings.push(heapAfterGc());
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const noise = Math.max(...readings) - Math.min(...readings);

    const row = (label: string, va: string, vb: string, r: string) => console.log(`  ${label.padEnd(46)} ${va.padStart(12)} ${vb.padStart(12)} ${r.padStart(8)}`);
    console.log('');
    row('', '(a) agents', '(b) proxy', 'b/a');
    const ia = median(idle[a.name]!);
    const ib = median(idle[b.name]!);
    row(`heap per idle session (N=${sessions}, median of ${rounds})`, kb(ia), kb(ib), ratio(ib, ia));
    console.log(`    rounds: (a) ${idle[a.name]!.map(kb).join(', ')}; (b) ${idle[b.name]!.map(kb).join(', ')}`);
    for (let round = 0; round < 2; round++) {
      const ga = growth[a.name]![round]!;
      const gb = growth[b.name]![round]!;
      row(`heap growth, ${cycles} sessions opened+closed (#${round + 1})`, mb(ga), mb(gb), '');
    }
    console.log(`    noise: three GC'd readings 1 s apart with nothing running spread over ${mb(noise)}`);
    for (const p of [0.5, 0.99]) {
      const ta = percentile(startTimes[a.name]!, p);
      const tb = percentile(startTimes[b.name]!, p);
      row(`start → session.update out, p${p * 100} (${starts} each)`, `${ta.toFixed(3)} ms`, `${tb.toFixed(3)} ms`, ratio(tb, ta));
    }
    peer.send({ type: 'stop' });
  } finally {
    await mcpServer?.close().catch(() => undefined);
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode === null && child.signalCode === null ? once(child, 'exit') : undefined)));
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes(PEER_FLAG)) runPeer();
else await runMain();
