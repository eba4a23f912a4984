/**
 * `realtime-mcp-proxy connect`, in process, against the Realtime simulator and a mock MCP server:
 * `--allow` takes "label/tool" keys and is enforced on calls, a key that names nothing is bad usage
 * (a ProxyError `invalid_options`, which main turns into exit 2), `--prefix-tool-names` renames.
 */
import { WebSocketServer } from 'ws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startMockMcpServer, type MockMcpServer } from '../../harness/mock-mcp/index.js';
import { startRealtimeSimulator, type RealtimeSimulator, type SimulatorStep } from '../../harness/simulator/index.js';
import { ProxyError } from '../errors.js';
import { connectCommand } from './connect.js';
import { main } from './main.js';

const KEY = 'local-simulator-key-CONNECTtest';
const textArg = { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] };

let simulator: RealtimeSimulator | undefined;
let mcp: MockMcpServer | undefined;
afterEach(async () => {
  await simulator?.close();
  await mcp?.close();
  simulator = mcp = undefined;
});

async function connect(flags: string[], steps: SimulatorStep[]): Promise<{ code: number | ProxyError; out: string[] }> {
  mcp = await startMockMcpServer({ tools: [{ name: 'get_weather', inputSchema: textArg }, { name: 'delete_everything', inputSchema: textArg }] });
  simulator = await startRealtimeSimulator({ script: { steps: [...steps, { close: { code: 1000 } }] }, apiKey: KEY });
  const out: string[] = [];
  const argv = ['--realtime-url', simulator.url, '--mcp', `demo=${mcp.url}`, ...flags];
  const io = { env: { OPENAI_API_KEY: KEY }, write: (text: string) => void out.push(text), writeError: (text: string) => void out.push(text) };
  const code = await connectCommand.run(argv, io).catch((error: unknown) => {
    if (ProxyError.isInstance(error)) return error;
    throw error;
  });
  return { code, out };
}

describe('connect --allow', () => {
  it('offers only the allowed tools, and refuses a call to another real tool without running it', async () => {
    const { code, out } = await connect(['--allow', 'demo/get_weather'], [{ user: 'Wipe it all.' }, { callTool: { name: 'delete_everything', arguments: { text: 'all' } } }]);
    expect(code).toBe(0);
    expect(out).toContain('ready    session configured with 1 tool: get_weather');
    expect(out.some((line) => /^mcp\s+delete_everything\(.*\) → not_allowed: /.test(line))).toBe(true);
    expect(mcp!.callLog).toEqual([]);
  });

  it('a bare tool name is bad usage, with the key to write instead', async () => {
    const { code } = await connect(['--allow', 'get_weather'], [{ user: 'Hello?' }]);
    expect(ProxyError.isInstance(code) && code.code).toBe('invalid_options');
    expect((code as ProxyError).message).toBe('Failed to configure allowedTools: "get_weather" names no server. Please write it as "demo/get_weather".');
    // The socket opens while the tools are listed; nothing was sent on it, and it was closed.
    expect(simulator!.clientEvents).toEqual([]);
    await vi.waitFor(() => expect(simulator!.sessions.every((session) => session.closed !== undefined)).toBe(true));
  });

  it('--prefix-tool-names names the functions label__tool, and --allow keys stay label/tool', async () => {
    const { code, out } = await connect(['--prefix-tool-names', '--allow', 'demo/get_weather'], [{ user: 'Hello?' }]);
    expect(code).toBe(0);
    expect(out).toContain('ready    session configured with 1 tool: demo__get_weather');
  });
});

describe('connect exit codes', () => {
  async function runMain(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { OPENAI_API_KEY: KEY }, (text) => void out.push(text), (text) => void err.push(text));
    return { code, out, err };
  }

  it('exits 1 without starting the Realtime session (nothing sent) when the servers offer no tool', async () => {
    mcp = await startMockMcpServer({ tools: [] });
    simulator = await startRealtimeSimulator({ script: { steps: [{ user: 'Hello?' }] }, apiKey: KEY });
    const { code, out } = await runMain(['connect', '--realtime-url', simulator.url, '--mcp', `demo=${mcp.url}`]);
    expect(code).toBe(1);
    expect(out).toContain('error    Failed to start the session: it would have no tool, as the MCP server reached (demo) lists no tool. Please check the servers and their allowed tools.');
    expect(simulator.clientEvents).toEqual([]); // the socket may open while the tools are listed: nothing is sent on it
  });

  it('exits 1 when the socket closes before the session is created', async () => {
    mcp = await startMockMcpServer({ tools: [{ name: 'get_weather', inputSchema: textArg }] });
    // A WebSocket server that accepts and closes at once, normally: no session.created ever comes.
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((listening) => server.once('listening', listening));
    server.on('connection', (socket) => socket.close(1000, 'bye'));
    try {
      const { port } = server.address() as { port: number };
      const { code, out } = await runMain(['connect', '--realtime-url', `ws://127.0.0.1:${port}/v1/realtime`, '--mcp', `demo=${mcp.url}`]);
      expect(code).toBe(1);
      // Closed while the tools were still listed, or after the update went out: either way the session never started.
      expect(out.join('\n')).toMatch(/the Realtime server closed the socket \(1000(: bye)?\) before (it created )?the session/);
    } finally {
      await new Promise((closed) => server.close(closed));
    }
  });

  it('start refuses an unknown flag (exit 2) instead of running', async () => {
    const { code, out, err } = await runMain(['start', '--bogus']);
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err).toEqual(["Failed to run start: Unknown option '--bogus'. Please see `realtime-mcp-proxy start --help`."]);
  });

  it('--help of connect, record and start lists examples and exit codes', async () => {
    for (const command of ['connect', 'record', 'start', '--help']) {
      const { code, out } = await runMain(command === '--help' ? ['--help'] : [command, '--help']);
      expect(code).toBe(0);
      expect(out.join('\n')).toMatch(/Examples?:\n[\s\S]*Exit codes[^\n]*:\n\s+0 [\s\S]*\n\s+1 [\s\S]*\n\s+2 /);
    }
  });
});
