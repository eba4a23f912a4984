/**
 * The fault suite, MCP side: each row plays one MCP server fault through the whole proxy (the
 * Realtime simulator, the Node proxy, a real MCP server over HTTP on 127.0.0.1) and checks what
 * issue 10 promises: exactly one output per completed call, the session alive, resources released
 * after close(), no token in anything the proxy said. README.md has the table.
 */
import { describe, expect, it } from 'vitest';
import type { MockFault, MockTool } from '../../harness/mock-mcp/index.js';
import { lookup, mockConfig, stuck } from '../e2e/mockTools.js';
import { API_KEY, errorOf, startE2E, useE2E, waitFor, type E2E } from '../e2e/support.js';
import { startEverything } from '../support/mcpServers.js';
import {
  expectClosedClean,
  expectHandlesBackTo,
  expectMcpSessionsEnded,
  expectNoSecretIn,
  expectOneOutputPerCompletedCall,
  FAULT_SUITE_TOKEN,
  openHandles,
} from './faultChecks.js';

useE2E();

const withToken = { requireBearer: FAULT_SUITE_TOKEN };
const tokenConfig = { token: FAULT_SUITE_TOKEN };

/** A user turn and a call of `tool`, spoken about once its output is in; then the same again. */
function twoCalls(tool: string): Parameters<typeof startE2E>[0]['script'] {
  return [
    { user: 'Look up tea.' },
    { callTool: { name: tool, arguments: { text: 'tea' }, reply: 'First: {output}' } },
    { user: 'Now milk.' },
    { callTool: { name: tool, arguments: { text: 'milk' }, reply: 'Second: {output}' } },
  ];
}

/**
 * The session went on through the fault; then the proxy closes clean, every MCP session got its
 * DELETE, no socket or process remains once the servers close, and no secret was said.
 */
async function expectAliveThenReleased(e2e: E2E, baseline: Record<string, number>): Promise<void> {
  expect(e2e.proxy.snapshot()).toMatchObject({ state: 'ready', runningCalls: [] });
  await expectClosedClean(e2e);
  expectMcpSessionsEnded(e2e);
  await e2e.sim.close();
  await e2e.mock!.close();
  await expectHandlesBackTo(baseline);
  expectNoSecretIn(e2e, [FAULT_SUITE_TOKEN, API_KEY]);
}

