/**
 * What every row of the fault suite checks once its fault has played (issue 10): exactly one output
 * per completed call (none once the session has ended), the session alive or ended with its typed
 * reason, resources released, and no secret in anything the proxy said.
 */
import { expect } from 'vitest';
import type { SessionEndReason } from '../../src/machines/session.js';
import { waitFor, type E2E } from '../e2e/support.js';

/** A bearer token for the MCP servers of the suite: distinctive, and nothing like a real key. */
export const FAULT_SUITE_TOKEN = 'FAULT-SUITE-MCP-TOKEN-do-not-print';

/** Every completed call the simulator made got exactly one output; incomplete ones got none. */
export function expectOneOutputPerCompletedCall(e2e: E2E): void {
  const outputs = e2e.outputs();
  for (const call of e2e.calls()) {
    const count = outputs.filter((output) => output.call_id === call.call_id).length;
    expect(count, `outputs for ${call.status} call ${call.call_id}`).toBe(call.status === 'completed' ? 1 : 0);
  }
  expect(outputs.length, 'outputs for calls the simulator never made').toBe(e2e.calls().filter((call) => call.status === 'completed').length);
}

/**
 * The session ended with `reason`, once, and the proxy tried to send nothing after the end (the
 * socket is gone, so a try would be a `not_open` error, not a frame).
 */
export async function expectEndedWith(e2e: E2E, reason: SessionEndReason['reason']): Promise<SessionEndReason> {
  const end = await e2e.proxy.ended;
  expect(end.reason).toBe(reason);
  expect(e2e.eventsOf('session.ended')).toEqual([end]);
  expect(e2e.proxy.snapshot()).toMatchObject({ state: 'closed', end });
  expect(e2e.errors.filter((error) => error.code === 'not_open').map((error) => error.message)).toEqual([]);
  return end;
}

/** Closes the proxy: it resolves, and nothing waits for approval any more. */
export async function expectClosed(e2e: E2E): Promise<void> {
  await e2e.proxy.close();
  const snapshot = e2e.proxy.snapshot();
  expect(snapshot.state).toBe('closed');
  expect(snapshot.pendingApprovals).toEqual([]);
}

/** Closes the proxy: it resolves, nothing runs or waits for approval any more. */
export async function expectClosedClean(e2e: E2E): Promise<void> {
  await expectClosed(e2e);
  expect(e2e.proxy.snapshot().runningCalls).toEqual([]);
}

/** The mock's MCP sessions were each ended by the proxy (a DELETE per session). */
export function expectMcpSessionsEnded(e2e: E2E): void {
  expect(e2e.mock!.deletesReceived).toBe(e2e.mock!.sessionsCreated);
}

/** Sockets, servers and child processes this thread holds, by kind. */
export function openHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind === 'TCPSocketWrap' || kind === 'TCPServerWrap' || kind === 'ProcessWrap' || kind === 'PipeWrap') counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/** After everything the test started is closed, no socket, server or child process is left over. */
export async function expectHandlesBackTo(baseline: Record<string, number>): Promise<void> {
  const extra = () => Object.entries(openHandles()).filter(([kind, count]) => count > (baseline[kind] ?? 0));
  await waitFor(() => extra().length === 0 || undefined, `open handles back to ${JSON.stringify(baseline)} (now ${JSON.stringify(openHandles())})`);
}

/** Everything reachable from a value as text: properties, error messages and causes. */
function textOf(value: unknown, seen = new WeakSet<object>()): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return String(value);
  if (seen.has(value)) return '';
  seen.add(value);
  const parts = value instanceof Error ? [value.message, textOf(value.cause, seen)] : [];
  for (const key of Object.getOwnPropertyNames(value)) parts.push(textOf((value as Record<string, unknown>)[key], seen));
  return parts.join(' ');
}

/** No secret in what the Realtime side received, nor in events, errors (with causes) and logs. */
export function expectNoSecretIn(e2e: E2E, secrets: readonly string[]): void {
  const said = [
    ...e2e.sim.clientEvents.map((event) => JSON.stringify(event)),
    ...e2e.events.map((event) => `${event.name} ${textOf(event.payload)}`),
    ...e2e.errors.map((error) => textOf(error)),
    ...e2e.logs.map((line) => `${line.message} ${textOf(line.fields)}`),
  ];
  expect(said.length).toBeGreaterThan(0);
  const leaks = said.filter((text) => secrets.some((secret) => text.includes(secret)));
  expect(leaks).toEqual([]);
}
