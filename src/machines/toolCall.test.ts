import fc from 'fast-check';
import { SimulatedClock, createActor, fromPromise, setup, spawnChild, type ActorRefFrom } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { describe, expect, it } from 'vitest';
import type { ToolCallResult } from '../mcp/types.js';
import { BARGE_IN_DENY_REASON, CANCELLED_MESSAGE, POLICY_DENY_REASON, settledEvent, toolCallMachine } from './toolCall.js';
import type { ExecuteToolCallInput, ToolCallApprovalRequested, ToolCallEvent, ToolCallInput, ToolCallSettled } from './types.js';

type Reported = ToolCallSettled | ToolCallApprovalRequested;
interface Execution {
  input: ExecuteToolCallInput;
  signal: AbortSignal;
  resolve: (result: ToolCallResult) => void;
  reject: (error: unknown) => void;
}
/** Everything that happened, in order, for the property's invariants. */
type Entry =
  | { k: 'send'; event: ToolCallEvent }
  | { k: 'execute'; execution: Execution }
  | { k: 'report'; reported: Reported }
  | { k: 'tick'; ms: number };

const baseInput: ToolCallInput = {
  callId: 'call_1',
  itemId: 'item_1',
  responseId: 'resp_1',
  functionName: 'fs_write_file',
  approval: 'auto-approve',
  approvalTimeoutMs: 60_000,
  bargeIn: 'cancel',
  server: 'fs',
  tool: 'write_file',
  annotations: { destructiveHint: true },
};

