/**
 * The fault suite, the session ending under a running call: the Realtime socket closes, or the
 * session expires. Each row checks that the call is aborted at the MCP server, nothing is sent
 * after the end, the end has its typed reason, and close() releases everything.
 */
import { describe, expect, it } from 'vitest';
import { mockConfig, stuck } from '../e2e/mockTools.js';
import { API_KEY, startE2E, useE2E, waitFor, type E2E } from '../e2e/support.js';
import { expectClosed, expectEndedWith, expectHandlesBackTo, expectMcpSessionsEnded, expectNoSecretIn, FAULT_SUITE_TOKEN, openHandles } from './faultChecks.js';

useE2E();

const withToken = { mock: mockConfig([stuck], { requireBearer: FAULT_SUITE_TOKEN }), mockServer: { token: FAULT_SUITE_TOKEN } };

/** A hanging call runs at the MCP server; the test closes the simulator (1001) under it. */
async function socketClosedMidCall(): Promise<E2E> {
  const e2e = await startE2E({
    ...withToken,
    script: [{ user: 'Do it.' }, { callTool: { name: 'stuck', arguments: { text: 'x' }, reply: false } }, { note: 'Held open until the test closes the server.', wait: 60_000 }],
  });
  await waitFor(() => e2e.mock!.callLog[0]?.outcome === 'pending', 'the call running at the MCP server');
  await e2e.sim.close();
  return e2e;
}

/** A hanging call runs; the simulator sends session_expired and closes. */
async function sessionExpiredMidCall(): Promise<E2E> {
  const e2e = await startE2E({
    ...withToken,
    script: [{ user: 'Do it.' }, { callTool: { name: 'stuck', arguments: { text: 'x' }, reply: false } }, { wait: 100 }, { sessionExpired: true }],
  });
  expect(await e2e.sim.done).toEqual({ ok: true, steps: 4 });
  return e2e;
}

const scenarios = [
  { fault: 'the Realtime socket closes mid-call', play: socketClosedMidCall, reason: 'socket_closed' as const, end: { reason: 'socket_closed', code: 1001, detail: 'The simulator is shutting down.' } },
  { fault: 'session_expired mid-call', play: sessionExpiredMidCall, reason: 'session_expired' as const, end: { reason: 'session_expired', message: expect.stringContaining('maximum duration') } },
];

describe('the session ends while a call runs', () => {
  it.each(scenarios)('$fault: the call is aborted at the server, nothing is sent, the end is $reason, close() releases the MCP session', async ({ play, reason, end }) => {
    const baseline = openHandles();
    const e2e = await play();
    expect(await expectEndedWith(e2e, reason)).toEqual(end);
    // The hanging call ended at the mock without an answer (or never reached it, when the end came first).
    await waitFor(() => e2e.mock!.callLog.every((call) => call.outcome !== 'pending'), 'the mock to see the call end');
    expect(e2e.mock!.callLog.map((call) => call.outcome).filter((outcome) => outcome !== 'cancelled' && outcome !== 'abandoned')).toEqual([]);
    expect(e2e.outputs()).toEqual([]);
    // The call's timeline ends once, without an output or a response.create.
    const timelines = e2e.timelines();
    expect(timelines).toEqual([expect.objectContaining({ functionName: 'stuck' })]);
    expect(timelines[0]!.outputSentAt).toBeUndefined();
    expect(timelines[0]!.responseCreateSentAt).toBeUndefined();
    await expectClosed(e2e);
    expectMcpSessionsEnded(e2e);
    await e2e.sim.close();
    await e2e.mock!.close();
    await expectHandlesBackTo(baseline);
    expectNoSecretIn(e2e, [FAULT_SUITE_TOKEN, API_KEY]);
  });

  // Issue 10, "at teardown no call is left": the session forgets its calls as it ends (their
  // children stop with it), so the snapshot lists none.
  it.each(scenarios)('$fault: snapshot().runningCalls is empty after close()', async ({ play }) => {
    const e2e = await play();
    await e2e.proxy.ended;
    await expectClosed(e2e);
    expect(e2e.proxy.snapshot().runningCalls).toEqual([]);
  });
});
