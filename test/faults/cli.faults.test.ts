/**
 * The CLI under the hostile frame that used to kill it: `connect` (a child process, as users run
 * it) against the Realtime simulator playing calls whose call_id and item id are `Object.prototype`
 * names, and a real mock MCP server. It must answer each call once and exit 0 when the session ends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startMockMcpServer, type MockMcpServer } from '../../harness/mock-mcp/index.js';
import { startRealtimeSimulator, type RealtimeSimulator } from '../../harness/simulator/index.js';
import { runCli } from '../support/cliProcess.js';

const KEY = 'cli-faults-realtime-key';
let sim: RealtimeSimulator | undefined;
let mock: MockMcpServer | undefined;
afterEach(async () => {
  await sim?.close();
  await mock?.close();
  sim = mock = undefined;
});

describe('connect with hostile ids', () => {
  it('answers calls named toString, __proto__ and hasOwnProperty once each, and exits 0', async () => {
    mock = await startMockMcpServer({ tools: [{ name: 'lookup', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }] });
    sim = await startRealtimeSimulator({
      apiKey: KEY,
      script: {
        steps: [
          { user: 'Look three things up.' },
          { callTool: { name: 'lookup', arguments: { text: 'a' }, callId: 'toString', itemId: 'constructor', reply: 'One: {output}.' } },
          { user: 'Again.' },
          { callTool: { name: 'lookup', arguments: { text: 'b' }, callId: '__proto__', itemId: 'valueOf', reply: 'Two: {output}.' } },
          { user: 'Once more.' },
          { callTool: { name: 'lookup', arguments: { text: 'c' }, callId: 'hasOwnProperty', itemId: '__proto__', reply: 'Three: {output}.' } },
          { close: { code: 1000 } },
        ],
      },
    });
    const run = await runCli(['connect', '--realtime-url', sim.url, '--mcp', `mock=${mock.url}`], { OPENAI_API_KEY: KEY }, { timeoutMs: 60_000 });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await sim.done).toMatchObject({ ok: true });
    const outputs = sim.clientEvents.flatMap((e) => (e.type === 'conversation.item.create' && e.item.type === 'function_call_output' ? [e.item.call_id] : []));
    expect(outputs).toEqual(['toString', '__proto__', 'hasOwnProperty']);
    expect(mock.callLog.map((call) => call.outcome)).toEqual(['answered', 'answered', 'answered']);
    expect(run.stdout).toContain('ended    socket closed (1000)');
  }, 90_000);
});

describe('connect when the session never starts', () => {
  it('a refused key: the line that explains the close comes before "ended", and the exit is 1', async () => {
    mock = await startMockMcpServer({ tools: [{ name: 'lookup' }] });
    sim = await startRealtimeSimulator({ apiKey: KEY, script: [] });
    const run = await runCli(['connect', '--realtime-url', sim.url, '--mcp', `mock=${mock.url}`], { OPENAI_API_KEY: 'cli-faults-wrong-key' });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const lines = run.stdout.split('\n');
    const cause = lines.findIndex((line) => /^error\s.*Unexpected server response: 401/.test(line));
    const ended = lines.findIndex((line) => line.startsWith('ended'));
    expect(cause, run.stdout).toBeGreaterThanOrEqual(0);
    expect(ended, run.stdout).toBeGreaterThan(cause);
    expect(run.stdout + run.stderr).not.toContain('cli-faults-wrong-key');
  }, 60_000);
});
