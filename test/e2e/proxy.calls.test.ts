/**
 * End to end against real MCP servers from npm: proxy ↔ simulator over a WebSocket on 127.0.0.1,
 * proxy ↔ server-everything over Streamable HTTP, proxy ↔ server-memory over stdio.
 */
import { describe, expect, it } from 'vitest';
import { errorOf, startE2E, toolNames, useE2E, waitFor } from './support.js';

useE2E();

describe('proxy ↔ simulator ↔ server-everything (Streamable HTTP)', () => {
  it('single call: session.update carries the tools, one output, one response.create, the reply quotes the output', async () => {
    const e2e = await startE2E({
      everything: true,
      script: [
        { user: "What's 2 plus 40?" },
        { callTool: { name: 'get-sum', arguments: { a: 2, b: 40 }, say: 'Let me check.', reply: 'The answer is {output}' } },
      ],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 2 });
    await e2e.quiesce();

    const [update, ...moreUpdates] = e2e.sessionUpdates();
    expect(moreUpdates).toEqual([]);
    expect(toolNames(update!)).toEqual(expect.arrayContaining(['echo', 'get-sum', 'trigger-long-running-operation']));
    expect(toolNames(update!)).not.toContain('simulate-research-query'); // task-only, dropped
    const sum = (update!.session.tools as Array<{ name: string; parameters: unknown }>).find((t) => t.name === 'get-sum');
    expect(sum?.parameters).toMatchObject({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] });

    const [call] = e2e.calls();
    expect(call).toMatchObject({ name: 'get-sum', status: 'completed' });
    expect(e2e.outputs()).toEqual([{ call_id: call!.call_id, output: 'The sum of 2 and 40 is 42.' }]);
    expect(e2e.creates()).toBe(1);
    expect(e2e.transcripts()).toContain('The answer is The sum of 2 and 40 is 42.');

    const ready = e2e.eventsOf('session.ready');
    expect(ready).toHaveLength(1);
    expect(ready[0]!.tools).toContain('get-sum');
    expect(e2e.eventsOf('toolCall.started')).toEqual([expect.objectContaining({ callId: call!.call_id, functionName: 'get-sum' })]);
    expect(e2e.results()).toEqual([expect.objectContaining({ callId: call!.call_id, code: 'ok', server: 'everything', mcpName: 'get-sum' })]);
    const [timeline] = e2e.timelines();
    expect(timeline).toMatchObject({ callId: call!.call_id, code: 'ok', arguments: '{"a":2,"b":40}', output: 'The sum of 2 and 40 is 42.' });
    expect(timeline!.startedAt).toBeLessThanOrEqual(timeline!.argumentsCompleteAt!);
    expect(timeline!.argumentsCompleteAt!).toBeLessThanOrEqual(timeline!.mcpRequestAt!);
    expect(timeline!.mcpRequestAt!).toBeLessThanOrEqual(timeline!.outputSentAt!);
    expect(timeline!.outputSentAt!).toBeLessThanOrEqual(timeline!.responseCreateSentAt!);
    expect(e2e.eventsOf('response.requested')).toEqual([{ responseId: expect.any(String), callIds: [call!.call_id] }]);
    expect(e2e.errors).toEqual([]);
    expect(e2e.sim.sessions[0]!.rejectedFrames).toEqual([]);
  });

  it('two calls in one response: two outputs, then exactly one response.create after both', async () => {
    const e2e = await startE2E({
      everything: true,
      script: [
        { user: 'Echo hi, and add 1 and 2.' },
        { callTools: [{ name: 'echo', arguments: { message: 'hi' } }, { name: 'get-sum', arguments: { a: 1, b: 2 } }], reply: 'Done: {outputs}' },
      ],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 2 });
    await e2e.quiesce();

    const calls = e2e.calls();
    expect(calls.map((c) => c.name)).toEqual(['echo', 'get-sum']);
    expect(new Set(calls.map((c) => c.call_id)).size).toBe(2);
    expect(e2e.outputFor(calls[0]!.call_id)).toBe('Echo: hi');
    expect(e2e.outputFor(calls[1]!.call_id)).toBe('The sum of 1 and 2 is 3.');
    expect(e2e.outputs()).toHaveLength(2);
    expect(e2e.creates()).toBe(1);
    // The create comes after both outputs on the wire the simulator saw.
    const types = (e2e.sim.clientEvents as Array<{ type: string; item?: { type: string } }>).map((e) => (e.item?.type === 'function_call_output' ? 'output' : e.type));
    expect(types.lastIndexOf('output')).toBeLessThan(types.indexOf('response.create'));
    expect(e2e.transcripts()).toContain('Done: Echo: hi; The sum of 1 and 2 is 3.');
    expect(e2e.eventsOf('response.requested')).toEqual([{ responseId: expect.any(String), callIds: calls.map((c) => c.call_id) }]);
    expect(e2e.timelines().map((t) => t.code)).toEqual(['ok', 'ok']);
  });

  it('streamed arguments in 10 chunks are joined before the call runs', async () => {
    const message = 'a fairly long message, streamed to the proxy in ten little argument deltas';
    const e2e = await startE2E({
      everything: true,
      script: [{ user: 'Echo something long.' }, { callTool: { name: 'echo', arguments: { message }, chunks: 10, reply: 'It said {output}' } }],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 2 });
    await e2e.quiesce();
    const deltas = e2e.wire.filter((w) => w.dir === 'in' && w.event.type === 'response.function_call_arguments.delta');
    expect(deltas).toHaveLength(10);
    const [call] = e2e.calls();
    expect(e2e.outputs()).toEqual([{ call_id: call!.call_id, output: `Echo: ${message}` }]);
    expect(e2e.creates()).toBe(1);
    expect(e2e.timelines()[0]).toMatchObject({ arguments: JSON.stringify({ message }), code: 'ok' });
  });

  it('slow call: progress is reported while it runs, the output arrives, then one response.create', async () => {
    const e2e = await startE2E({
      everything: true,
      script: [
        { user: 'Run the long operation.' },
        { callTool: { name: 'trigger-long-running-operation', arguments: { duration: 0.6, steps: 3 }, reply: 'Finished: {output}' } },
      ],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 2 });
    await e2e.quiesce();
    const [call] = e2e.calls();
    const outputs = e2e.outputs();
    expect(outputs).toHaveLength(1);
    expect(outputs[0]).toEqual({ call_id: call!.call_id, output: expect.stringContaining('Long running operation completed') });
    expect(e2e.creates()).toBe(1);
    const progress = e2e.eventsOf('toolCall.progress');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0]).toMatchObject({ callId: call!.call_id, server: 'everything', tool: 'trigger-long-running-operation', progress: { progress: 1, total: 3 } });
    const [timeline] = e2e.timelines();
    expect(timeline!.mcpResultAt! - timeline!.mcpRequestAt!).toBeGreaterThanOrEqual(500);
  });

  it('barge-in during a slow read-only call cancels it: one cancelled output, no response.create for it', async () => {
    const e2e = await startE2E({
      everything: true,
      script: [
        { user: 'Run the long operation.' },
        { bargeIn: { during: 'toolCall', user: 'Stop, never mind.' } },
        { callTool: { name: 'trigger-long-running-operation', arguments: { duration: 5, steps: 5 }, reply: false } },
        { say: 'Okay, stopped.' },
      ],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 4 });
    const [call] = e2e.calls();
    await waitFor(() => e2e.outputFor(call!.call_id), 'the cancelled output', 3000);
    await e2e.quiesce();
    expect(e2e.outputs()).toHaveLength(1);
    expect(errorOf(e2e.outputFor(call!.call_id))?.code).toBe('cancelled');
    expect(e2e.creates()).toBe(0);
    const [timeline] = e2e.timelines();
    expect(timeline).toMatchObject({ code: 'cancelled' });
    expect(timeline!.outputSentAt! - timeline!.startedAt).toBeLessThan(3000);
  });
});