function okResult(output = '{"written":true}'): ToolCallResult {
  return { code: 'ok', output, functionName: 'fs_write_file', server: 'fs', mcpName: 'write_file', timings: { startedAt: 0, durationMs: 1 } };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A tiny parent, as the session is: it spawns one child and records what the child reports. The
 * fake executeToolCall parks each call so tests decide when (and whether) it finishes.
 */
function harness(overrides: Partial<ToolCallInput> = {}, options: { provide?: boolean } = {}) {
  const input = { ...baseInput, ...overrides };
  const timeline: Entry[] = [];
  const executions: Execution[] = [];
  const executeToolCall = fromPromise<ToolCallResult, ExecuteToolCallInput>(
    ({ input, signal }) =>
      new Promise((resolve, reject) => {
        const execution = { input, signal, resolve, reject };
        executions.push(execution);
        timeline.push({ k: 'execute', execution });
      }),
  );
  const child = options.provide === false ? toolCallMachine : toolCallMachine.provide({ actors: { executeToolCall } });
  const parent = setup({ types: { events: {} as Reported }, actors: { toolCall: child } }).createMachine({
    entry: spawnChild('toolCall', { id: input.callId, input }),
    on: {
      'toolCall.settled': { actions: ({ event }) => void timeline.push({ k: 'report', reported: event }) },
      'toolCall.approvalRequested': { actions: ({ event }) => void timeline.push({ k: 'report', reported: event }) },
    },
  });
  const clock = new SimulatedClock();
  const root = createActor(parent, { clock }).start();
  const call = root.getSnapshot().children[input.callId] as ActorRefFrom<typeof toolCallMachine>;
  const reports = () => timeline.flatMap((e) => (e.k === 'report' ? [e.reported] : []));
  return {
    call,
    clock,
    executions,
    timeline,
    send(event: ToolCallEvent) {
      timeline.push({ k: 'send', event });
      // A finished actor ignores events anyway (with a dev warning); the session stops it on settle.
      if (call.getSnapshot().status === 'active') call.send(event);
    },
    tick(ms: number) {
      timeline.push({ k: 'tick', ms });
      clock.increment(ms);
    },
    settled: () => reports().filter((r): r is ToolCallSettled => r.type === 'toolCall.settled'),
    requested: () => reports().filter((r): r is ToolCallApprovalRequested => r.type === 'toolCall.approvalRequested'),
  };
}

const errorOf = (output: string | undefined) => (JSON.parse(output ?? 'null') as { error: { code: string; message: string } }).error;

describe('toolCallMachine: paths', () => {
  it('auto-approve: streams, runs with the completed arguments, reports the result once', async () => {
    const h = harness();
    h.send({ type: 'call.arguments.delta', delta: '{"path":' });
    h.send({ type: 'call.arguments.delta', delta: '"/tmp/a"' });
    expect(h.call.getSnapshot().context.arguments).toBe('{"path":"/tmp/a"');
    expect(h.executions).toHaveLength(0);
    h.send({ type: 'call.completed', arguments: '{"path":"/tmp/a"}' });
    expect(h.call.getSnapshot().value).toBe('executing');
    expect(h.executions.map((e) => e.input)).toEqual([{ callId: 'call_1', functionName: 'fs_write_file', arguments: '{"path":"/tmp/a"}' }]);
    h.executions[0]!.resolve(okResult());
    await flush();
    const [settled, ...rest] = h.settled();
    expect(rest).toHaveLength(0);
    expect(settled).toMatchObject({ type: 'toolCall.settled', callId: 'call_1', responseId: 'resp_1', outcome: 'output', output: '{"written":true}', code: 'ok', result: okResult() });
    expect(settled!.completedAt).toBeTypeOf('number');
    expect(settled!.mcpStartedAt! >= settled!.completedAt!).toBe(true);
    expect(settled!.mcpFinishedAt! >= settled!.mcpStartedAt!).toBe(true);
    expect(h.requested()).toHaveLength(0);
    expect(h.call.getSnapshot().status).toBe('done');
  });

  it('auto-deny: never runs, tells the model why', () => {
    const h = harness({ approval: 'auto-deny' });
    h.send({ type: 'call.completed', arguments: '{}' });
    expect(h.executions).toHaveLength(0);
    expect(h.requested()).toHaveLength(0);
    const [settled] = h.settled();
    expect(settled).toMatchObject({ outcome: 'output', code: 'denied' });
    expect(errorOf(settled!.output)).toEqual({ code: 'denied', message: expect.stringContaining(POLICY_DENY_REASON) });
  });

  it('ask → approve: asks the host with the full request, then runs', async () => {
    const h = harness({ approval: 'ask' });
    h.send({ type: 'call.completed', arguments: '{"path":"/etc"}' });
    expect(h.call.getSnapshot().value).toBe('awaitingApproval');
    expect(h.requested()).toEqual([
      {
        type: 'toolCall.approvalRequested',
        request: { approvalId: 'call_1', kind: 'function', callId: 'call_1', functionName: 'fs_write_file', arguments: '{"path":"/etc"}', server: 'fs', tool: 'write_file', annotations: { destructiveHint: true } },
      },
    ]);
    expect(h.executions).toHaveLength(0);
    h.send({ type: 'approval.approve' });
    expect(h.executions).toHaveLength(1);
    h.executions[0]!.resolve(okResult('done'));
    await flush();
    const settled = h.settled();
    expect(settled).toMatchObject([{ outcome: 'output', output: 'done', code: 'ok' }]);
    // The MCP leg starts at the approval, not when the arguments completed.
    expect(settled[0]!.mcpStartedAt! >= settled[0]!.completedAt!).toBe(true);
    expect(settled[0]!.mcpFinishedAt! >= settled[0]!.mcpStartedAt!).toBe(true);
  });

  it("ask → deny: never runs, the output carries the host's reason", () => {
    const h = harness({ approval: 'ask' });
    h.send({ type: 'call.completed', arguments: '{}' });
    h.send({ type: 'approval.deny', reason: 'Not that folder.' });
    expect(h.executions).toHaveLength(0);
    const [settled] = h.settled();
    expect(settled).toMatchObject({ outcome: 'output', code: 'denied' });
    expect(errorOf(settled!.output)).toEqual({ code: 'denied', message: expect.stringContaining('Not that folder.') });
  });

  it('ask → no answer: expires after approvalTimeoutMs', () => {
    const h = harness({ approval: 'ask', approvalTimeoutMs: 5_000 });
    h.send({ type: 'call.completed', arguments: '{}' });
    h.tick(4_999);
    expect(h.settled()).toHaveLength(0);
    h.tick(1);
    const [settled] = h.settled();
    expect(settled).toMatchObject({ outcome: 'output', code: 'denied' });
    expect(errorOf(settled!.output)).toEqual({ code: 'expired', message: expect.stringContaining('No answer within 5 s.') });
    h.send({ type: 'approval.approve' });
    expect(h.executions).toHaveLength(0);
  });

  it('ask → barge-in: the approval is cancelled and the call denied', () => {
    const h = harness({ approval: 'ask', bargeIn: 'finish' });
    h.send({ type: 'call.completed', arguments: '{}' });
    h.send({ type: 'call.bargeIn' });
    h.send({ type: 'approval.approve' });
    expect(h.executions).toHaveLength(0);
    const [settled, ...rest] = h.settled();
    expect(rest).toHaveLength(0);
    expect(errorOf(settled!.output)).toEqual({ code: 'denied', message: expect.stringContaining(BARGE_IN_DENY_REASON) });
  });

  it('ask → teardown: skipped, nothing to send, the approval is stopped', () => {
    const h = harness({ approval: 'ask' });
    h.send({ type: 'call.completed', arguments: '{}' });
    const approval = h.call.getSnapshot().children.approval!;
    h.send({ type: 'call.teardown' });
    expect(approval.getSnapshot().status).toBe('stopped');
    expect(h.settled()).toMatchObject([{ outcome: 'skipped', code: 'skipped' }]);
    expect(h.settled()[0]!.output).toBeUndefined();
  });

  it('an incomplete item never runs, even if `completed` follows', () => {
    const h = harness();
    h.send({ type: 'call.arguments.delta', delta: '{"pa' });
    h.send({ type: 'call.incomplete' });
    h.send({ type: 'call.completed', arguments: '{}' });
    expect(h.executions).toHaveLength(0);
    expect(h.settled()).toMatchObject([{ outcome: 'skipped', code: 'skipped' }]);
  });

  it('a barge-in while streaming waits for the item to end', () => {
    const h = harness();
    h.send({ type: 'call.bargeIn' });
    expect(h.call.getSnapshot().value).toBe('streaming');
    h.send({ type: 'call.completed', arguments: '{}' });
    expect(h.executions).toHaveLength(1);
  });

  it("barge-in while executing with 'cancel' aborts the signal and reports `cancelled` once", async () => {
    const h = harness({ bargeIn: 'cancel' });
    h.send({ type: 'call.completed', arguments: '{}' });
    const [execution] = h.executions;
    expect(execution!.signal.aborted).toBe(false);
    h.send({ type: 'call.bargeIn' });
    expect(execution!.signal.aborted).toBe(true);
    execution!.resolve(okResult());
    await flush();
    const [settled, ...rest] = h.settled();
    expect(rest).toHaveLength(0);
    expect(settled).toMatchObject({ outcome: 'output', code: 'cancelled' });
    expect(errorOf(settled!.output)).toEqual({ code: 'cancelled', message: CANCELLED_MESSAGE });
    expect(settled!.mcpFinishedAt).toBeTypeOf('number');
  });

  it("barge-in while executing with 'finish' lets the call finish and delivers its result", async () => {
    const h = harness({ bargeIn: 'finish' });
    h.send({ type: 'call.completed', arguments: '{}' });
    h.send({ type: 'call.bargeIn' });
    expect(h.executions[0]!.signal.aborted).toBe(false);
    h.executions[0]!.resolve(okResult('late'));
    await flush();
    expect(h.settled()).toMatchObject([{ outcome: 'output', output: 'late', code: 'ok' }]);
  });

  it('teardown aborts a running call and reports it skipped', () => {
    const h = harness({ bargeIn: 'finish' });
    h.send({ type: 'call.completed', arguments: '{}' });
    h.send({ type: 'call.teardown' });
    expect(h.executions[0]!.signal.aborted).toBe(true);
    expect(h.settled()).toMatchObject([{ outcome: 'skipped', code: 'skipped' }]);
    expect(h.settled()[0]!.mcpFinishedAt).toBeTypeOf('number');
  });

  it('teardown while streaming reports it skipped', () => {
    const h = harness();
    h.send({ type: 'call.teardown' });
    expect(h.settled()).toMatchObject([{ outcome: 'skipped', code: 'skipped' }]);
  });

  it('an execute actor that rejects still produces one model-facing error', async () => {
    const h = harness();
    h.send({ type: 'call.completed', arguments: '{}' });
    h.executions[0]!.reject(new Error('socket hang up'));
    await flush();
    const [settled] = h.settled();
    expect(settled).toMatchObject({ outcome: 'output', code: 'protocol_error' });
    expect(errorOf(settled!.output).code).toBe('protocol_error');
    expect(settled!.result!.message).toContain('socket hang up');
  });

  it('without a provided executeToolCall it fails loudly, not silently', async () => {
    const h = harness({}, { provide: false });
    h.send({ type: 'call.completed', arguments: '{}' });
    await flush();
    expect(h.settled()[0]!.result!.message).toMatch(/^Failed to execute a tool call: no executeToolCall actor was provided\./);
  });

  it('approval answers outside awaitingApproval change nothing', () => {
    const h = harness({ approval: 'ask' });
    h.send({ type: 'approval.approve' });
    h.send({ type: 'call.completed', arguments: '{}' });
    expect(h.call.getSnapshot().value).toBe('awaitingApproval');
    expect(h.executions).toHaveLength(0);
  });
});

/* ------------------------------------------------------------ every final state is reachable */

const callEvents = [{ type: 'call.completed', arguments: '{}' }, { type: 'call.incomplete' }, { type: 'call.bargeIn' }, { type: 'call.teardown' }] as ToolCallEvent[];
/** What the invoked actors send back, offered only in the state that invokes them (the traversal runs none). */
const actorEvents: Record<string, ToolCallEvent[]> = {
  awaitingApproval: [
    { type: 'xstate.done.actor.approval', output: { decision: 'approved' } },
    { type: 'xstate.done.actor.approval', output: { decision: 'denied', reason: 'No.' } },
    { type: 'xstate.done.actor.approval', output: { decision: 'expired', reason: 'No answer within 60 s.' } },
  ] as unknown as ToolCallEvent[],
  executing: [
    { type: 'xstate.done.actor.execute', output: okResult() },
    { type: 'xstate.error.actor.execute', error: 'boom' },
  ] as unknown as ToolCallEvent[],
};

/** Plays a graph path on a real actor: done events become the host's answers, the clock, the fake MCP call. */
async function replay(input: Partial<ToolCallInput>, events: readonly { type: string; output?: { decision?: string } }[]) {
  const h = harness(input);
  for (const event of events) {
    if (event.type === 'xstate.init') continue;
    if (event.type === 'xstate.done.actor.approval') {
      const decision = event.output?.decision;
      if (decision === 'approved') h.send({ type: 'approval.approve' });
      else if (decision === 'denied') h.send({ type: 'approval.deny', reason: 'No.' });
      else h.tick(baseInput.approvalTimeoutMs);
    } else if (event.type === 'xstate.done.actor.execute') h.executions.at(-1)!.resolve(okResult());
    else if (event.type === 'xstate.error.actor.execute') h.executions.at(-1)!.reject(new Error('boom'));
    else h.send(event as ToolCallEvent);
    await flush();
  }
  return h;
}

/** The traversal has no parent to report to: the reports are checked on the replays instead. */
const structure = toolCallMachine.provide({ actions: { notifySettled: () => {}, requestApproval: () => {}, reportApproval: () => {} } });

describe('toolCallMachine: reachability (xstate/graph)', () => {
  it('reaches every final state, and each path settles the same way on a real actor', async () => {
    const reached = new Set<string>();
    for (const approval of ['auto-approve', 'auto-deny', 'ask'] as const) {
      for (const bargeIn of ['cancel', 'finish'] as const) {
        const input = { ...baseInput, approval, bargeIn };
        const paths = getShortestPaths(structure, {
          input,
          events: (state) => [...callEvents, ...(actorEvents[String(state.value)] ?? [])],
          // Timestamps make every context unique: tell states apart by what decides the report.
          serializeState: (s) => JSON.stringify([s.value, s.status, s.context.denial?.decision, s.context.result?.code]),
        });
        expect(paths.every((p) => p.state.status === 'active' || p.state.status === 'done')).toBe(true);
        for (const path of paths.filter((p) => p.state.status === 'done')) {
          const end = String(path.state.value) as 'executed' | 'denied' | 'cancelled' | 'skipped';
          reached.add(end);
          const h = await replay(input, path.steps.map((s) => s.event));
          const expected = settledEvent(path.state.context, end);
          expect(h.settled(), `${approval}/${bargeIn}: ${path.steps.map((s) => s.event.type).join(' → ')}`).toMatchObject([
            { outcome: expected.outcome, code: expected.code },
          ]);
          if (expected.output !== undefined) expect(errorOrText(h.settled()[0]!.output)).toEqual(errorOrText(expected.output));
        }
        if (approval === 'ask' && bargeIn === 'cancel') expect(paths.filter((p) => p.state.status === 'done')).toHaveLength(6);
      }
    }
    expect(reached).toEqual(new Set(['executed', 'denied', 'cancelled', 'skipped']));
  });
});

/** Compares outputs by error code (messages depend on reasons the graph made up). */
function errorOrText(output: string | undefined): string {
  try {
    return (JSON.parse(output ?? '') as { error?: { code?: string } }).error?.code ?? String(output);
  } catch {
    return String(output);
  }
}

/* ------------------------------------------------------------ any event order */

const eventArb: fc.Arbitrary<ToolCallEvent> = fc.oneof(
  fc.record({ type: fc.constant('call.arguments.delta' as const), delta: fc.string({ maxLength: 4 }) }),
  fc.record({ type: fc.constant('call.completed' as const), arguments: fc.constantFrom('{}', '{"a":1}') }),
  fc.constant({ type: 'call.incomplete' as const }),
  fc.constant({ type: 'call.bargeIn' as const }),
  fc.constant({ type: 'call.teardown' as const }),
  fc.constant({ type: 'approval.approve' as const }),
  fc.record({ type: fc.constant('approval.deny' as const), reason: fc.option(fc.constant('no'), { nil: undefined }) }).map((e) => (e.reason === undefined ? { type: e.type } : e)),
  fc.constant({ type: 'approval.cancel' as const, reason: 'cancelled' }),
);
type Step = { k: 'send'; event: ToolCallEvent } | { k: 'resolve' } | { k: 'reject' } | { k: 'tick'; ms: number };
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: eventArb.map((event) => ({ k: 'send' as const, event })) },
  { weight: 2, arbitrary: fc.constant({ k: 'resolve' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'reject' as const }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 700 }).map((ms) => ({ k: 'tick' as const, ms })) },
);

