/**
 * `realtime-mcp-proxy mock-mcp`: as a child process (`node --import tsx src/cli/main.ts mock-mcp …`
 * from the repository root), read its `mcp <label> <url>` line, talk to it with the MCP SDK client,
 * then stop it with a signal. The recording it serves is made here first. Failures that happen before
 * it serves are checked in process (`run` mirrors main: `invalid_options` becomes exit 2).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockMcpServer, type MockMcpConfig } from '../../harness/mock-mcp/index.js';
import { recordScenario } from '../../harness/recordings/recordScenario.js';
import { ProxyError } from '../errors.js';
import { mockConfigFromRecording, mockMcpCommand, runMockMcp } from './mockMcp.js';
import { embeddedMcpConfig, embeddedScript } from './start.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The bundled weather tool and one more that the recorded session never calls. */
const twoTools: MockMcpConfig = {
  ...embeddedMcpConfig,
  tools: [
    ...embeddedMcpConfig.tools,
    {
      name: 'get_time',
      description: 'The local time in a city.',
      inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      result: { content: [{ type: 'text', text: '12:00' }] },
    },
  ],
};

let dir: string;
let recording: string;

/** Records the embedded round trip to `path`, through the library's own recorder of scenarios. */
async function recordSession(path: string): Promise<void> {
  const outcome = await recordScenario({ name: 'cli', description: 'the embedded round trip', label: 'weather', mock: twoTools, script: embeddedScript }, path);
  expect(outcome).toEqual({ ok: true, written: true });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mock-mcp-cli-'));
  recording = join(dir, 'session.jsonl');
  await recordSession(recording);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** main.ts once the command is registered there; until then, the same thing main does, inline. */
function commandLine(args: string[]): string[] {
  const registered = /\bmockMcpCommand\b/.test(readFileSync(join(root, 'src/cli/main.ts'), 'utf8'));
  if (registered) return ['--import', 'tsx', 'src/cli/main.ts', 'mock-mcp', ...args];
  const inline = `
    const { mockMcpCommand } = await import('./src/cli/mockMcp.ts');
    const io = { env: process.env, write: (t) => console.log(t), writeError: (t) => console.error(t) };
    try { process.exit(await mockMcpCommand.run(process.argv.slice(1), io)); }
    catch (e) { console.error(e.message); process.exit(e.code === 'invalid_options' ? 2 : 1); }`;
  return ['--import', 'tsx', '--input-type=module', '-e', inline, '--', ...args];
}

interface Served {
  child: ChildProcessWithoutNullStreams;
  label: string;
  url: string;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `mock-mcp …args` and waits for its `mcp <label> <url>` line. */
async function serve(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, commandLine(args), { cwd: root, env: process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const first = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mock-mcp printed no URL line within 15 s.\nstdout:\n${stdout}\nstderr:\n${stderr}`)), 15_000);
    const check = () => {
      const match = /^mcp (\S+) (http:\/\/127\.0\.0\.1:\d+\/mcp)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout.on('data', check);
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`mock-mcp exited before printing its URL.\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    });
  });
  expect(stdout.split('\n')[0], 'the URL line comes first').toBe(first[0]);
  return { child, label: first[1]!, url: first[2]!, output: () => stdout + stderr, exit };
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'mock-mcp-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  try {
    const code = await mockMcpCommand.run(argv, { env: {}, write: (text) => void (out += `${text}\n`), writeError: (text) => void (err += `${text}\n`) });
    return { code, out, err };
  } catch (error) {
    if (ProxyError.isInstance(error) && error.code === 'invalid_options') return { code: 2, out, err: err + `${error.message}\n` };
    throw error;
  }
}

