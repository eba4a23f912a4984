import { describe, expect, it } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import { sessionMachine } from '../machines/session.js';
import { toolCallMachine } from '../machines/toolCall.js';
import type { ExecuteToolCallInput } from '../machines/types.js';
import type { ToolCallResult } from '../mcp/types.js';
import type { ServerEvent } from '../protocol/generated/types.js';
import { projectInspectionEvent, type InspectionRecord } from './inspection.js';

describe('projectInspectionEvent', () => {
  it('reports states and event types of the session and its children, never payloads', async () => {
    const records: InspectionRecord[] = [];
    const executeToolCall = fromPromise<ToolCallResult, ExecuteToolCallInput>(async () => ({ code: 'ok', output: 'SECRET-OUTPUT', functionName: 'f', timings: { startedAt: 0, durationMs: 0 } }));
    const actor = createActor(sessionMachine.provide({ actors: { toolCall: toolCallMachine.provide({ actors: { executeToolCall } }) } }), {
      input: { tools: [] },
      inspect: (event) => {
        const record = projectInspectionEvent(event);
        if (record) records.push(record);
      },
    });
    actor.start();
    const send = (event: unknown) => actor.send(event as ServerEvent);
    send({ type: 'session.created', session: { type: 'realtime' } });
    send({ type: 'session.updated', session: { type: 'realtime' } });
    send({ type: 'response.output_item.added', response_id: 'r', output_index: 0, item: { type: 'function_call', call_id: 'call_1', name: 'f', arguments: '' } });
    send({ type: 'response.output_item.done', response_id: 'r', output_index: 0, item: { type: 'function_call', status: 'completed', call_id: 'call_1', name: 'f', arguments: '{"pin":"SECRET-ARGS"}' } });
    await new Promise((done) => setTimeout(done, 0));
    const sessionStates = records.filter((r) => r.kind === 'snapshot' && r.actorId === actor.id).map((r) => r.state);
    expect(sessionStates).toEqual(expect.arrayContaining(['connecting', 'configuring', { ready: 'synced' }]));
    const callStates = records.filter((r) => r.kind === 'snapshot' && r.actorId === 'call-1').map((r) => r.state);
    expect(callStates).toEqual(expect.arrayContaining(['streaming', 'executing', 'executed']));
    expect(records.find((r) => r.actorId === 'call-1')?.parentId).toBe(actor.id);
    // A visualizer draws each actor with its own machine's definition.
    expect(records.find((r) => r.actorId === 'call-1')?.machine).toBe('toolCall');
    expect(records.find((r) => r.actorId === actor.id)?.machine).toBe('session');
    expect(records.find((r) => r.actorId === 'response')?.machine).toBe('response');
    const text = JSON.stringify(records);
    expect(text).not.toContain('SECRET-ARGS');
    expect(text).not.toContain('SECRET-OUTPUT');
    actor.stop();
  });
});
