/**
 * Faults end to end, with the mock MCP server: barge-ins, unknown tools, bad arguments, MCP errors,
 * the active-response race, tool lists that change mid-session and session expiry. Each test checks
 * what the simulator received and what the mock MCP server was asked. The rows of issue 10's fault
 * matrix (MCP deadlines, HTTP errors, killed servers, the session ending mid-call) are in test/faults.
 */
import { describe, expect, it } from 'vitest';
import type { MockTool } from '../../harness/mock-mcp/index.js';
import { add, boom, lookup, mockConfig, oops, slowRead, slowWrite, writeNote } from './mockTools.js';
import { errorOf, startE2E, toolNames, useE2E, waitFor, type E2E } from './support.js';

useE2E();

/** Where the barge-in reached the proxy: the first speech_started after the call's response.done. */
function bargeInIndex(e2e: E2E): number {
  const done = e2e.wire.findIndex((w) => w.dir === 'in' && w.event.type === 'response.done');
  return e2e.wire.findIndex((w, i) => i > done && w.dir === 'in' && w.event.type === 'input_audio_buffer.speech_started');
}

describe('barge-in', () => {
  it('during the arguments: the incomplete call never reaches MCP and gets no output', async () => {
    const e2e = await startE2E({
      mock: mockConfig([lookup]),
      script: [
        { user: 'Look up tea.' },
        { bargeIn: { during: 'arguments', afterDeltas: 2, user: 'No, wait.' } },
        { callTool: { name: 'lookup', arguments: { text: 'tea' }, chunks: 5, reply: false } },
        { say: 'Okay.' },
      ],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 4 });
    await e2e.quiesce();
    const [call] = e2e.calls();
    expect(call).toMatchObject({ name: 'lookup', status: 'incomplete' });
    expect(e2e.mock!.callLog).toEqual([]);
    expect(e2e.outputs()).toEqual([]);
    expect(e2e.creates()).toBe(0);
    expect(e2e.timelines()).toEqual([expect.objectContaining({ callId: call!.call_id, code: 'skipped' })]);
    expect(e2e.timelines()[0]!.mcpRequestAt).toBeUndefined();
    expect(e2e.results()).toEqual([]);
  });

  // The simulator's `bargeIn: { during: 'toolCall' }` speaks right after response.done, before the
  // proxy's tools/call is even on the wire (then the server never sees the call). To make the abort
  // reach a call the server is running, the user speaks a little later: a plain user turn is the
  // same barge-in (input_audio_buffer.speech_started) to the proxy.
  const lateBargeIn = (tool: string) => [
    { user: 'Do it.' },
    { callTool: { name: tool, arguments: { text: 'x' }, reply: false as const } },
    { wait: 400 },
    { user: 'Never mind.' },
    { say: 'Okay, stopped.' },
  ];

  it('during a hanging read-only call: the abort reaches the server (cancelled) and one cancelled output is sent', async () => {
    const e2e = await startE2E({ mock: mockConfig([slowRead]), script: lateBargeIn('slow_read') });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 5 });
    const [call] = e2e.calls();
    await waitFor(() => e2e.outputFor(call!.call_id), 'the cancelled output');
    await waitFor(() => e2e.mock!.callLog[0]?.outcome === 'cancelled', 'notifications/cancelled at the mock');
    await e2e.quiesce();
    expect(e2e.mock!.callLog).toEqual([expect.objectContaining({ tool: 'slow_read', outcome: 'cancelled' })]);
    expect(e2e.outputs()).toHaveLength(1);
    expect(errorOf(e2e.outputFor(call!.call_id))?.code).toBe('cancelled');
    // The output goes out after the barge-in, and no response.create: the user's turn has its own response.
    const bargedAt = bargeInIndex(e2e);
    const outputAt = e2e.wire.findIndex((w) => w.dir === 'out' && w.event.item?.type === 'function_call_output');
    expect(bargedAt).toBeGreaterThan(0);
    expect(outputAt).toBeGreaterThan(bargedAt);
    expect(e2e.creates()).toBe(0);
    expect(e2e.timelines()).toEqual([expect.objectContaining({ code: 'cancelled' })]);
  });

  it('right after the response (the tools/call not yet sent): one cancelled output and the server never runs it', async () => {
    const e2e = await startE2E({
      mock: mockConfig([slowRead]),
      script: [{ user: 'Read it.' }, { bargeIn: { during: 'toolCall' } }, { callTool: { name: 'slow_read', arguments: { text: 'x' }, reply: false } }, { say: 'Okay.' }],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 4 });
    const [call] = e2e.calls();
    await waitFor(() => e2e.outputFor(call!.call_id), 'the cancelled output');
    await e2e.quiesce();
    expect(e2e.outputs()).toHaveLength(1);
    expect(errorOf(e2e.outputFor(call!.call_id))?.code).toBe('cancelled');
    // Either the request never left, or it left and was cancelled: never answered.
    expect(e2e.mock!.callLog.filter((c) => c.outcome !== 'cancelled')).toEqual([]);
    expect(e2e.creates()).toBe(0);
  });

  it("during a slow non-read-only call (default policy 'finish'): it runs to the end and is delivered late, exactly once", async () => {
    const e2e = await startE2E({
      mock: mockConfig([slowWrite]),
      script: [
        { user: 'Write it.' },
        { bargeIn: { during: 'toolCall', user: 'Actually, hold on.' } },
        { callTool: { name: 'slow_write', arguments: { text: 'x' }, reply: false } },
        { say: 'Sure.' },
      ],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 4 });
    const [call] = e2e.calls();
    // The barge-in (speech_started) reached the proxy before the output did.
    const bargedAt = bargeInIndex(e2e);
    await waitFor(() => e2e.outputFor(call!.call_id), 'the late output', 3000);
    await e2e.quiesce();
    const outputAt = e2e.wire.findIndex((w) => w.dir === 'out' && w.event.item?.type === 'function_call_output');
    expect(bargedAt).toBeGreaterThanOrEqual(0);
    expect(outputAt).toBeGreaterThan(bargedAt);
    expect(e2e.outputs()).toEqual([{ call_id: call!.call_id, output: '{"text":"x"}' }]);
    expect(e2e.mock!.callLog).toEqual([expect.objectContaining({ tool: 'slow_write', outcome: 'answered' })]);
    // The interrupted batch does not ask for a response: the user's new turn has its own.
    expect(e2e.creates()).toBe(0);
    expect(e2e.timelines()).toEqual([expect.objectContaining({ code: 'ok' })]);
  });

  it("bargeIn: { 'mock/tool': 'cancel' } overrides the default for a non-read-only tool", async () => {
    const e2e = await startE2E({
      mock: mockConfig([{ ...slowWrite, faults: [{ kind: 'hang' }] }]),
      proxy: { bargeIn: { 'mock/slow_write': 'cancel' } },
      script: lateBargeIn('slow_write'),
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 5 });
    const [call] = e2e.calls();
    await waitFor(() => e2e.mock!.callLog[0]?.outcome === 'cancelled', 'notifications/cancelled at the mock');
    await waitFor(() => e2e.outputFor(call!.call_id), 'the cancelled output');
    await e2e.quiesce();
    expect(e2e.outputs()).toHaveLength(1);
    expect(errorOf(e2e.outputFor(call!.call_id))?.code).toBe('cancelled');
  });
});

