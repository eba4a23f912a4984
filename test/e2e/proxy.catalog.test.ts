/**
 * The tools of `session.update` end to end, with several real mock MCP servers on 127.0.0.1:
 * always in configured server order, then each server's listing order, whichever server finishes
 * listing first (so a recording of several servers replays), and capped by `toolLimits` with one
 * `tools_limited` warning, the tools left out refused when called.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockMcpServer, type MockMcpServer, type MockTool } from '../../harness/mock-mcp/index.js';
import { startRealtimeSimulator } from '../../harness/simulator/index.js';
import { main } from '../../src/cli/main.js';
import type { DoctorReport } from '../../src/cli/doctorReport.js';
import type { McpServerConfig } from '../../src/mcp/types.js';
import { createNodeRealtimeMcpProxy } from '../../src/node/realtimeMcpProxy.js';
import { replay } from '../../src/node/replay.js';
import type { ProxyWarning } from '../../src/proxy/options.js';
import { mockConfig } from './mockTools.js';
import { errorOf, startE2E, toolNames, useE2E, waitFor, type Loose } from './support.js';

useE2E();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const textArg = { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] };
const tool = (name: string): MockTool => ({ name, description: `Does ${name}.`, inputSchema: textArg, annotations: { readOnlyHint: true } });
/** Three servers; `search` on each of them, so clashing names are hashed too. */
const SERVERS = [
  { label: 'first', tools: [tool('zeta'), tool('search'), tool('alpha')] },
  { label: 'second', tools: [tool('search'), tool('mid')] },
  { label: 'third', tools: [tool('omega'), tool('search')] },
];

/** Starts the three servers, each answering tools/list after its own delay. */
async function startServers(listDelaysMs: number[]): Promise<{ mocks: MockMcpServer[]; configs: McpServerConfig[] }> {
  const mocks = await Promise.all(SERVERS.map((server, i) => startMockMcpServer(mockConfig(server.tools, { listDelayMs: listDelaysMs[i]! }))));
  for (const mock of mocks) cleanups.push(() => mock.close());
  return { mocks, configs: SERVERS.map((server, i) => ({ label: server.label, url: mocks[i]!.url })) };
}

/** One session with the servers listing in the order their delays give; what it offered, and the order the listings finished in. */
async function sessionWithDelays(listDelaysMs: number[]) {
  const { configs } = await startServers(listDelaysMs);
  const e2e = await startE2E({ proxy: { servers: configs }, script: [{ user: 'Hello.' }, { say: 'Hi.' }] });
  expect(await e2e.sim.done).toMatchObject({ ok: true });
  return { tools: e2e.sessionUpdates()[0]!.session.tools as Loose[], listedInOrder: e2e.eventsOf('catalog.changed').map((diff) => diff.server) };
}

describe('catalog order with several servers', () => {
  it('is the same tools array whether the first configured server finishes listing last or first', async () => {
    const slowFirst = await sessionWithDelays([600, 300, 0]);
    const fastFirst = await sessionWithDelays([0, 300, 600]);
    // The servers really did finish in other orders: the first one after the third, then before it
    // (only the 600 ms gap is relied on: on a loaded machine connecting can take a few hundred ms).
    const finished = (run: { listedInOrder: string[] }, server: string) => run.listedInOrder.indexOf(server);
    expect([...slowFirst.listedInOrder].sort()).toEqual(['first', 'second', 'third']);
    expect(finished(slowFirst, 'first')).toBeGreaterThan(finished(slowFirst, 'third'));
    expect(finished(fastFirst, 'first')).toBeLessThan(finished(fastFirst, 'third'));
    expect(slowFirst.tools).toEqual(fastFirst.tools);
    expect(slowFirst.tools.map((t) => t.description)).toEqual(SERVERS.flatMap((server) => server.tools.map((t) => t.description)));
  }, 30_000);

  it('keeps a server that re-lists after list_changed in its configured place', async () => {
    const { mocks, configs } = await startServers([0, 0, 0]);
    const e2e = await startE2E({ proxy: { servers: configs }, script: [{ user: 'Hello.' }, { say: 'Hi.' }] });
    expect(await e2e.sim.done).toMatchObject({ ok: true });
    await mocks[0]!.setTools([...SERVERS[0]!.tools, tool('added')]);
    const updates = await waitFor(() => e2e.sessionUpdates().length === 2 && e2e.sessionUpdates(), 'the session.update after list_changed');
    const descriptions = (update: Loose) => (update.session.tools as Loose[]).map((t) => t.description as string);
    expect(descriptions(updates[1]!)).toEqual([...SERVERS[0]!.tools.map((t) => t.description), 'Does added.', ...SERVERS.slice(1).flatMap((server) => server.tools.map((t) => t.description))]);
  }, 30_000);

  it('a recording of a session with three servers replays', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'rmp-catalog-recording-'));
    cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
    const path = join(folder, 'three-servers.jsonl');
    // Recorded with the first configured server finishing last; the replay's recorded servers answer at once.
    const { configs } = await startServers([300, 150, 0]);
    const apiKey = 'local-simulator-key-for-this-test';
    const sim = await startRealtimeSimulator({ apiKey, script: { description: 'three servers', steps: [{ user: 'Do omega.' }, { callTool: { name: 'omega', arguments: { text: 'x' }, reply: 'It said {output}.' } }] } });
    cleanups.push(() => sim.close());
    const proxy = createNodeRealtimeMcpProxy({ url: sim.url, apiKey, servers: configs, catalogCache: false, record: { path } });
    proxy.on('error', () => undefined);
    await proxy.start();
    expect(await sim.done).toMatchObject({ ok: true });
    await proxy.close();
    const result = await replay(path);
    expect(result.matched).toBeGreaterThanOrEqual(3); // session.update, the output, response.create
  }, 30_000);
});

