/**
 * Faults from the Realtime side and from host code, through the public proxy API: the Realtime
 * server is scripted frame by frame (memory transport), the MCP server is real (mock MCP over HTTP).
 * Each test is one row of RELIABILITY.md and asserts the promise that row is about: exactly one
 * output per completed call, the session alive (or ended with its typed reason), resources
 * released, no uncaught exception.
 */
import { describe, expect, it } from 'vitest';
import {
  HOSTILE_IDS,
  functionCall,
  itemAdded,
  itemDone,
  lookupTool,
  oneCall,
  refusal,
  responseCreated,
  responseDone,
  speechStarted,
  startMemorySession,
  useMemorySessions,
  waitFor,
} from './memorySession.js';

useMemorySessions();

describe('one hostile frame', () => {
  it.each(HOSTILE_IDS)('a call_id, item_id or response_id %j in any event crashes nothing; the session still serves calls', async (id) => {
    const s = await startMemorySession();
    // A whole call whose every id is the hostile one: exactly one output, one response.create.
    s.deliver(responseCreated(id), itemAdded(id, id, 'lookup', id), itemDone(id, id, 'completed', 'lookup', id), responseDone(id, 'completed', [functionCall(id, 'completed', undefined, 'lookup', id)]));
    await waitFor(() => s.creates().length === 1, 'the response.create');
    expect(s.outputs().map((o) => o.call_id)).toEqual([id]);
    // Stray frames naming it again, or naming nothing the session knows.
    s.deliver(
      { type: 'response.function_call_arguments.delta', response_id: id, item_id: id, output_index: 0, call_id: id, delta: '{' },
      { type: 'response.function_call_arguments.delta', response_id: 'resp_x', item_id: 'item_x', output_index: 0, call_id: `${id}_unknown`, delta: '{' },
      responseDone(id),
      itemDone(id, `${id}_unknown`, 'incomplete', 'lookup', id),
      { type: 'conversation.item.added', item: { type: 'function_call_output', call_id: id, output: '' } },
      { type: 'response.function_call_arguments.done', response_id: id, item_id: id, output_index: 0, call_id: id, name: 'lookup', arguments: '{}' },
    );
    // The session still serves the next call.
    s.deliver(...oneCall('resp_next', 'call_next'));
    await waitFor(() => s.creates().length === 2, 'the next response.create');
    expect(s.outputs().map((o) => o.call_id)).toEqual([id, 'call_next']);
    expect(s.mock.callLog).toHaveLength(2);
    expect(s.proxy.snapshot()).toMatchObject({ state: 'ready', runningCalls: [] });
    expect(s.uncaught).toEqual([]);
  });
});