describe('calls the proxy refuses or that fail', () => {
  it('unknown tool: an unknown_tool output, and the session goes on', async () => {
    const e2e = await startE2E({
      mock: mockConfig([lookup]),
      script: [
        { user: 'Do the thing.' },
        { callTool: { name: 'no_such_tool', arguments: {}, reply: 'Sorry: {output}' } },
        { user: 'Then look up tea.' },
        { callTool: { name: 'lookup', arguments: { text: 'tea' }, reply: '{output}' } },
      ],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 4 });
    await e2e.quiesce();
    expect(toolNames(e2e.sessionUpdates()[0]!)).toEqual(['lookup']);
    const [unknown, known] = e2e.calls();
    expect(errorOf(e2e.outputFor(unknown!.call_id))?.code).toBe('unknown_tool');
    expect(e2e.outputFor(known!.call_id)).toBe('{"text":"tea"}');
    expect(e2e.outputs()).toHaveLength(2);
    expect(e2e.creates()).toBe(2);
    expect(e2e.mock!.callLog.map((c) => c.tool)).toEqual(['lookup']);
    expect(e2e.proxy.snapshot().state).toBe('ready');
  });

  it('invalid arguments (schema failure, and text that is not JSON): invalid_arguments outputs, MCP never called', async () => {
    const e2e = await startE2E({
      mock: mockConfig([add]),
      script: [
        { user: 'Add two and forty.' },
        { callTools: [{ name: 'add', arguments: { a: 'two', b: 40 } }, { name: 'add', arguments: '{"a": 2, "b": ' }], reply: '{outputs}' },
      ],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 2 });
    await e2e.quiesce();
    const [schemaFail, notJson] = e2e.calls();
    expect(notJson!.arguments).toBe('{"a": 2, "b": ');
    const first = errorOf(e2e.outputFor(schemaFail!.call_id));
    expect(first?.code).toBe('invalid_arguments');
    expect(first?.message).toContain('/a');
    expect(errorOf(e2e.outputFor(notJson!.call_id))?.code).toBe('invalid_arguments');
    expect(e2e.outputs()).toHaveLength(2);
    expect(e2e.mock!.callLog).toEqual([]);
    expect(e2e.creates()).toBe(1);
  });

  it('MCP errors: a thrown JSON-RPC error → protocol_error, isError → tool_error, each with the server’s words', async () => {
    const e2e = await startE2E({
      mock: mockConfig([boom, oops]),
      script: [{ user: 'Try both.' }, { callTools: [{ name: 'boom', arguments: { text: 'x' } }, { name: 'oops', arguments: { text: 'y' } }], reply: '{outputs}' }],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 2 });
    await e2e.quiesce();
    const [thrown, reported] = e2e.calls();
    const protocol = errorOf(e2e.outputFor(thrown!.call_id));
    expect(protocol).toEqual({ code: 'protocol_error', message: expect.stringContaining('database is down') });
    expect(protocol!.message).not.toMatch(/MCP error -32603/);
    expect(errorOf(e2e.outputFor(reported!.call_id))).toEqual({ code: 'tool_error', message: 'quota exceeded for today' });
    expect(e2e.mock!.callLog.map((c) => [c.tool, c.outcome])).toEqual(expect.arrayContaining([['boom', 'fault:throw'], ['oops', 'fault:isError']]));
    expect(e2e.creates()).toBe(1);
    const results = e2e.results();
    expect(results.map((r) => r.code).sort()).toEqual(['protocol_error', 'tool_error']);
    expect(results.find((r) => r.code === 'tool_error')?.mcpResult).toMatchObject({ isError: true });
  });

  // -32000 starts JSON-RPC's "server error" range and is also the SDK's local ConnectionClosed code:
  // a server's own error must reach the model with its message, not as a broken connection.
  it('a server-sent JSON-RPC error with code -32000 is a protocol_error carrying its message, not a broken connection', async () => {
    const e2e = await startE2E({
      mock: mockConfig([{ ...boom, faults: [{ kind: 'throw', code: -32000, message: 'database is down' }] }]),
      script: [{ user: 'Try it.' }, { callTool: { name: 'boom', arguments: { text: 'x' }, reply: '{output}' } }],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 2 });
    await e2e.quiesce();
    expect(e2e.mock!.callLog).toEqual([expect.objectContaining({ tool: 'boom', outcome: 'fault:throw' })]);
    expect(errorOf(e2e.outputs()[0]?.output)).toEqual({ code: 'protocol_error', message: expect.stringContaining('database is down') });
  });

});