describe('toolLimits', () => {
  const many = Array.from({ length: 6 }, (_, i) => tool(`tool_${i}`));

  it('sends the first maxTools in catalog order, warns once with what was left out, and refuses a call to a left-out tool', async () => {
    const e2e = await startE2E({
      mock: mockConfig(many),
      proxy: { toolLimits: { maxTools: 4 } },
      script: [{ user: 'Go.' }, { callTools: [{ name: 'tool_5', arguments: { text: 'x' } }, { name: 'tool_3', arguments: { text: 'y' } }], reply: 'Done: {outputs}' }],
    });
    expect(await e2e.sim.done).toMatchObject({ ok: true });
    await e2e.quiesce();
    expect(toolNames(e2e.sessionUpdates()[0]!)).toEqual(['tool_0', 'tool_1', 'tool_2', 'tool_3']);
    const warnings = e2e.eventsOf('warning') as ProxyWarning[];
    expect(warnings.map((w) => w.code)).toEqual(['tools_limited']);
    expect(warnings[0]!.message).toMatch(/^Offering 4 of 6 tools .*toolLimits\.maxTools is 4 .*"mock" \(4 of 6 kept\)\. Please choose the tools the model needs with allowedTools/);
    expect(warnings[0]!.data).toMatchObject({ kept: 4, total: 6, reached: 'maxTools', leftOut: [{ server: 'mock', tool: 'tool_4' }, { server: 'mock', tool: 'tool_5' }] });
    expect(e2e.mock!.callLog.map((call) => call.tool)).toEqual(['tool_3']);
    const refused = e2e.calls().find((call) => call.name === 'tool_5')!;
    expect(errorOf(e2e.outputFor(refused.call_id))).toEqual({ code: 'not_allowed', message: 'The tool "tool_5" is not available. Use one of the tools you were given.' });
    // Refused before any request: its timeline has no MCP request time.
    expect(e2e.timelines().find((timeline) => timeline.code === 'not_allowed')?.mcpRequestAt).toBeUndefined();
    expect(e2e.results().find((result) => result.code === 'not_allowed')?.message).toBe(
      'Failed to call function "tool_5": tool "tool_5" on MCP server "mock": it was left out of session.update by toolLimits.maxTools (4 tools). Please choose fewer tools with allowedTools so it fits, or raise the limit.',
    );
  });

  it('applies after allowedTools: what the allowlist keeps is what counts, and nothing is said when it fits', async () => {
    const e2e = await startE2E({
      mock: mockConfig(many),
      proxy: { toolLimits: { maxTools: 2 }, allowedTools: ['mock/tool_4', 'mock/tool_1'] },
      script: [{ user: 'Hello.' }, { say: 'Hi.' }],
    });
    expect(await e2e.sim.done).toMatchObject({ ok: true });
    expect(toolNames(e2e.sessionUpdates()[0]!)).toEqual(['tool_1', 'tool_4']);
    expect(e2e.eventsOf('warning')).toEqual([]);
  });

  it('doctor and a session agree on a server with 197 tools: 128 usable, the same tokens, the same advice', async () => {
    const twilioLike = Array.from({ length: 197 }, (_, i) => tool(`api_${String(i).padStart(3, '0')}`));
    const e2e = await startE2E({ mock: mockConfig(twilioLike), script: [{ user: 'Hello.' }, { say: 'Hi.' }] });
    expect(await e2e.sim.done).toMatchObject({ ok: true });
    const sent = toolNames(e2e.sessionUpdates()[0]!);
    const [warning] = e2e.eventsOf('warning') as ProxyWarning[];
    expect(sent).toEqual(twilioLike.slice(0, 128).map((t) => t.name));
    expect(warning?.data).toMatchObject({ kept: 128, total: 197, reached: 'maxTools' });

    const out: string[] = [];
    const code = await main(['doctor', e2e.mock!.url, '--json'], {}, (text) => out.push(text), () => undefined);
    const report = JSON.parse(out.join('\n')) as DoctorReport;
    expect(code).toBe(0); // a session runs with the 128 (and the warning): so does doctor's verdict
    expect(report.tools).toMatchObject({ listed: 197, usable: 128, estimatedTokens: warning!.data!.keptTokens, limited: { available: 197, availableTokens: warning!.data!.totalTokens, reached: 'maxTools' } });
    expect(report.tools!.tools.filter((t) => t.usable).map((t) => t.name)).toEqual(sent);
    expect(report.tools!.tools[128]!.leftOut).toMatch(/^Left out: past toolLimits\.maxTools \(128 tools\)/);
    // The same warning, but for the label each gives the server.
    const problem = report.problems.find((p) => p.message.startsWith('Offering '));
    expect(problem?.level).toBe('warning');
    expect(problem?.message.replaceAll(/"[^"]*"/g, '""')).toBe(warning!.message.replaceAll(/"[^"]*"/g, '""'));

    const text: string[] = [];
    await main(['doctor', e2e.mock!.url], {}, (line) => text.push(line), () => undefined);
    expect(text.join('\n')).toContain('Result: usable: 128 of 197 tools can be exposed to Realtime (limit 128 tools: 69 of 197 left out; choose them with allowedTools, or raise toolLimits.maxTools)');
  }, 30_000);

  it('refuses bad limits before anything connects', () => {
    expect(() => createNodeRealtimeMcpProxy({ url: 'ws://127.0.0.1:1', apiKey: 'k', servers: [], toolLimits: { maxTools: 0 } })).toThrow(/^Failed to configure toolLimits\.maxTools: 0 is not a whole number from 1 to 10000/);
  });
});
