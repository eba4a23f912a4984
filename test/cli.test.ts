/**
 * The CLI as it really runs: `tsx src/cli/main.ts …` in a child process (what `npm start` and the
 * `realtime-mcp-proxy` bin do), checked on its exit code and on what it prints. `start` runs the
 * embedded default on its own; `connect` is pointed at a Realtime simulator and a mock MCP server
 * started here, in the test process, with the key in OPENAI_API_KEY as a user would give it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startMockMcpServer, type MockMcpServer } from '../harness/mock-mcp/index.js';
import { startRealtimeSimulator, type RealtimeSimulator, type SimulatorStep } from '../harness/simulator/index.js';
import { runCli } from './support/cliProcess.js';

const KEY = 'sk-proj-CLITESTsecretKEY012345';
const WRONG_KEY = 'sk-proj-CLITESTwrongKEY987654';

/** Runs `tsx src/cli/main.ts …args` from the repository root, with only the given environment additions (no OPENAI_API_KEY inherited). */
const cli = (args: string[], env: Record<string, string> = {}, timeoutMs = 30_000) => runCli(args, env, { timeoutMs });

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

/** Asserts that `needles` occur in `text` in this order (each one after the end of the previous one). */
function expectInOrder(text: string, needles: Array<string | RegExp>): void {
  let at = 0;
  for (const needle of needles) {
    const rest = text.slice(at);
    const match = typeof needle === 'string' ? (rest.includes(needle) ? { index: rest.indexOf(needle), length: needle.length } : undefined) : needle.exec(rest) ?? undefined;
    expect(match, `${String(needle)} after offset ${at} in:\n${text}`).toBeDefined();
    at += match!.index + (typeof needle === 'string' ? needle.length : (match as RegExpExecArray)[0].length);
  }
}

const weatherTool = {
  name: 'get_weather',
  description: 'The current weather in a city.',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  result: { content: [{ type: 'text' as const, text: 'Sunny, 24 °C in Lyon' }] },
};

let simulator: RealtimeSimulator | undefined;
let mock: MockMcpServer | undefined;
afterEach(async () => {
  await simulator?.close();
  await mock?.close();
  simulator = undefined;
  mock = undefined;
});

async function setUp(steps: SimulatorStep[], apiKey = KEY): Promise<{ sim: RealtimeSimulator; mcp: MockMcpServer }> {
  mock = await startMockMcpServer({ name: 'demo', tools: [weatherTool] });
  simulator = await startRealtimeSimulator({ script: { steps }, apiKey });
  return { sim: simulator, mcp: mock };
}

// Each case starts `tsx` (1–2 s alone, more when the whole suite runs beside it).
const slow = { timeout: 45_000 };

describe('realtime-mcp-proxy start (npm start)', slow, () => {
  it('runs the embedded round trip and prints its timeline in order, with no key', async () => {
    const run = await cli(['start']);
    expect(run.code, run.stderr).toBe(0);
    expectInOrder(run.stdout, [
      /user\s+said "What's the weather in Paris right now\?"/,
      /model\s+calls get_weather \(call_\w+\)/,
      /mcp\s+get_weather\(\{"city":"Paris"\}\) → ok: 18 °C and light rain/,
      /latency\s+arguments complete → MCP request \d+ ms → MCP result \d+ ms → output sent \d+ ms → response\.create \d+ ms/,
      /model\s+said "Right now in Paris it's 18 °C and light rain\."/,
      'Round trip complete: 1 tool call through MCP and back to the model.',
    ]);
    expect(run.stdout + run.stderr).not.toMatch(/sk-/);
  });
});