describe('host code that throws', () => {
  it('a throwing hooks.onEvent, error listener and logger are contained; the call completes', async () => {
    const logged: string[] = [];
    const s = await startMemorySession({
      proxy: {
        hooks: {
          onEvent: () => {
            throw new Error('onEvent broke');
          },
          logger: {
            debug: () => undefined,
            info: () => undefined,
            warn: (_fields, message) => {
              logged.push(message);
              throw new Error('logger broke');
            },
            error: (_fields, message) => void logged.push(message),
          },
        },
      },
    });
    s.proxy.on('error', () => {
      throw new Error('error listener broke');
    });
    s.proxy.on('toolCall.started', () => {
      throw new Error('listener broke');
    });
    s.deliver(...oneCall('resp_1', 'call_1'));
    await waitFor(() => s.creates().length === 1, 'the response.create');
    expect(s.outputs()).toHaveLength(1);
    expect(s.errors.some((e) => e.code === 'listener_error' && e.message.startsWith('Failed to run hooks.onEvent'))).toBe(true);
    expect(logged.some((m) => m.startsWith('Failed to run an "error" listener: it threw error listener broke'))).toBe(true);
    expect(s.proxy.snapshot().state).toBe('ready');
    expect(s.uncaught).toEqual([]);
  });

  it('a transport whose send throws is a failed send, not a dead process', async () => {
    const s = await startMemorySession({ stopAtCreated: true, silentServer: true });
    // Replace send on the live transport: from now on every send throws.
    (s.transport as { send: unknown }).send = () => {
      throw new Error('socket gone');
    };
    s.proxy.catalog.emit('changed', { server: 'mock', added: [], removed: [], changed: [] });
    const end = await s.proxy.ended;
    expect(end).toEqual({ reason: 'session_update_failed', message: expect.stringContaining('the transport threw socket gone') });
    expect(s.uncaught).toEqual([]);
  });

  it('a transport whose close throws does not stop the teardown: MCP sessions are still released', async () => {
    const s = await startMemorySession();
    (s.transport as { close: unknown }).close = () => {
      throw new Error('close broke');
    };
    await s.proxy.close();
    expect(s.mock.deletesReceived).toBe(1);
    expect(s.uncaught).toEqual([]);
  });

  it('a failure inside the session ends it as internal_error and releases everything', async () => {
    // A host object whose getter throws, read while the session.update is built (inside the machine).
    const session = Object.defineProperty({}, 'voice', {
      enumerable: true,
      get() {
        throw new Error('getter broke');
      },
    });
    const s = await startMemorySession({ stopAtCreated: true, proxy: { session } });
    const end = await s.proxy.ended;
    expect(end).toEqual({ reason: 'internal_error', message: 'getter broke' });
    expect(s.errors.map((e) => e.code)).toContain('internal_error');
    expect(s.eventsOf('session.ended')).toEqual([end]);
    await waitFor(() => s.transport.state === 'closed', 'the socket to close');
    await waitFor(() => s.mock.deletesReceived === 1, 'the MCP session to be released');
    expect(s.proxy.snapshot().state).toBe('closed');
    expect(s.uncaught).toEqual([]);
  });
});

describe('exactly one output per call_id', () => {
  it('a call whose added and done come again after its output runs once', async () => {
    const s = await startMemorySession();
    s.deliver(...oneCall('resp_1', 'call_1'));
    await waitFor(() => s.creates().length === 1, 'the response.create');
    s.deliver(itemAdded('resp_1', 'call_1'), itemDone('resp_1', 'call_1'), responseDone('resp_1', 'completed', [functionCall('call_1', 'completed')]));
    await waitFor(() => s.errors.some((e) => e.code === 'unexpected_event'), 'the repeat to be reported');
    expect(s.mock.callLog).toHaveLength(1);
    expect(s.outputs()).toHaveLength(1);
    expect(s.creates()).toHaveLength(1);
  });

  it('a completed call without output_item.added still runs and is answered', async () => {
    const s = await startMemorySession();
    s.deliver(responseCreated('resp_1'), itemDone('resp_1', 'call_1'), responseDone('resp_1', 'completed', [functionCall('call_1', 'completed')]));
    await waitFor(() => s.creates().length === 1, 'the response.create');
    expect(s.outputs().map((o) => o.call_id)).toEqual(['call_1']);
    expect(s.proxy.snapshot().runningCalls).toEqual([]);
  });

  it('a call the response never finished is closed at response.done, not run and reported', async () => {
    const s = await startMemorySession();
    s.deliver(responseCreated('resp_1'), itemAdded('resp_1', 'call_1'), responseDone('resp_1', 'completed', []));
    await waitFor(() => s.eventsOf('toolCall.ended').length === 1, 'the call to end');
    expect(s.eventsOf('toolCall.ended')[0]).toMatchObject({ callId: 'call_1', code: 'skipped' });
    expect(s.mock.callLog).toEqual([]);
    expect(s.proxy.snapshot().runningCalls).toEqual([]);
    expect(s.errors.map((e) => e.code)).toEqual(['unexpected_event']);
  });

  it('the calls of an out-of-band response are the host’s: not run, no response.create', async () => {
    const s = await startMemorySession();
    s.deliver(responseCreated('resp_oob', null), itemAdded('resp_oob', 'call_oob'), itemDone('resp_oob', 'call_oob'), responseDone('resp_oob', 'completed', [functionCall('call_oob', 'completed')], null));
    // A default-conversation call after it is served as usual (and proves the events above were processed).
    s.deliver(...oneCall('resp_1', 'call_1'));
    await waitFor(() => s.creates().length === 1, 'the response.create');
    expect(s.outputs().map((o) => o.call_id)).toEqual(['call_1']);
    expect(s.mock.callLog).toHaveLength(1);
  });
});