describe('MCP server faults through the whole proxy', () => {
  it.each([500, 502, 503])('the MCP server answers HTTP %i: one transport_error output, the session goes on and the next call is answered', async (status) => {
    const baseline = openHandles();
    const fault: MockFault = status === 500 ? { kind: 'http500', on: { call: 1 } } : { kind: 'httpStatus', status, on: { call: 1 } };
    const e2e = await startE2E({ mock: mockConfig([{ ...lookup, faults: [fault] }], withToken), mockServer: tokenConfig, script: twoCalls('lookup') });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 4 });
    await e2e.quiesce();
    const [failed, answered] = e2e.calls();
    // The model is told the server could not be reached; the host learns the status.
    expect(errorOf(e2e.outputFor(failed!.call_id))?.code).toBe('transport_error');
    expect(e2e.results()[0]).toMatchObject({ code: 'transport_error', message: expect.stringContaining(`HTTP ${status}`) });
    expect(e2e.outputFor(answered!.call_id)).toBe('{"text":"milk"}');
    expectOneOutputPerCompletedCall(e2e);
    expect(e2e.mock!.callLog.map((call) => call.outcome)).toEqual([status === 500 ? 'fault:http500' : 'fault:httpStatus', 'answered']);
    expect(e2e.creates()).toBe(2);
    await expectAliveThenReleased(e2e, baseline);
  });

  it('the MCP server hangs: a timeout output at the deadline, the server is told to cancel, the next call is answered', async () => {
    const baseline = openHandles();
    const hangsOnce: MockTool = { ...stuck, faults: [{ kind: 'hang', on: { call: 1 } }] };
    const e2e = await startE2E({ mock: mockConfig([hangsOnce], withToken), mockServer: tokenConfig, proxy: { timeouts: { defaultMs: 300 } }, script: twoCalls('stuck') });
    const started = Date.now();
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 4 });
    await e2e.quiesce();
    const [timedOut, answered] = e2e.calls();
    expect(errorOf(e2e.outputFor(timedOut!.call_id))?.code).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(e2e.outputFor(answered!.call_id)).toBe('{"text":"milk"}');
    expectOneOutputPerCompletedCall(e2e);
    await waitFor(() => e2e.mock!.callLog[0]?.outcome === 'cancelled', 'notifications/cancelled at the mock');
    expect(e2e.results()[0]).toMatchObject({ code: 'timeout', message: expect.stringContaining('no answer within 300 ms') });
    await expectAliveThenReleased(e2e, baseline);
  });

  it('the MCP server answers 50 MB: the output is capped (head and tail kept), the full result still reaches the host', async () => {
    const baseline = openHandles();
    const bytes = 50 * 1024 * 1024;
    const dump: MockTool = { name: 'dump', description: 'Dumps everything.', inputSchema: { type: 'object' }, annotations: { readOnlyHint: true }, faults: [{ kind: 'hugeResult', bytes }] };
    const e2e = await startE2E({
      mock: mockConfig([dump], withToken),
      mockServer: tokenConfig,
      script: [{ user: 'Dump it.' }, { callTool: { name: 'dump', arguments: {}, reply: 'Got it.' } }],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 2 });
    await e2e.quiesce();
    const [call] = e2e.calls();
    const output = e2e.outputFor(call!.call_id)!;
    expect(new TextEncoder().encode(output).length).toBeLessThanOrEqual(16 * 1024);
    expect(output).toMatch(/^x+.*truncated \d+ bytes.*x+$/s);
    expectOneOutputPerCompletedCall(e2e);
    const [result] = e2e.results();
    expect(result).toMatchObject({ code: 'ok' });
    expect((result!.mcpResult!.content[0] as { text: string }).text).toHaveLength(bytes);
    await expectAliveThenReleased(e2e, baseline);
  });

  it('the MCP server process is killed mid-call: one error output, the session goes on, close() still resolves', async () => {
    const baseline = openHandles();
    const everything = await startEverything('streamableHttp');
    let killed = false;
    try {
      const e2e = await startE2E({
        proxy: { servers: [{ label: 'everything', url: everything.url, ...tokenConfig }], timeouts: { defaultMs: 3_000 } },
        simulator: { toolTimeoutMs: 20_000 },
        script: [
          { user: 'Run the long operation.' },
          { callTool: { name: 'trigger-long-running-operation', arguments: { duration: 30, steps: 60 }, reply: 'It said: {output}' } },
          { user: 'Are you still there?' },
          { say: 'Yes.' },
        ],
      });
      // The first progress notification says the server is running the call: kill it there.
      await waitFor(() => e2e.eventsOf('toolCall.progress').length > 0, 'the call running at the server', 10_000);
      killed = everything.process.kill('SIGKILL');
      expect(await e2e.sim.done).toEqual({ ok: true, steps: 4 });
      await e2e.quiesce();
      const [call] = e2e.calls();
      // The broken answer stream is the signal: transport_error at once, not a timeout at the 3 s deadline.
      expect(errorOf(e2e.outputFor(call!.call_id))?.code).toBe('transport_error');
      const [result] = e2e.results();
      expect(result).toMatchObject({ code: 'transport_error', message: expect.stringMatching(/mid-call.*may or may not have run/) });
      expect(result!.timings.durationMs).toBeLessThan(2_500);
      expectOneOutputPerCompletedCall(e2e);
      expect(e2e.transcripts()).toContain('Yes.');
      expect(e2e.proxy.snapshot()).toMatchObject({ state: 'ready', runningCalls: [] });
      await expectClosedClean(e2e);
      await e2e.sim.close();
      expectNoSecretIn(e2e, [FAULT_SUITE_TOKEN, API_KEY]);
    } finally {
      await everything.stop();
    }
    expect(killed).toBe(true);
    await expectHandlesBackTo(baseline);
  });
});
