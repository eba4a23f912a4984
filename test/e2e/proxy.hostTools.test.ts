/**
 * The host's own function tools end to end: proxy ↔ simulator over a WebSocket on 127.0.0.1, with
 * a real MCP server beside them (server-everything over Streamable HTTP, or the mock). Host tools
 * are offered in the same session.update as the MCP tools and follow the same rules: one output
 * per call, one response.create per batch, approval, barge-in, the toolCall.ended report.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { hostTool } from '../../src/proxy/hostTools.js';
import { lookup, mockConfig } from './mockTools.js';
import { errorOf, startE2E, toolNames, useE2E, waitFor, type Loose } from './support.js';

useE2E();

describe('host tools beside MCP tools', () => {
  it('one response with a host call and an MCP call: one output each, one response.create, both reported', async () => {
    const calls: Array<{ args: unknown; callId: string }> = [];
    const clock = hostTool({
      name: 'get_local_time',
      description: 'The time in a city.',
      parameters: z.object({ city: z.string().min(1) }),
      execute: ({ city }, { callId }) => {
        calls.push({ args: { city }, callId });
        return { city, time: '09:30' };
      },
    });
    const e2e = await startE2E({
      everything: true,
      proxy: { hostTools: [clock] },
      script: [
        { user: 'What time is it in Oslo, and what is 1 plus 2?' },
        { callTools: [{ name: 'get_local_time', arguments: { city: 'Oslo' } }, { name: 'get-sum', arguments: { a: 1, b: 2 } }], reply: 'Done: {outputs}' },
      ],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 2 });
    await e2e.quiesce();

    const [update, ...more] = e2e.sessionUpdates();
    expect(more).toEqual([]);
    // Host tools come first, in the same session.update as the MCP tools.
    expect(toolNames(update!)[0]).toBe('get_local_time');
    expect(toolNames(update!)).toEqual(expect.arrayContaining(['get-sum', 'echo']));
    const offered = (update!.session.tools as Loose[]).find((t) => t.name === 'get_local_time');
    expect(offered).toEqual({ type: 'function', name: 'get_local_time', description: 'The time in a city.', parameters: { type: 'object', properties: { city: { type: 'string', minLength: 1 } }, required: ['city'] } });

    const [hostCall, mcpCall] = e2e.calls();
    expect(e2e.outputs()).toHaveLength(2);
    expect(e2e.outputFor(hostCall!.call_id)).toBe('{"city":"Oslo","time":"09:30"}');
    expect(e2e.outputFor(mcpCall!.call_id)).toBe('The sum of 1 and 2 is 3.');
    expect(e2e.creates()).toBe(1);
    expect(calls).toEqual([{ args: { city: 'Oslo' }, callId: hostCall!.call_id }]);

    const host = e2e.timelines().find((t) => t.callId === hostCall!.call_id)!;
    expect(host).toMatchObject({ functionName: 'get_local_time', code: 'ok', arguments: '{"city":"Oslo"}', result: { source: 'host', code: 'ok' } });
    expect(host.result).not.toHaveProperty('server');
    expect(host.mcpRequestAt).toBeGreaterThanOrEqual(host.argumentsCompleteAt!);
    expect(host.mcpResultAt).toBeGreaterThanOrEqual(host.mcpRequestAt!);
    expect(host.outputSentAt).toBeGreaterThanOrEqual(host.mcpResultAt!);
    expect(host.responseCreateSentAt).toBeGreaterThanOrEqual(host.outputSentAt!);
    expect(e2e.timelines().find((t) => t.callId === mcpCall!.call_id)!.result).toMatchObject({ source: 'mcp', server: 'everything', mcpName: 'get-sum' });
    expect(e2e.eventsOf('response.requested')).toEqual([{ responseId: expect.any(String), callIds: [hostCall!.call_id, mcpCall!.call_id] }]);
    expect(e2e.errors).toEqual([]);
  });

  it('keeps its name: an MCP tool named alike is renamed, and a call by the name runs the host tool', async () => {
    const ran: string[] = [];
    const e2e = await startE2E({
      mock: mockConfig([lookup]),
      proxy: { hostTools: [hostTool({ name: 'lookup', parameters: { type: 'object', properties: { text: { type: 'string' } } }, execute: ({ text }) => void ran.push(String(text)) })] },
      script: [{ user: 'Look up cat.' }, { callTool: { name: 'lookup', arguments: { text: 'cat' }, reply: 'Said {output}' } }],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 2 });
    await e2e.quiesce();
    const names = toolNames(e2e.sessionUpdates()[0]!);
    expect(names[0]).toBe('lookup');
    expect(names[1]).toMatch(/^lookup_[0-9a-z]{6}$/);
    expect(ran).toEqual(['cat']);
    expect(e2e.mock!.callLog).toEqual([]);
    expect(e2e.outputs().map((o) => o.output)).toEqual(['{"ok":true}']);
  });

  it('asks for approval when the host tool says always; a denial tells the model and execute never runs', async () => {
    let executed = false;
    const e2e = await startE2E({
      mock: mockConfig([lookup]),
      proxy: { hostTools: [hostTool({ name: 'unlock_door', parameters: { type: 'object', properties: {} }, approval: 'always', execute: () => void (executed = true) })] },
      script: [{ user: 'Unlock the door.' }, { callTool: { name: 'unlock_door', arguments: {}, reply: 'Result: {output}' } }],
    });
    e2e.proxy.on('approval.requested', (request) => e2e.proxy.deny(request.approvalId, 'not now'));
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 2 });
    await e2e.quiesce();

    const [call] = e2e.calls();
    expect(e2e.eventsOf('approval.requested')).toEqual([{ approvalId: call!.call_id, kind: 'function', callId: call!.call_id, functionName: 'unlock_door', arguments: '{}' }]);
    expect(e2e.eventsOf('approval.settled')).toEqual([{ approvalId: call!.call_id, kind: 'function', decision: 'denied', reason: 'not now' }]);
    expect(e2e.outputs()).toHaveLength(1);
    const error = errorOf(e2e.outputFor(call!.call_id));
    expect(error?.code).toBe('denied');
    expect(error?.message).toContain('Reason: not now');
    expect(executed).toBe(false);
    expect(e2e.creates()).toBe(1);
    expect(e2e.timelines()).toEqual([expect.objectContaining({ callId: call!.call_id, code: 'denied' })]);
    expect(e2e.timelines()[0]!.mcpRequestAt).toBeUndefined();
  });

  it("barge-in cancels a running host tool marked 'cancel': its signal aborts, one cancelled output, no response.create", async () => {
    let started = false;
    let abortedWith: unknown;
    const e2e = await startE2E({
      mock: mockConfig([lookup]),
      proxy: {
        hostTools: [
          hostTool({
            name: 'search_flights',
            parameters: { type: 'object', properties: {} },
            bargeIn: 'cancel',
            execute: (_args, { signal }) =>
              new Promise((resolve) => {
                started = true;
                signal.addEventListener('abort', () => resolve((abortedWith = signal.reason, 'aborted')), { once: true });
              }),
          }),
        ],
      },
      script: [
        { user: 'Find me a flight.' },
        { bargeIn: { during: 'toolCall', user: 'Stop, never mind.' } },
        { callTool: { name: 'search_flights', arguments: {}, reply: false } },
        { say: 'Okay, stopped.' },
      ],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 4 });
    const [call] = e2e.calls();
    await waitFor(() => e2e.outputFor(call!.call_id), 'the cancelled output', 3000);
    await e2e.quiesce();
    expect(started).toBe(true);
    expect(abortedWith).toBeDefined();
    expect(e2e.outputs()).toHaveLength(1);
    expect(errorOf(e2e.outputFor(call!.call_id))?.code).toBe('cancelled');
    expect(e2e.creates()).toBe(0);
    expect(e2e.timelines()).toEqual([expect.objectContaining({ callId: call!.call_id, code: 'cancelled' })]);
  });

  it('a catalog change keeps the host tools in the next session.update, first', async () => {
    const fresh = { name: 'translate', description: 'Translates.', inputSchema: { type: 'object', properties: { text: { type: 'string' } } }, annotations: { readOnlyHint: true } };
    const e2e = await startE2E({
      mock: mockConfig([lookup]),
      proxy: { hostTools: [hostTool({ name: 'set_lights', parameters: { type: 'object', properties: { on: { type: 'boolean' } } }, execute: () => 'ok' })] },
      script: [{ user: 'Hello.' }, { say: 'Hi.' }],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 2 });
    expect(toolNames(e2e.sessionUpdates()[0]!)).toEqual(['set_lights', 'lookup']);
    await e2e.mock!.setTools([lookup, fresh]);
    await waitFor(() => e2e.sessionUpdates().length === 2, 'a second session.update');
    await e2e.quiesce();
    expect(toolNames(e2e.sessionUpdates()[1]!)).toEqual(['set_lights', 'lookup', 'translate']);
    expect(e2e.proxy.snapshot().tools).toEqual(['set_lights', 'lookup', 'translate']);
    expect(e2e.sim.sessions[0]!.rejectedFrames).toEqual([]);
  });
});
