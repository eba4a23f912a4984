/**
 * The session's promises under random interleavings of server events, approval answers, barge-ins
 * and MCP answers: fast-check's scheduler decides when each tool call resolves and when the server
 * answers each `response.create`, and a simulated clock lets unanswered approvals really expire.
 *
 * The server is modelled as the Realtime API behaves: one response at a time in the default
 * conversation; a create that arrives while one is active is refused; a create's reply response is
 * created and done some time later. Promises checked: every completed call gets exactly one
 * output; no call runs for an incomplete item or without an approval; a create is never in flight
 * (sent, and its response not yet done or its refusal not yet back) while another is, nor sent
 * over a response the machine knows is active; every approval asked settles exactly once, the
 * unanswered ones as `expired`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedClock, createActor, fromPromise } from 'xstate';
import type { ToolCallResult } from '../mcp/types.js';
import type { ClientEvent, ServerEvent } from '../protocol/generated/types.js';
import { sessionMachine } from './session.js';
import { toolCallMachine } from './toolCall.js';
import type { ExecuteToolCallInput } from './types.js';

interface CallPlan {
  status: 'completed' | 'incomplete';
  answer: 'approve' | 'deny' | 'none';
}

const APPROVAL_TIMEOUT_MS = 1_000;
const callPlan = fc.record({
  status: fc.constantFrom<CallPlan['status']>('completed', 'completed', 'incomplete'),
  answer: fc.constantFrom<CallPlan['answer']>('approve', 'deny', 'none'),
});
const responsePlan = fc.record({
  calls: fc.array(callPlan, { minLength: 1, maxLength: 3 }),
  bargeInAfter: fc.option(fc.nat(6), { nil: undefined }),
  // Let tool calls and earlier replies move on while this response is still active.
  settleMidResponse: fc.boolean(),
});

describe('sessionMachine under random interleavings', () => {
  it('keeps its promises', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(responsePlan, { minLength: 1, maxLength: 4 }), fc.constantFrom('never', 'always', 'auto'), fc.scheduler(), async (responses, mode, s) => {
        const clock = new SimulatedClock();
        const executed: string[] = [];
        const executeToolCall = fromPromise<ToolCallResult, ExecuteToolCallInput>(({ input, signal }) => {
          executed.push(input.callId);
          return s.schedule(Promise.resolve({ code: 'ok' as const, output: `out ${input.callId}`, functionName: input.functionName, timings: { startedAt: 0, durationMs: 0 } })).then((r) => {
            signal.throwIfAborted();
            return r;
          });
        });
        const machine = sessionMachine.provide({ actors: { toolCall: toolCallMachine.provide({ actors: { executeToolCall } }) } });
        const actor = createActor(machine, {
          clock,
          input: {
            tools: [{ type: 'function', name: 'tool', description: '', parameters: { type: 'object' } }],
            approval: { mode: mode as 'never', timeoutMs: APPROVAL_TIMEOUT_MS },
            responseCreate: { backoffMs: 0, maxRetries: 1_000 },
          },
        });
        // What the machine has been told is active (created delivered, done not yet): it must never create over one.
        const knownActive = new Set<string>();
        let createdOverActive = 0;
        const server = (event: unknown) => {
          const e = event as ServerEvent;
          if (e.type === 'response.created') knownActive.add(e.response.id!);
          if (e.type === 'response.done') knownActive.delete(e.response.id!);
          actor.send(e);
        };

        // The server side: one active response at a time; creates answered later, or refused.
        let active: string | null = null;
        let replies = 0;
        let inFlight = 0;
        let maxInFlight = 0;
        const idle: Array<() => void> = [];
        const finishActive = (id: string, status: string) => {
          active = null;
          server({ type: 'response.done', response: { id, status, conversation_id: 'conv', output: [] } });
          idle.splice(0).forEach((wake) => wake());
        };
        const sent: ClientEvent[] = [];
        actor.on('send', ({ event }) => {
          sent.push(event);
          if (event.type !== 'response.create') return;
          if (knownActive.size > 0) createdOverActive++;
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          if (active !== null) {
            void s.schedule(Promise.resolve()).then(() => {
              inFlight--;
              server({ type: 'error', error: { type: 'invalid_request_error', code: 'conversation_already_has_active_response', message: 'busy', event_id: event.event_id } });
            });
            return;
          }
          const id = `resp_reply_${replies++}`;
          active = id;
          void s
            .schedule(Promise.resolve())
            .then(() => server({ type: 'response.created', response: { id, status: 'in_progress', conversation_id: 'conv', output: [] } }))
            .then(() => s.schedule(Promise.resolve()))
            .then(() => {
              inFlight--;
              finishActive(id, 'completed');
            });
        });
        const asked: string[] = [];
        const settled: Array<{ approvalId: string; decision: string; reason?: string }> = [];
        actor.on('approval.requested', ({ request }) => asked.push(request.approvalId));
        actor.on('approval.settled', ({ approvalId, decision, reason }) => settled.push({ approvalId, decision, ...(reason ? { reason } : {}) }));
        actor.start();
        server({ type: 'session.created', session: { type: 'realtime' } });
        server({ type: 'session.updated', session: { type: 'realtime' } });

        const plans = new Map<string, CallPlan>();
        for (const [r, response] of responses.entries()) {
          // The user's turn starts a response only when none is active (as VAD would after the reply).
          while (active !== null) await s.waitFor(new Promise<void>((wake) => idle.push(wake)));
          const responseId = `resp_${r}`;
          active = responseId;
          let step = 0;
          let interrupted = false;
          const tick = () => {
            if (response.bargeInAfter === step++ && !interrupted) {
              interrupted = true;
              server({ type: 'input_audio_buffer.speech_started', audio_start_ms: 0, item_id: 'u' });
            }
          };
          server({ type: 'response.created', response: { id: responseId, status: 'in_progress', conversation_id: 'conv', output: [] } });
          response.calls.forEach((plan, i) => {
            const callId = `call_${r}_${i}`;
            plans.set(callId, plan);
            server({ type: 'response.output_item.added', response_id: responseId, output_index: i, item: { id: `item_${callId}`, type: 'function_call', status: 'in_progress', call_id: callId, name: 'tool', arguments: '' } });
            tick();
          });
          response.calls.forEach((plan, i) => {
            const callId = `call_${r}_${i}`;
            // A barge-in cuts the calls not finished yet.
            const status = interrupted ? 'incomplete' : plan.status;
            plans.set(callId, { ...plan, status });
            server({ type: 'response.output_item.done', response_id: responseId, output_index: i, item: { id: `item_${callId}`, type: 'function_call', status, call_id: callId, name: 'tool', arguments: '{}' } });
            tick();
          });
          if (response.settleMidResponse) await s.waitAll();
          finishActive(responseId, interrupted ? 'cancelled' : 'completed');
          for (const approvalId of asked.filter((id) => !settled.some((e) => e.approvalId === id))) {
            const plan = plans.get(approvalId)!;
            // 'none': nobody answers; the approval must expire on its own.
            if (plan.answer !== 'none') actor.send({ type: 'approval.answer', approvalId, approved: plan.answer === 'approve' });
            tick();
          }
          await s.waitFor(Promise.resolve());
        }
        clock.increment(APPROVAL_TIMEOUT_MS);
        await s.waitAll();
        clock.increment(APPROVAL_TIMEOUT_MS);
        await s.waitAll();

        const outputs = sent.filter((e) => e.type === 'conversation.item.create').map((e) => (e as { item: { call_id: string } }).item.call_id);
        for (const [callId, plan] of plans) {
          const count = outputs.filter((id) => id === callId).length;
          if (plan.status === 'incomplete') {
            expect(count, `${callId} incomplete`).toBe(0);
            expect(executed).not.toContain(callId);
          } else {
            expect(count, `${callId} outputs`).toBe(1);
          }
          if (mode === 'always' && plan.answer !== 'approve') expect(executed, `${callId} not approved`).not.toContain(callId);
        }
        expect(new Set(executed).size).toBe(executed.length);
        expect(maxInFlight).toBeLessThanOrEqual(1);
        expect(createdOverActive).toBe(0);
        // Every approval asked settles exactly once; an unanswered one (not cut short by a barge-in) expires.
        expect(settled.map((e) => e.approvalId).sort()).toEqual([...asked].sort());
        for (const { approvalId, decision, reason } of settled) {
          const { answer } = plans.get(approvalId)!;
          // A barge-in denies whatever was still open; otherwise the decision is the host's, or the clock's.
          if (reason === 'The user interrupted before answering.') expect(decision).toBe('denied');
          else expect(decision, approvalId).toBe(answer === 'approve' ? 'approved' : answer === 'deny' ? 'denied' : 'expired');
        }
        expect(actor.getSnapshot().context.calls.size).toBe(0);
        expect(Object.keys(actor.getSnapshot().children)).toEqual(['response']);
        actor.stop();
      }),
      { numRuns: 150 },
    );
  });
});