describe('Realtime-side faults', () => {
  it('active-response race: no second response.create while a response is in flight, and the session goes on', async () => {
    const e2e = await startE2E({
      mock: mockConfig([lookup]),
      script: [
        { user: 'Look up tea.' },
        { activeResponseRace: true },
        { callTool: { name: 'lookup', arguments: { text: 'tea' }, reply: 'It is {output}' } },
        { user: 'Thanks.' },
        { say: 'You are welcome.' },
      ],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 5 });
    await e2e.quiesce();
    const [call] = e2e.calls();
    expect(e2e.outputs()).toEqual([{ call_id: call!.call_id, output: '{"text":"tea"}' }]);
    // The simulator refused our first create because its own reply was already running.
    const firstCreate = e2e.wire.findIndex((w) => w.dir === 'out' && w.event.type === 'response.create');
    const firstRefusal = e2e.wire.findIndex((w) => w.dir === 'in' && w.event.type === 'error' && w.event.error.code === 'conversation_already_has_active_response');
    expect(firstCreate).toBeGreaterThan(0);
    expect(firstRefusal).toBeGreaterThan(firstCreate);
    expect(e2e.sim.sessions[0]!.rejectedFrames).toEqual([]);
    // Nothing else went wrong: every Realtime error was such a refusal.
    expect(new Set(e2e.eventsOf('realtime.error').map((e) => e.code))).toEqual(new Set(['conversation_already_has_active_response']));
    // After the refusal, the next create waits for the racing response to be done.
    const racingDone = e2e.wire.findIndex((w, i) => i > firstRefusal && w.dir === 'in' && w.event.type === 'response.done');
    const nextCreate = e2e.wire.findIndex((w, i) => i > firstCreate && w.dir === 'out' && w.event.type === 'response.create');
    if (nextCreate >= 0) expect(nextCreate).toBeGreaterThan(racingDone);

    // Walk the proxy's wire: a response.create may only go out when no response is active and
    // none of ours is unanswered.
    let active = false;
    let inFlight = false;
    const violations: string[] = [];
    e2e.wire.forEach((w, i) => {
      if (w.dir === 'out' && w.event.type === 'response.create') {
        if (active || inFlight) violations.push(`#${i} response.create while ${active ? 'a response is active' : 'a create is in flight'}`);
        inFlight = true;
      } else if (w.dir === 'in' && w.event.type === 'response.created') {
        active = true;
        inFlight = false;
      } else if (w.dir === 'in' && w.event.type === 'response.done') {
        active = false;
      } else if (w.dir === 'in' && w.event.type === 'error' && w.event.error.code === 'conversation_already_has_active_response') {
        inFlight = false;
      }
    });
    // The refused create went out right after the output, when the proxy could not yet know of the
    // simulator's response (its response.created was already on the wire): that is the race itself.
    const refusedCreate = e2e.wire.findIndex((w) => w.dir === 'out' && w.event.type === 'response.create');
    expect(violations.filter((v) => !v.startsWith(`#${refusedCreate} `))).toEqual([]);
    expect(e2e.transcripts()).toContain('It is {"text":"tea"}');
    expect(e2e.transcripts()).toContain('You are welcome.');
    expect(e2e.proxy.snapshot().state).toBe('ready');
  });

  // The racing response was created after the output was in the conversation, so it answers it:
  // asking again after it would make the model speak about the same output twice.
  it('active-response race: the racing reply covers the output, so no further response.create is sent for it', async () => {
    const e2e = await startE2E({
      mock: mockConfig([lookup]),
      script: [{ user: 'Look up tea.' }, { activeResponseRace: true }, { callTool: { name: 'lookup', arguments: { text: 'tea' }, reply: 'It is {output}' } }, { wait: 200 }],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 4 });
    await e2e.quiesce();
    expect(e2e.creates()).toBe(1);
  });

  it('session_expired: proxy.ended resolves with the reason, the ended event fires once', async () => {
    const e2e = await startE2E({
      mock: mockConfig([lookup]),
      script: [{ user: 'Hello.' }, { say: 'Hi.' }, { sessionExpired: true }],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 3 });
    const end = await e2e.proxy.ended;
    expect(end).toEqual({ reason: 'session_expired', message: 'Your session hit the maximum duration of 60 minutes.' });
    expect(e2e.eventsOf('session.ended')).toEqual([end]);
    expect(e2e.proxy.snapshot()).toMatchObject({ state: 'closed', end });
  });

});