describe('proxy ↔ simulator ↔ server-memory (stdio)', () => {
  it('two turns against a spawned stdio server: write, then read back what was written', async () => {
    const e2e = await startE2E({
      memory: true,
      script: [
        { user: 'Remember that Ada likes tea.' },
        { callTool: { name: 'create_entities', arguments: { entities: [{ name: 'Ada', entityType: 'person', observations: ['likes tea'] }] }, reply: 'Saved.' } },
        { user: 'What do you know about Ada?' },
        { callTool: { name: 'search_nodes', arguments: { query: 'Ada' }, chunks: 5, reply: 'I found {output}' } },
      ],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 4 });
    await e2e.quiesce();
    expect(toolNames(e2e.sessionUpdates()[0]!)).toEqual(expect.arrayContaining(['create_entities', 'read_graph', 'search_nodes']));
    const calls = e2e.calls();
    expect(calls.map((c) => c.name)).toEqual(['create_entities', 'search_nodes']);
    expect(e2e.outputs()).toHaveLength(2);
    const found = JSON.parse(e2e.outputFor(calls[1]!.call_id)!) as { entities: unknown[] };
    expect(found.entities).toEqual([expect.objectContaining({ name: 'Ada', observations: ['likes tea'] })]);
    expect(e2e.creates()).toBe(2);
    expect(e2e.timelines().map((t) => t.code)).toEqual(['ok', 'ok']);
    expect(e2e.errors).toEqual([]);
  });
});
