/**
 * `connect` as it really runs (`tsx src/cli/main.ts` in a child process) against a Realtime
 * simulator and a real MCP server that never answers the session DELETE: the process exits when the
 * session ends, and on the first SIGTERM or SIGINT, instead of waiting out the DELETE.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockMcpServer, type MockMcpServer } from '../harness/mock-mcp/index.js';
import { startRealtimeSimulator, type RealtimeSimulator, type SimulatorStep } from '../harness/simulator/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'tsx.cmd' : 'tsx');
const KEY = 'teardown-test-realtime-key';

let simulator: RealtimeSimulator | undefined;
let mock: MockMcpServer | undefined;
let child: ChildProcessWithoutNullStreams | undefined;
let silent: Server | undefined;
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await simulator?.close();
  await mock?.close();
  silent?.closeAllConnections();
  await new Promise((done) => (silent ? silent.close(done) : done(undefined)));
  simulator = mock = child = silent = undefined;
});

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
}

/** Starts `connect` against the simulator and the hanging mock; `exited` settles when the process is gone. */
async function startConnect(steps: SimulatorStep[], mcpUrl?: string): Promise<{ stdout: () => string; exited: Promise<Exit> }> {
  if (mcpUrl === undefined) mock = await startMockMcpServer({ tools: [{ name: 'lookup' }], hangDelete: true });
  simulator = await startRealtimeSimulator({ script: { steps }, apiKey: KEY });
  const env = { ...process.env, OPENAI_API_KEY: KEY };
  const spawned = spawn(tsx, ['src/cli/main.ts', 'connect', '--realtime-url', simulator.url, '--mcp', `hangs=${mcpUrl ?? mock!.url}`], { cwd: root, env });
  child = spawned;
  let stdout = '';
  spawned.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  spawned.stderr.resume();
  const exited = new Promise<Exit>((resolve, reject) => {
    spawned.on('error', reject);
    spawned.on('close', (code, signal) => resolve({ code, signal, stdout }));
  });
  return { stdout: () => stdout, exited };
}

/** Resolves once `connect` printed its ready line (the session is configured), or rejects if it exited first. */
async function ready(run: { stdout: () => string; exited: Promise<Exit> }): Promise<void> {
  const exitedEarly = run.exited.then((exit) => {
    throw new Error(`connect exited before it was ready (${exit.code ?? exit.signal}):\n${exit.stdout}`);
  });
  const printed = new Promise<void>((resolve) => {
    const check = () => (/^ready\s/m.test(run.stdout()) ? resolve() : undefined);
    child!.stdout.on('data', check);
    check();
  });
  await Promise.race([printed, exitedEarly]);
}

// Each case starts `tsx` (1–2 s alone, more when the whole suite runs beside it); the DELETE is given 3 s by default.
const slow = { timeout: 45_000 };

describe('connect exits promptly although the MCP server never answers DELETE', slow, () => {
  it('when the session ends: exit 0 after the DELETE was sent', async () => {
    const run = await startConnect([{ user: 'Hello?' }, { close: { code: 1000 } }]);
    const exit = await run.exited;
    expect(exit.code, exit.stdout).toBe(0);
    expect(exit.stdout).toMatch(/ended\s+socket closed \(1000\)/);
    expect(mock!.deletesReceived).toBe(1);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('on the first %s: the session is closed by the host and the process exits 0', async (signal) => {
    const run = await startConnect([{ user: 'Hello?' }]);
    await ready(run);
    child!.kill(signal);
    const exit = await run.exited;
    expect({ code: exit.code, signal: exit.signal }, exit.stdout).toEqual({ code: 0, signal: null });
    expect(exit.stdout).toMatch(/^ended\s+closed$/m);
    expect(mock!.deletesReceived).toBe(1);
    expect(simulator!.sessions[0]?.closed?.code).toBe(1000);
  });

  it('on SIGTERM while the MCP server has not answered initialize: exit 0, and nothing is sent to Realtime', async () => {
    let initializeArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (initializeArrived = resolve));
    silent = createServer(() => initializeArrived()); // takes the initialize POST and never answers
    await new Promise<void>((done) => silent!.listen(0, '127.0.0.1', done));
    const run = await startConnect([{ user: 'Hello?' }], `http://127.0.0.1:${(silent.address() as { port: number }).port}/mcp`);
    await arrived;
    child!.kill('SIGTERM');
    const exit = await run.exited;
    expect({ code: exit.code, signal: exit.signal }, exit.stdout).toEqual({ code: 0, signal: null });
    expect(simulator!.clientEvents).toEqual([]); // the socket may open while the tools are listed: nothing is sent on it
  });
});
