/**
 * `connect --config FILE` through main(), as a user runs it: the Realtime simulator on loopback (no
 * API key needed), an HTTP MCP server that requires a bearer token (read from the environment
 * variable the file names), and server-memory spawned over stdio. The tool calls go through, and
 * the token never shows in what is printed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockMcpServer, type MockMcpServer } from '../harness/mock-mcp/index.js';
import { startRealtimeSimulator, type RealtimeSimulator, type SimulatorStep } from '../harness/simulator/index.js';
import { main } from '../src/cli/main.js';
import { serverScripts } from './support/mcpServers.js';

const TOKEN = 'cli-config-bearer-TOKEN-secret';
const WRONG = 'cli-config-wrong-TOKEN-secret';

let dir: string;
let simulator: RealtimeSimulator | undefined;
let mcp: MockMcpServer | undefined;
beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'cli-config-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await simulator?.close();
  await mcp?.close();
  simulator = mcp = undefined;
});

async function setUp(steps: SimulatorStep[]): Promise<{ sim: RealtimeSimulator; mock: MockMcpServer }> {
  // A server that echoes the credentials it refuses: a refusal must not carry them to the output.
  mcp = await startMockMcpServer({
    name: 'weather',
    requireBearer: TOKEN,
    echoRejectedCredentials: true,
    tools: [{ name: 'get_weather', inputSchema: { type: 'object', properties: { city: { type: 'string' } } }, result: { content: [{ type: 'text', text: 'Sunny in Lyon' }] } }],
  });
  simulator = await startRealtimeSimulator({ script: { steps: [...steps, { close: { code: 1000 } }] } });
  return { sim: simulator, mock: mcp };
}

function writeConfig(name: string, config: object): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, env, (text) => void (out += `${text}\n`), (text) => void (err += `${text}\n`));
  return { code, out, err };
}

describe('connect --config', () => {
  it('serves an HTTP server with a token from the environment and a stdio server, and prints no token', async () => {
    const { sim, mock } = await setUp([
      { user: 'Weather in Lyon, and what do you remember?' },
      { callTool: { name: 'get_weather', arguments: { city: 'Lyon' }, reply: '{output}' } },
      { callTool: { name: 'read_graph', arguments: {}, reply: 'I remember {output}' } },
    ]);
    const path = writeConfig('both.json', {
      realtime: { url: sim.url },
      servers: [
        { label: 'weather', url: mock.url, tokenEnv: 'WEATHER_TOKEN' },
        { label: 'memory', command: process.execPath, args: [serverScripts.memory], env: { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') } },
      ],
      instructions: 'Answer with the tools.',
    });
    const result = await run(['connect', '--config', path], { WEATHER_TOKEN: TOKEN });
    expect(result.code, result.out + result.err).toBe(0);
    expect((await sim.done).ok).toBe(true);
    // The servers' tools in the file's order, and both calls answered by the real servers.
    expect(result.out).toMatch(/^ready +session configured with \d+ tools: get_weather, create_entities, /m);
    const outputs = sim.clientEvents.flatMap((e) => (e.type === 'conversation.item.create' && e.item.type === 'function_call_output' ? [e.item.output] : []));
    expect(outputs[0]).toBe('Sunny in Lyon');
    expect(JSON.parse(outputs[1]!)).toEqual({ entities: [], relations: [] });
    expect(mock.callLog.map((call) => [call.tool, call.outcome])).toEqual([['get_weather', 'answered']]);
    expect(mock.requests.every((request) => request.authorization)).toBe(true);
    const session = sim.clientEvents.find((e) => e.type === 'session.update');
    expect(session?.type === 'session.update' && session.session.type === 'realtime' && session.session.instructions).toBe('Answer with the tools.');
    expect(result.out + result.err).not.toContain(TOKEN);
  }, 30_000);

  it('exits 1 without starting the Realtime session (nothing sent) when its only server refuses the token, and prints neither token', async () => {
    const { sim, mock } = await setUp([{ user: 'Hello?' }]);
    const path = writeConfig('wrong.json', { realtime: { url: sim.url }, servers: [{ label: 'weather', url: mock.url, tokenEnv: 'WEATHER_TOKEN' }] });
    const result = await run(['connect', '--config', path], { WEATHER_TOKEN: WRONG });
    expect(result.code, result.out + result.err).toBe(1);
    expect(sim.clientEvents).toEqual([]); // the socket may open while the tools are listed: nothing is sent on it
    const errors = result.out.split('\n').filter((line) => line.startsWith('error'));
    // The server's failure once, then why the session did not start.
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^error +mcp_connect_failed: .*"weather"/);
    expect(errors[1]).toBe('error    Failed to start the session: the MCP server "weather" could not be reached (each failure is reported on its own). Please check that it is running, and the URLs, commands and credentials.');
    expect(result.out).toMatch(/ended +closed\n$/);
    expect(result.out + result.err).not.toContain(WRONG);
    expect(result.out + result.err).not.toContain(TOKEN);
  });

  it('exits 2 naming the file and the JSON path when the variable the file names is not set', async () => {
    const { sim, mock } = await setUp([{ user: 'Hello?' }]);
    const path = writeConfig('unset.json', { realtime: { url: sim.url }, servers: [{ label: 'weather', url: mock.url, tokenEnv: 'WEATHER_TOKEN' }] });
    const result = await run(['connect', '--config', path], {});
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toBe(`Failed to read the config file ${path}: /servers/0/tokenEnv names the environment variable WEATHER_TOKEN, which is not set. Please set it before starting (or give the value with a flag: see connect --help).\n`);
    expect(mock.requests).toEqual([]);
  });

  it('--mcp-token on the command line gives the token of a server from the file', async () => {
    const { sim, mock } = await setUp([{ user: 'Weather?' }, { callTool: { name: 'get_weather', arguments: { city: 'Lyon' }, reply: '{output}' } }]);
    const path = writeConfig('flag.json', { realtime: { url: sim.url }, servers: [{ label: 'weather', url: mock.url }] });
    const result = await run(['connect', '--config', path, '--mcp-token', 'weather=MY_TOKEN'], { MY_TOKEN: TOKEN });
    expect(result.code, result.out + result.err).toBe(0);
    expect(mock.callLog.map((call) => call.outcome)).toEqual(['answered']);
    expect(result.out + result.err).not.toContain(TOKEN);
  });
});