describe('no amplification', () => {
  it('response.create refusals are retried with a cap, then reported', async () => {
    const s = await startMemorySession({ proxy: { responseCreate: { maxRetries: 3, backoffMs: 5 } } });
    s.deliver(...oneCall('resp_1', 'call_1'));
    await waitFor(() => s.creates().length === 1, 'the response.create');
    // The server refuses every create and ends some other response each time, as fast as it can.
    for (let round = 0; round < 200 && !s.errors.some((e) => e.code === 'response_create_failed'); round++) {
      const last = s.creates().at(-1)!;
      s.deliver(refusal(last.event_id), responseDone(`resp_other_${round}`));
      await new Promise((done) => setTimeout(done, 2));
    }
    expect(s.errors.filter((e) => e.code === 'response_create_failed')).toHaveLength(1);
    expect(s.creates()).toHaveLength(4);
    // The session goes on: the next call is served normally.
    s.deliver(...oneCall('resp_2', 'call_2'));
    await waitFor(() => s.creates().length === 5, 'the next response.create');
  });

  it('a burst of list_changed is one session.update in flight and one queued', async () => {
    const s = await startMemorySession();
    const updates = () => s.sent().filter((e) => e.type === 'session.update');
    const before = updates().length;
    // 50 changes at once, each announced with notifications/tools/list_changed.
    await Promise.all(Array.from({ length: 50 }, (_, i) => s.mock.setTools([lookupTool, { name: `extra_${i}`, inputSchema: { type: 'object' } }])));
    await waitFor(() => updates().at(-1)?.session.tools.some((t: { name: string }) => t.name === 'extra_49'), 'the last change to reach the session');
    expect(updates().length - before).toBeLessThanOrEqual(2);
    // tools/list: one running and one queued behind it, shared by every notice meanwhile.
    expect(s.mock.requests.filter((r) => r.rpcMethods.includes('tools/list')).length).toBeLessThanOrEqual(3);
  });
});

describe('approvals fail closed, and settle once', () => {
  it('a call to a function the session does not offer is refused unasked, with no MCP request', async () => {
    const s = await startMemorySession({ proxy: { approval: { mode: 'always' } } });
    s.deliver(...oneCall('resp_1', 'call_1', 'not_offered'));
    await waitFor(() => s.outputs().length === 1, 'the output');
    expect(JSON.parse(s.outputs()[0]!.output).error.code).toBe('unknown_tool');
    expect(s.eventsOf('approval.requested')).toEqual([]);
    expect(s.mock.callLog).toEqual([]);
  });

  it.each([[{ approved: 'false' }], [{ approved: 1 }], ['yes'], [null], [{ approved: true, sticky: 'always' }]])('an approval answer %j is a denial and an error', async (answer) => {
    const s = await startMemorySession({ proxy: { approval: { mode: 'always', onRequest: () => answer as never } } });
    s.deliver(...oneCall('resp_1', 'call_1'));
    await waitFor(() => s.outputs().length === 1, 'the output');
    expect(JSON.parse(s.outputs()[0]!.output).error.code).toBe('denied');
    expect(s.mock.callLog).toEqual([]);
    expect(s.errors.map((e) => e.code)).toContain('invalid_approval_answer');
    expect(s.eventsOf('approval.settled')).toEqual([{ approvalId: 'call_1', kind: 'function', decision: 'denied', reason: 'The approval answer could not be understood.' }]);
  });

  it('an expired approval is settled, leaves the snapshot, and a late approve() does nothing', async () => {
    const s = await startMemorySession({ proxy: { approval: { mode: 'always', timeoutMs: 30 } } });
    s.deliver(...oneCall('resp_1', 'call_1'));
    await waitFor(() => s.eventsOf('approval.settled').length === 1, 'the approval to expire');
    expect(s.eventsOf('approval.settled')[0]).toMatchObject({ approvalId: 'call_1', decision: 'expired' });
    expect(s.proxy.snapshot().pendingApprovals).toEqual([]);
    expect(s.proxy.approve('call_1')).toBe(false);
    await waitFor(() => s.outputs().length === 1, 'the output');
    expect(s.mock.callLog).toEqual([]);
  });

  it('a barge-in and the session end settle open approvals as denied', async () => {
    const s = await startMemorySession({ proxy: { approval: { mode: 'always' } } });
    s.deliver(...oneCall('resp_1', 'call_1'));
    await waitFor(() => s.proxy.snapshot().pendingApprovals.length === 1, 'the approval request');
    s.deliver(speechStarted());
    s.deliver(...oneCall('resp_2', 'call_2'));
    await waitFor(() => s.proxy.snapshot().pendingApprovals.length === 1, 'the second approval request');
    await s.proxy.close();
    expect(s.eventsOf('approval.settled').map((e) => [e.approvalId, e.decision, e.reason])).toEqual([
      ['call_1', 'denied', 'The user interrupted before answering.'],
      ['call_2', 'denied', 'The session ended before an answer.'],
    ]);
    expect(s.proxy.deny('call_2')).toBe(false);
  });
});