describe('realtime-mcp-proxy mock-mcp (child process)', { timeout: 30_000 }, () => {
  it('--from serves the recorded tools and answers, and exits 0 on SIGTERM', async () => {
    const served = await serve(['--from', recording]);
    try {
      expect(served.label).toBe('weather');
      const client = await connect(served.url);
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(['get_weather', 'get_time']);
      expect(tools[0]).toMatchObject({ description: 'The current weather in a city.', inputSchema: embeddedMcpConfig.tools[0]!.inputSchema, annotations: { readOnlyHint: true } });
      // The recorded answer, whatever the arguments.
      expect(await client.callTool({ name: 'get_weather', arguments: { city: 'Rome' } })).toEqual({ content: [{ type: 'text', text: '18 °C and light rain' }] });
      const never = await client.callTool({ name: 'get_time', arguments: { city: 'Rome' } });
      expect(never.isError).toBe(true);
      expect((never.content as Array<{ text: string }>)[0]!.text).toBe(`No answer to get_time was recorded in ${recording} (the recorded session never called it).`);
      await client.close();
    } finally {
      served.child.kill('SIGTERM');
    }
    expect(await served.exit).toEqual({ code: 0, signal: null });
    expect(served.output()).toContain('serving 2 tools (get_weather, get_time) from');
  });

  it('--config with --port and --label serves the config, and exits 0 on SIGINT', async () => {
    const config = join(dir, 'tools.json');
    writeFileSync(config, JSON.stringify({ name: 'demo', tools: [{ name: 'add', inputSchema: { type: 'object' }, result: { content: [{ type: 'text', text: '42' }] } }] }));
    const port = await freePort();
    const served = await serve(['--config', config, '--port', String(port), '--label', 'calc']);
    try {
      expect(served.label).toBe('calc');
      expect(served.url).toBe(`http://127.0.0.1:${port}/mcp`);
      const client = await connect(served.url);
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['add']);
      expect(await client.callTool({ name: 'add', arguments: { a: 40, b: 2 } })).toEqual({ content: [{ type: 'text', text: '42' }] });
      await client.close();
    } finally {
      served.child.kill('SIGINT');
    }
    expect(await served.exit).toEqual({ code: 0, signal: null });
  });
});

describe('realtime-mcp-proxy mock-mcp (in process)', () => {
  it('builds the config from the recording: listed fields only, the first answer per tool', async () => {
    const { label, config, answered } = await mockConfigFromRecording(recording);
    expect(label).toBe('weather');
    expect(answered).toEqual(['get_weather']);
    expect(config.name).toBe('weather');
    expect(config.tools[0]).toEqual({ ...embeddedMcpConfig.tools[0], result: { content: [{ type: 'text', text: '18 °C and light rain' }] } });
  });

  it('serves until told to stop, without a config: the bundled weather tool', async () => {
    let stop = () => {};
    const lines: string[] = [];
    const done = runMockMcp({ port: 0 }, { env: {}, write: (text) => lines.push(text), writeError: (text) => lines.push(text) }, () => new Promise<void>((resolve) => (stop = resolve)));
    await expect.poll(() => lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/^mcp weather http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    stop();
    expect(await done).toBe(0);
  });

  it('exits 1 when the port is taken', async () => {
    const taken = await startMockMcpServer(embeddedMcpConfig);
    try {
      const result = await run(['--port', String(taken.port)]);
      expect(result.code).toBe(1);
      expect(result.err).toContain(`Failed to start the mock MCP server: port ${taken.port} is in use. Please pick another --port`);
    } finally {
      await taken.close();
    }
  });

  it.each([
    { why: 'a missing recording', args: ['--from', '/nonexistent/session.jsonl'], says: 'Failed to read recording /nonexistent/session.jsonl: ENOENT' },
    { why: 'a label the recording lacks', args: ['--label', 'nope'], from: true, says: 'it has no MCP server "nope" (it has "weather"). Please pass one of those to --label.' },
    { why: 'a bad config', args: ['--config', '/nonexistent/tools.json'], says: 'Failed to load the mock MCP config: /nonexistent/tools.json: cannot be read' },
    { why: '--from and --config', args: ['--from', 'a.jsonl', '--config', 'b.json'], says: '--from and --config cannot be combined' },
    { why: 'a bad --port', args: ['--port', 'http'], says: '--port must be an integer from 0 to 65535' },
    { why: 'a negative --port', args: ['--port', '-1'], says: '--port needs a value (write a value that starts with "-" as --port=VALUE)' },
    { why: 'an unknown flag', args: ['--bogus'], says: "Unknown option '--bogus'" },
  ])('bad usage or file exits 2: $why', async ({ args, from, says }) => {
    const result = await run([...(from ? ['--from', recording] : []), ...args]);
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toContain(says);
  });

  it('a recording without MCP traffic exits 2', async () => {
    const empty = join(dir, 'header-only.jsonl');
    writeFileSync(empty, `${readFileSync(recording, 'utf8').split('\n')[0]}\n`);
    const result = await run(['--from', empty]);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`Failed to build a mock MCP server from ${empty}: it has no MCP traffic of server "weather".`);
  });
});

describe('mock-mcp --help', () => {
  it('has examples and says what each exit code means', () => {
    expect(mockMcpCommand.usage).toMatch(/Exit code: 0 stopped by Ctrl-C or SIGTERM; 1 the server could not start .*\s+.*; 2 bad flags, or a --from\/--config file that cannot be read or used\./);
    expect(mockMcpCommand.usage).toMatch(/Examples:\n(\s+realtime-mcp-proxy mock-mcp.*\n){3,}/);
  });
});