describe('tool list changes mid-session', () => {
  it('listChangedAfterCalls: the added tool reaches the simulator in a new session.update, is called, and its removal follows', async () => {
    const e2e = await startE2E({
      // Every tools/call toggles `mock_list_changed` (added by the 1st call, removed by the 2nd) before answering.
      mock: mockConfig([lookup], { listChangedAfterCalls: 1 }),
      script: [
        { user: 'Look up tea.' },
        { callTool: { name: 'lookup', arguments: { text: 'tea' }, reply: '{output}' } },
        { note: 'Room for the re-listing and its session.update before the model uses the new tool.', wait: 300 },
        { user: 'Now use the new tool.' },
        { callTool: { name: 'mock_list_changed', arguments: {}, reply: 'New tool said {output}' } },
      ],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 5 });
    await waitFor(() => e2e.sessionUpdates().length === 3, 'a third session.update');
    await e2e.quiesce();
    expect(e2e.sessionUpdates().map((u) => toolNames(u).sort())).toEqual([['lookup'], ['lookup', 'mock_list_changed'], ['lookup']]);
    // The first catalog.changed is the initial listing; then the addition and the removal.
    const diffs = e2e.eventsOf('catalog.changed');
    expect(diffs).toHaveLength(3);
    expect(diffs[1]).toMatchObject({ server: 'mock', added: [expect.objectContaining({ mcpName: 'mock_list_changed' })], removed: [], changed: [] });
    expect(diffs[2]).toMatchObject({ server: 'mock', added: [], removed: [expect.objectContaining({ mcpName: 'mock_list_changed' })], changed: [] });
    const calls = e2e.calls();
    expect(e2e.outputs()).toEqual([
      { call_id: calls[0]!.call_id, output: '{"text":"tea"}' },
      { call_id: calls[1]!.call_id, output: '{}' },
    ]);
    expect(e2e.mock!.callLog.map((c) => [c.tool, c.outcome])).toEqual([['lookup', 'answered'], ['mock_list_changed', 'answered']]);
    expect(e2e.proxy.snapshot().tools).toEqual(['lookup']);
    expect(e2e.creates()).toBe(2);
    expect(e2e.sim.sessions[0]!.rejectedFrames).toEqual([]);
  });

  it('setTools: removed and added tools are reflected in the next session.update, which the simulator accepts', async () => {
    const fresh: MockTool = { name: 'translate', description: 'Translates.', inputSchema: { type: 'object', properties: { text: { type: 'string' } } }, annotations: { readOnlyHint: true } };
    const e2e = await startE2E({
      mock: mockConfig([lookup, writeNote]),
      script: [{ user: 'Hello.' }, { say: 'Hi.' }],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 2 });
    expect(toolNames(e2e.sessionUpdates()[0]!).sort()).toEqual(['lookup', 'write_note']);
    await e2e.mock!.setTools([lookup, fresh]);
    await waitFor(() => e2e.sessionUpdates().length === 2, 'a second session.update');
    await e2e.quiesce();
    expect(toolNames(e2e.sessionUpdates()[1]!).sort()).toEqual(['lookup', 'translate']);
    const diff = e2e.eventsOf('catalog.changed').at(-1);
    expect(diff?.added.map((t) => t.mcpName)).toEqual(['translate']);
    expect(diff?.removed.map((t) => t.mcpName)).toEqual(['write_note']);
    const updated = e2e.wire.filter((w) => w.dir === 'in' && w.event.type === 'session.updated');
    expect(updated).toHaveLength(2);
    expect((updated[1]!.event.session.tools as Array<{ name: string }>).map((t) => t.name).sort()).toEqual(['lookup', 'translate']);
  });
});