describe('native MCP approvals', () => {
  const request = (id: string) => ({ type: 'conversation.item.done', item: { type: 'mcp_approval_request', id, server_label: 'docs', name: 'search', arguments: '{}' } });
  const answers = (s: Awaited<ReturnType<typeof startMemorySession>>) => s.sent().filter((e) => e.type === 'conversation.item.create' && e.item.type === 'mcp_approval_response').map((e) => e.item);

  it('are answered on the wire (the encoder takes an item without id), under the approval mode', async () => {
    const s = await startMemorySession();
    s.deliver(request('mcpr_1'));
    await waitFor(() => s.creates().length === 1, 'the response.create');
    expect(answers(s)).toEqual([{ type: 'mcp_approval_response', approval_request_id: 'mcpr_1', approve: true }]);
    expect(s.errors).toEqual([]);
  });

  it('ask the host under mode always, and an expiry is answered as a denial and reported settled', async () => {
    const s = await startMemorySession({ proxy: { approval: { mode: 'always', timeoutMs: 30 } } });
    s.deliver(request('mcpr_1'));
    await waitFor(() => answers(s).length === 1, 'the answer');
    expect(answers(s)[0]).toMatchObject({ approval_request_id: 'mcpr_1', approve: false });
    expect(s.eventsOf('approval.settled')).toEqual([{ approvalId: 'mcpr_1', kind: 'mcp', decision: 'expired', reason: 'No answer within 30 ms.' }]);
    expect(s.proxy.approve('mcpr_1')).toBe(false);
  });
});

describe('configuring', () => {
  it('an error about something else does not end it; one naming our session.update does', async () => {
    const s = await startMemorySession({ silentServer: true });
    await waitFor(() => s.sent().some((e) => e.type === 'session.update'), 'the session.update');
    s.deliver({ type: 'error', error: { type: 'invalid_request_error', code: 'invalid_value', message: 'Not about you.', event_id: 'client_other' } });
    expect(s.proxy.snapshot().state).toBe('configuring');
    const update = s.sent().find((e) => e.type === 'session.update')!;
    s.deliver({ type: 'error', error: { type: 'invalid_request_error', code: 'invalid_value', message: 'Bad tools.', event_id: update.event_id } });
    expect(await s.proxy.ended).toMatchObject({ reason: 'session_update_rejected', error: { message: 'Bad tools.' } });
  });

  it('a server that never answers ends it after the configure timeout', async () => {
    const s = await startMemorySession({ silentServer: true, proxy: { timeouts: { configureMs: 50 } } });
    expect(await s.proxy.ended).toEqual({ reason: 'session_update_timeout', timeoutMs: 50 });
    await waitFor(() => s.transport.state === 'closed', 'the socket to close');
  });

  it('a session.update the encoder refuses ends it as session_update_failed', async () => {
    const s = await startMemorySession({ stopAtCreated: true, proxy: { session: { not_a_field: true } as never } });
    expect(await s.proxy.ended).toMatchObject({ reason: 'session_update_failed' });
    expect(s.errors.map((e) => e.code)).toContain('invalid_event');
  });
});
