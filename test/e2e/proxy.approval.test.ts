/**
 * Approvals end to end: the proxy asks the host (`approval.requested`), the host answers with
 * `proxy.approve` / `proxy.deny` (or not at all), and the simulator sees exactly one output per
 * call that tells the model what happened. The mock MCP server shows whether the tool ran.
 */
import { describe, expect, it } from 'vitest';
import { lookup, mockConfig, writeNote } from './mockTools.js';
import { errorOf, startE2E, useE2E, waitFor } from './support.js';

useE2E();

const oneCall = (name: string, text = 'buy milk') => [{ user: 'Please do it.' }, { callTool: { name, arguments: { text }, reply: 'Result: {output}' } }];

describe('approval end to end', () => {
  it("mode 'always': approval.requested → proxy.approve → the tool runs and its output reaches the model", async () => {
    let approvedNow: boolean | undefined;
    const e2e = await startE2E({ mock: mockConfig([writeNote]), proxy: { approval: { mode: 'always' } }, script: oneCall('write_note') });
    e2e.proxy.on('approval.requested', (request) => {
      expect(e2e.proxy.snapshot().pendingApprovals).toEqual([request]);
      expect(e2e.mock!.callLog).toEqual([]); // nothing runs before the answer
      approvedNow = e2e.proxy.approve(request.approvalId);
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 2 });
    await e2e.quiesce();

    const [call] = e2e.calls();
    expect(e2e.eventsOf('approval.requested')).toEqual([
      { approvalId: call!.call_id, kind: 'function', callId: call!.call_id, functionName: 'write_note', arguments: '{"text":"buy milk"}', server: 'mock', tool: 'write_note', annotations: { readOnlyHint: false } },
    ]);
    expect(approvedNow).toBe(true);
    expect(e2e.proxy.approve(call!.call_id)).toBe(false); // answered once only
    expect(e2e.mock!.callLog).toEqual([expect.objectContaining({ tool: 'write_note', arguments: { text: 'buy milk' }, outcome: 'answered' })]);
    expect(e2e.outputs()).toEqual([{ call_id: call!.call_id, output: '{"text":"buy milk"}' }]);
    expect(e2e.creates()).toBe(1);
    expect(e2e.proxy.snapshot().pendingApprovals).toEqual([]);
  });

  it("proxy.deny(id, 'no') → the output tells the model it was denied and why; MCP is never called", async () => {
    const e2e = await startE2E({ mock: mockConfig([writeNote]), proxy: { approval: { mode: 'always' } }, script: oneCall('write_note') });
    e2e.proxy.on('approval.requested', (request) => e2e.proxy.deny(request.approvalId, 'no'));
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 2 });
    await e2e.quiesce();

    const [call] = e2e.calls();
    const outputs = e2e.outputs();
    expect(outputs).toHaveLength(1);
    const error = errorOf(e2e.outputFor(call!.call_id));
    expect(error?.code).toBe('denied');
    expect(error?.message).toContain('Reason: no');
    expect(e2e.mock!.callLog).toEqual([]);
    // The model must hear the refusal: the batch still asks for exactly one response.
    expect(e2e.creates()).toBe(1);
    expect(e2e.timelines()).toEqual([expect.objectContaining({ callId: call!.call_id, code: 'denied' })]);
    expect(e2e.timelines()[0]!.mcpRequestAt).toBeUndefined();
  });

  it('an approval nobody answers expires after timeoutMs: an expired output, MCP never called', async () => {
    const e2e = await startE2E({ mock: mockConfig([writeNote]), proxy: { approval: { mode: 'always', timeoutMs: 200 } }, script: oneCall('write_note') });
    const started = Date.now();
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 2 });
    await e2e.quiesce();

    const [call] = e2e.calls();
    expect(e2e.eventsOf('approval.requested')).toHaveLength(1);
    expect(e2e.outputs()).toHaveLength(1);
    expect(errorOf(e2e.outputFor(call!.call_id))?.code).toBe('expired');
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(e2e.mock!.callLog).toEqual([]);
    expect(e2e.creates()).toBe(1);
    // The expired request is gone: a late answer is refused.
    expect(e2e.proxy.snapshot().pendingApprovals).toEqual([]);
    expect(e2e.proxy.approve(call!.call_id)).toBe(false);
  });

  it("mode 'auto': a read-only tool runs unasked, a write asks; onRequest answering true approves", async () => {
    const asked: string[] = [];
    const e2e = await startE2E({
      mock: mockConfig([lookup, writeNote]),
      proxy: {
        approval: {
          mode: 'auto',
          onRequest: (request) => {
            asked.push(request.functionName);
            return true;
          },
        },
      },
      script: [{ user: 'Look up tea and write a note.' }, { callTools: [{ name: 'lookup', arguments: { text: 'tea' } }, { name: 'write_note', arguments: { text: 'tea' } }], reply: '{outputs}' }],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 2 });
    await e2e.quiesce();
    expect(asked).toEqual(['write_note']);
    expect(e2e.outputs()).toHaveLength(2);
    expect(e2e.mock!.callLog.map((c) => [c.tool, c.outcome])).toEqual(expect.arrayContaining([['lookup', 'answered'], ['write_note', 'answered']]));
    expect(e2e.creates()).toBe(1);
  });

  it('a sticky approval covers later calls of the same tool in the session', async () => {
    const e2e = await startE2E({
      mock: mockConfig([writeNote]),
      proxy: { approval: { mode: 'always' } },
      script: [...oneCall('write_note', 'first'), { user: 'Another one.' }, { callTool: { name: 'write_note', arguments: { text: 'second' }, reply: '{output}' } }],
    });
    e2e.proxy.on('approval.requested', (request) => e2e.proxy.approve(request.approvalId, { sticky: true }));
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 4 });
    await e2e.quiesce();
    expect(e2e.eventsOf('approval.requested')).toHaveLength(1);
    expect(e2e.mock!.callLog.map((c) => c.arguments)).toEqual([{ text: 'first' }, { text: 'second' }]);
    expect(e2e.outputs().map((o) => o.output)).toEqual(['{"text":"first"}', '{"text":"second"}']);
    expect(e2e.creates()).toBe(2);
  });

  it('native MCP: an mcp_approval_request the host approves is answered with an mcp_approval_response (no id) and a response.create', async () => {
    const requestId = 'mcpr_native0approval0e2e0001';
    const e2e = await startE2E({
      mock: mockConfig([lookup]),
      proxy: {
        nativeMcp: [{ type: 'mcp', server_label: 'docs', server_url: 'https://mcp.example.com/mcp', require_approval: 'always' }] as never,
        approval: { mode: 'always', onRequest: () => ({ approved: true }) },
      },
      script: [
        { user: 'Search the docs.' },
        {
          unknownEvent: {
            type: 'conversation.item.done',
            previous_item_id: null,
            item: { id: requestId, object: 'realtime.item', type: 'mcp_approval_request', server_label: 'docs', name: 'search', arguments: '{"query":"tea"}' },
          },
        },
      ],
    });
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 2 });
    const answer = await waitFor(
      () => e2e.sim.clientEvents.find((event) => event.type === 'conversation.item.create' && event.item.type === 'mcp_approval_response'),
      'the mcp_approval_response',
    );
    await waitFor(() => e2e.creates() === 1, 'the response.create after the answer');
    await e2e.quiesce();
    expect(answer).toMatchObject({ item: { type: 'mcp_approval_response', approval_request_id: requestId, approve: true } });
    expect(answer.type === 'conversation.item.create' && answer.item.id).toBeUndefined();
    expect(e2e.mock!.callLog).toEqual([]); // OpenAI runs native MCP tools, not the proxy
    expect(e2e.creates()).toBe(1);
  });
});
