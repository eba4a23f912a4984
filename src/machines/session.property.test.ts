/**
 * The session's promises under random interleavings of server events, approval answers, barge-ins
 * and MCP answers (fast-check's scheduler decides when each tool call resolves):
 * every completed call gets exactly one output; no call runs for an incomplete item or after a
 * denial; never two response.create in flight; every approval ends.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import type { ToolCallResult } from '../mcp/types.js';
import type { ClientEvent, ServerEvent } from '../protocol/generated/types.js';
import { sessionMachine } from './session.js';
import { toolCallMachine } from './toolCall.js';
import type { ExecuteToolCallInput } from './types.js';

interface CallPlan {
  status: 'completed' | 'incomplete';
  answer: 'approve' | 'deny' | 'none';
}

const callPlan = fc.record({ status: fc.constantFrom<'completed' | 'incomplete'>('completed', 'completed', 'incomplete'), answer: fc.constantFrom<'approve' | 'deny' | 'none'>('approve', 'deny', 'none') });
const responsePlan = fc.record({ calls: fc.array(callPlan, { minLength: 1, maxLength: 3 }), bargeInAfter: fc.option(fc.nat(6), { nil: undefined }) });

describe('sessionMachine under random interleavings', () => {
  it('keeps its promises', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(responsePlan, { minLength: 1, maxLength: 4 }), fc.constantFrom('never', 'always', 'auto'), fc.scheduler(), async (responses, mode, s) => {
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
          input: { tools: [{ type: 'function', name: 'tool', description: '', parameters: { type: 'object' } }], approval: { mode: mode as 'never', timeoutMs: 10 ** 9 } },
        });
        const sent: ClientEvent[] = [];
        const approvals: string[] = [];
        actor.on('send', ({ event }) => sent.push(event));
        actor.on('approval.requested', ({ request }) => approvals.push(request.approvalId));
        actor.start();
        const server = (event: unknown) => actor.send(event as ServerEvent);
        server({ type: 'session.created', session: { type: 'realtime' } });
        server({ type: 'session.updated', session: { type: 'realtime' } });

        // The server side of response.create: it answers each create with created + done.
        let serverResponses = 0;
        let createsInFlight = 0;
        let maxInFlight = 0;
        let handled = 0;
        const serveCreates = () => {
          while (handled < sent.length) {
            const event = sent[handled++]!;
            if (event.type !== 'response.create') continue;
            createsInFlight++;
            maxInFlight = Math.max(maxInFlight, createsInFlight);
            const id = `resp_reply_${serverResponses++}`;
            server({ type: 'response.created', response: { id, status: 'in_progress', output: [] } });
            createsInFlight--;
            server({ type: 'response.done', response: { id, status: 'completed', output: [] } });
          }
        };

        const plans = new Map<string, CallPlan>();
        for (const [r, response] of responses.entries()) {
          const responseId = `resp_${r}`;
          let step = 0;
          let interrupted = false;
          const tick = () => {
            if (response.bargeInAfter === step++ && !interrupted) {
              interrupted = true;
              server({ type: 'input_audio_buffer.speech_started', audio_start_ms: 0, item_id: 'u' });
            }
          };
          server({ type: 'response.created', response: { id: responseId, status: 'in_progress', output: [] } });
          response.calls.forEach((plan, i) => {
            const callId = `call_${r}_${i}`;
            plans.set(callId, plan);
            server({ type: 'response.output_item.added', response_id: responseId, output_index: i, item: { id: `item_${callId}`, type: 'function_call', status: 'in_progress', call_id: callId, name: 'tool', arguments: '' } });
            tick();
          });
          response.calls.forEach((plan, i) => {
            const callId = `call_${r}_${i}`;
            server({ type: 'response.output_item.done', response_id: responseId, output_index: i, item: { id: `item_${callId}`, type: 'function_call', status: plan.status, call_id: callId, name: 'tool', arguments: '{}' } });
            tick();
          });
          server({ type: 'response.done', response: { id: responseId, status: interrupted ? 'cancelled' : 'completed', output: [] } });
          for (const approvalId of approvals.splice(0)) {
            const plan = plans.get(approvalId)!;
            if (plan.answer !== 'none') actor.send({ type: 'approval.answer', approvalId, approved: plan.answer === 'approve' });
            else actor.send({ type: 'approval.answer', approvalId, approved: false, reason: 'late' });
            tick();
          }
          serveCreates();
          await s.waitFor(Promise.resolve());
          serveCreates();
        }
        await s.waitAll();
        serveCreates();

        const outputs = sent.filter((e) => e.type === 'conversation.item.create').map((e) => (e as { item: { call_id: string } }).item.call_id);
        for (const [callId, plan] of plans) {
          const count = outputs.filter((id) => id === callId).length;
          if (plan.status === 'incomplete') {
            expect(count, `${callId} incomplete`).toBe(0);
            expect(executed).not.toContain(callId);
          } else {
            expect(count, `${callId} outputs`).toBe(1);
          }
          if (mode === 'always' && plan.answer !== 'approve') expect(executed, `${callId} denied`).not.toContain(callId);
        }
        expect(new Set(executed).size).toBe(executed.length);
        expect(maxInFlight).toBeLessThanOrEqual(1);
        expect(approvals).toEqual([]);
        expect(Object.keys(actor.getSnapshot().context.calls)).toEqual([]);
        expect(Object.keys(actor.getSnapshot().children)).toEqual(['response']);
        actor.stop();
      }),
      { numRuns: 150 },
    );
  });
});
