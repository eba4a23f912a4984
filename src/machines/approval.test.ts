import { SimulatedClock, createActor } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DENY_REASON, approvalMachine, expiryReason } from './approval.js';
import type { ApprovalEvent, ApprovalInput } from './types.js';

const request = { approvalId: 'call_1', kind: 'function' as const, callId: 'call_1', functionName: 'delete_file', arguments: '{"path":"/tmp/x"}' };

function start(input: ApprovalInput = { request, timeoutMs: 60_000 }) {
  const clock = new SimulatedClock();
  const actor = createActor(approvalMachine, { input, clock }).start();
  return { actor, clock };
}

describe('approvalMachine', () => {
  it('waits in pending until an answer arrives', () => {
    const { actor } = start();
    expect(actor.getSnapshot().value).toBe('pending');
    expect(actor.getSnapshot().status).toBe('active');
  });

  it('approves', () => {
    const { actor } = start();
    actor.send({ type: 'approval.approve' });
    expect(actor.getSnapshot().value).toBe('approved');
    expect(actor.getSnapshot().output).toEqual({ decision: 'approved' });
  });

  it("denies with the host's reason, or a default one", () => {
    const a = start();
    a.actor.send({ type: 'approval.deny', reason: 'Not on a Friday.' });
    expect(a.actor.getSnapshot().output).toEqual({ decision: 'denied', reason: 'Not on a Friday.' });
    const b = start();
    b.actor.send({ type: 'approval.deny' });
    expect(b.actor.getSnapshot().output).toEqual({ decision: 'denied', reason: DEFAULT_DENY_REASON });
  });

  it('fails closed on a cancel', () => {
    const { actor } = start();
    actor.send({ type: 'approval.cancel', reason: 'The session closed.' });
    expect(actor.getSnapshot().value).toBe('denied');
    expect(actor.getSnapshot().output).toEqual({ decision: 'denied', reason: 'The session closed.' });
  });

  it('expires after timeoutMs, not before', () => {
    const { actor, clock } = start();
    clock.increment(59_999);
    expect(actor.getSnapshot().value).toBe('pending');
    clock.increment(1);
    expect(actor.getSnapshot().value).toBe('expired');
    expect(actor.getSnapshot().output).toEqual({ decision: 'expired', reason: 'No answer within 60 s.' });
  });

  it('keeps the first answer: the timer changes nothing', () => {
    const { actor, clock } = start();
    actor.send({ type: 'approval.deny', reason: 'No.' });
    clock.increment(120_000);
    expect(actor.getSnapshot().output).toEqual({ decision: 'denied', reason: 'No.' });
  });

  it('clamps timeouts that timers cannot wait for, so they do not expire at once', () => {
    const { actor, clock } = start({ request, timeoutMs: Number.POSITIVE_INFINITY });
    clock.increment(10 * 24 * 3600 * 1000);
    expect(actor.getSnapshot().value).toBe('pending');
    const neg = start({ request, timeoutMs: -5 });
    neg.clock.increment(0);
    expect(neg.actor.getSnapshot().value).toBe('expired');
  });

  it('words the expiry reason in seconds or milliseconds', () => {
    expect(expiryReason(60_000)).toBe('No answer within 60 s.');
    expect(expiryReason(1_500)).toBe('No answer within 1500 ms.');
  });

  it('reaches every final state (xstate/graph)', () => {
    // The delayed transition is an ordinary event to the traversal; its type is xstate's own naming.
    const expire = { type: 'xstate.after.approvalTimeout.approval.pending' } as unknown as ApprovalEvent;
    const events: ApprovalEvent[] = [{ type: 'approval.approve' }, { type: 'approval.deny' }, { type: 'approval.cancel', reason: 'x' }, expire];
    const paths = getShortestPaths(approvalMachine, { input: { request, timeoutMs: 1000 }, events });
    const finals = new Set(paths.filter((p) => p.state.status === 'done').map((p) => String(p.state.value)));
    expect(finals).toEqual(new Set(['approved', 'denied', 'expired']));
    for (const path of paths) if (path.state.status === 'done') expect(path.steps).toHaveLength(2);
  });
});