const sent = (e: Entry, ...types: ToolCallEvent['type'][]) => e.k === 'send' && types.includes(e.event.type);

describe('toolCallMachine: properties', () => {
  it('settles exactly once and runs only a completed, allowed call, whatever the order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('auto-approve', 'auto-deny', 'ask'),
        fc.constantFrom('cancel', 'finish'),
        fc.array(stepArb, { maxLength: 14 }),
        async (approval, bargeIn, steps) => {
          const timeoutMs = 1_000;
          const h = harness({ approval, bargeIn, approvalTimeoutMs: timeoutMs });
          for (const step of steps) {
            if (step.k === 'send') h.send(step.event);
            else if (step.k === 'tick') h.tick(step.ms);
            else for (const e of h.executions) step.k === 'resolve' ? e.resolve(okResult()) : e.reject(new Error('x'));
            await flush();
          }
          // Drain: an unanswered approval expires and running calls finish; nothing may hang.
          const ended = h.timeline.some((e) => sent(e, 'call.completed', 'call.incomplete', 'call.teardown'));
          h.tick(timeoutMs);
          for (const e of h.executions) e.resolve(okResult());
          await flush();
          expect(h.call.getSnapshot().status === 'done').toBe(ended);
          h.send({ type: 'call.teardown' });
          await flush();

          const { timeline } = h;
          expect(h.settled()).toHaveLength(1);
          const settledAt = timeline.findIndex((e) => e.k === 'report' && e.reported.type === 'toolCall.settled');
          expect(timeline.slice(settledAt + 1).some((e) => e.k === 'report' || e.k === 'execute')).toBe(false);

          const firstEnd = timeline.findIndex((e) => sent(e, 'call.completed', 'call.incomplete', 'call.teardown'));
          const completedFirst = firstEnd >= 0 && sent(timeline[firstEnd]!, 'call.completed');
          expect(h.requested()).toHaveLength(approval === 'ask' && completedFirst ? 1 : 0);
          expect(h.executions.length).toBeLessThanOrEqual(1);

          const executeAt = timeline.findIndex((e) => e.k === 'execute');
          const settled = h.settled()[0]!;
          if (executeAt < 0) {
            expect(settled.code === 'ok' || settled.code === 'cancelled' || settled.code === 'protocol_error').toBe(false);
            return;
          }
          // Ran only after `call.completed`, with its arguments, never for an incomplete item or a denial.
          expect(completedFirst && firstEnd < executeAt).toBe(true);
          expect(h.executions[0]!.input.arguments).toBe((timeline[firstEnd] as { event: { arguments: string } }).event.arguments);
          expect(approval).not.toBe('auto-deny');
          expect(settled.code).not.toBe('denied');
          if (approval === 'ask') {
            // The first answer after the request was a yes, given before the deadline.
            const requestedAt = timeline.findIndex((e) => e.k === 'report' && e.reported.type === 'toolCall.approvalRequested');
            const answers = timeline.slice(requestedAt, executeAt);
            const decisive = answers.findIndex((e) => sent(e, 'approval.approve', 'approval.deny', 'approval.cancel', 'call.bargeIn', 'call.teardown'));
            expect(decisive).toBeGreaterThanOrEqual(0);
            expect(sent(answers[decisive]!, 'approval.approve')).toBe(true);
            const waited = answers.slice(0, decisive).reduce((ms, e) => ms + (e.k === 'tick' ? e.ms : 0), 0);
            expect(waited).toBeLessThan(timeoutMs);
          }
          // The signal is aborted exactly when the call was given up: a cancel barge-in or teardown.
          const signal = h.executions[0]!.signal;
          expect(signal.aborted).toBe(settled.code === 'cancelled' || settled.code === 'skipped');
          if (settled.code === 'cancelled') expect(bargeIn).toBe('cancel');
        },
      ),
      { numRuns: 300 },
    );
  });
});