describe('realtime-mcp-proxy connect', slow, () => {
  it('serves a session with --json: every line is JSON, the call and its output are there, the key is not', async () => {
    const { sim, mcp } = await setUp([
      { user: 'How is the weather in Lyon?' },
      { callTool: { toolFromSession: 0, arguments: { city: 'Lyon' }, reply: 'It is {output}.' } },
      { close: { code: 1000 } },
    ]);
    const run = await cli(['connect', '--realtime-url', sim.url, '--mcp', `demo=${mcp.url}`, '--json'], { OPENAI_API_KEY: KEY });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const records = lines(run.stdout).map((line) => {
      expect(() => JSON.parse(line), `not JSON: ${line}`).not.toThrow();
      return JSON.parse(line) as { at: string; tag: string; text: string };
    });
    for (const record of records) {
      expect(typeof record.tag).toBe('string');
      expect(typeof record.text).toBe('string');
      expect(Number.isNaN(Date.parse(record.at))).toBe(false);
    }
    const tags = records.map((r) => `${r.tag} ${r.text}`);
    expect(tags).toContainEqual('ready session configured with 1 tool: get_weather');
    expect(tags.some((t) => /^model calls get_weather \(call_\w+\)$/.test(t))).toBe(true);
    expect(tags).toContainEqual('mcp get_weather({"city":"Lyon"}) → ok: Sunny, 24 °C in Lyon');
    expect(tags.some((t) => t.startsWith('latency arguments complete → MCP request'))).toBe(true);
    expect(tags).toContainEqual('model said "It is Sunny, 24 °C in Lyon."');
    expect(tags.at(-1)).toBe('ended socket closed (1000)');
    // The output really went back to the model.
    const outputs = sim.clientEvents.flatMap((e) => (e.type === 'conversation.item.create' && e.item.type === 'function_call_output' ? [e.item.output] : []));
    expect(outputs).toEqual(['Sunny, 24 °C in Lyon']);
    expect((await sim.done).ok).toBe(true);
    expect(run.stdout).not.toContain(KEY);
    expect(run.stderr).not.toContain(KEY);
    expect(run.stderr).toBe('');
  });

  it('exits non-zero when the session expires, and says so', async () => {
    const { sim, mcp } = await setUp([{ user: 'Still there?' }, { sessionExpired: true }]);
    const run = await cli(['connect', '--realtime-url', sim.url, '--mcp', `demo=${mcp.url}`], { OPENAI_API_KEY: KEY });
    expect(run.code).not.toBe(0);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/ended\s+session expired: Your session hit the maximum duration of 60 minutes\./);
    expect(run.stdout).toMatch(/exit\s+non-zero: session expired/);
    expect(run.stdout + run.stderr).not.toContain(KEY);
  });

  it('exits non-zero with a clear message when the key is refused, without printing either key', async () => {
    const { sim, mcp } = await setUp([{ user: 'Hello?' }], KEY);
    const run = await cli(['connect', '--realtime-url', sim.url, '--mcp', `demo=${mcp.url}`, '--json'], { OPENAI_API_KEY: WRONG_KEY });
    expect(run.code).toBe(1);
    const records = lines(run.stdout).map((line) => JSON.parse(line) as { tag: string; text: string });
    const error = records.find((r) => r.tag === 'error');
    // The proxy's own error event (code first) explains the close before the end is printed.
    expect(error?.text).toMatch(/^(connect_failed: )?Failed to connect to ws:\/\/127\.0\.0\.1:\d+\/v1\/realtime: .*401.*\. Please check the URL and the API key\.$/);
    expect(records.findIndex((r) => r.tag === 'error')).toBeLessThan(records.findIndex((r) => r.tag === 'ended'));
    expect(sim.clientEvents).toEqual([]); // the socket may open while the tools are listed: nothing is sent on it
    expect(run.stdout + run.stderr).not.toContain(WRONG_KEY);
    expect(run.stdout + run.stderr).not.toContain(KEY);
  });

  describe.concurrent('bad usage exits 2 with a "Failed to … Please …" message', slow, () => {
    const env = { OPENAI_API_KEY: KEY };
    const mcpFlag = ['--mcp', 'demo=http://127.0.0.1:9/mcp'];
    it.each([
      { why: 'no --mcp', args: [] as string[], says: 'no MCP server (give --mcp label=url, --mcp-stdio "label=command …" or --config FILE with "servers")' },
      { why: '--mcp without label=', args: ['--mcp', 'http://127.0.0.1:9/mcp'], says: 'is not label=url' },
      { why: 'a bad --approval', args: [...mcpFlag, '--approval', 'maybe'], says: '--approval must be never, always or auto, not "maybe"' },
      { why: '--timeout -1', args: [...mcpFlag, '--timeout', '-1'], says: "--timeout" },
      { why: '--timeout=-1', args: [...mcpFlag, '--timeout=-1'], says: '--timeout must be a whole number of milliseconds from 1 to 3600000 (1 hour), not "-1"' },
      { why: '--timeout abc', args: [...mcpFlag, '--timeout', 'abc'], says: '--timeout must be a whole number of milliseconds from 1 to 3600000 (1 hour), not "abc"' },
      { why: '--timeout past setTimeout', args: [...mcpFlag, '--timeout', '99999999999'], says: 'from 1 to 3600000 (1 hour), not "99999999999"' },
      { why: 'an unknown flag', args: [...mcpFlag, '--bogus'], says: "Unknown option '--bogus'" },
      { why: 'a positional argument', args: [...mcpFlag, 'extra'], says: "Unexpected argument 'extra'" },
      { why: 'an http:// realtime URL', args: [...mcpFlag, '--realtime-url', 'http://127.0.0.1:9/v1/realtime'], says: '--realtime-url must be a ws:// or wss:// URL' },
    ])('$why', async ({ args, says }) => {
      const run = await cli(['connect', ...args], env);
      expect(run.code, run.stdout + run.stderr).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^Failed to start connect: [\s\S]+\. Please see `realtime-mcp-proxy connect --help`\.\n$/);
      expect(run.stderr).toContain(says);
      expect(run.stderr).not.toContain(KEY);
    });

    it('no API key at all', async () => {
      const run = await cli(['connect', ...mcpFlag]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('Failed to start connect: no API key (give --api-key or set OPENAI_API_KEY; a ws:// URL on 127.0.0.1, localhost or [::1] needs none). Please see');
    });

    it('an unknown command', async () => {
      const run = await cli(['bogus']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('Failed to run "bogus": there is no such command. Please see `realtime-mcp-proxy --help`.');
    });

    it('connect --help exits 0 with the usage', async () => {
      const run = await cli(['connect', '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Usage: realtime-mcp-proxy connect (--mcp label=url | --mcp-stdio "label=command …" | --config FILE)');
      expect(run.stdout).toMatch(/Examples:[\s\S]*Exit codes:/);
      for (const flag of ['--config', '--realtime-url', '--api-key', '--mcp', '--mcp-stdio', '--mcp-token', '--mcp-header-env', '--mcp-header', '--allow', '--approval', '--timeout', '--instructions', '--json']) expect(run.stdout).toContain(flag);
      expect(run.stderr).toBe('');
    });

    it('--help exits 0 with the commands', async () => {
      const run = await cli(['--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/Commands:[\s\S]*start[\s\S]*connect/);
    });
  });
});
