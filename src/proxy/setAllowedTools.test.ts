/**
 * `proxy.setAllowedTools`: the allowlist replaced mid-session. The tools offered are worked out
 * again and sent in one session.update through the session machine; a tool left out is refused
 * when the model calls it; a key naming no tool, or anything that is not a list of keys, changes
 * nothing. The Realtime side is scripted (a memory transport); the MCP side a real mock server.
 */
import { describe, expect, it } from 'vitest';
import { oneCall, startMemorySession, useMemorySessions, waitFor, type MemorySession, type Sent } from '../../test/faults/memorySession.js';
import { startMockMcpServer } from '../../harness/mock-mcp/index.js';
import { createMemoryTransport } from '../protocol/memoryTransport.js';
import type { SendResult } from '../protocol/transport.js';
import { createRealtimeMcpProxy } from './createRealtimeMcpProxy.js';
import { hostTool } from './hostTools.js';
import { MAX_ALLOWLIST_KEYS } from './toolSettings.js';

useMemorySessions();

const tools = [
  { name: 'lookup', description: 'Looks a word up.', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } },
  { name: 'translate', description: 'Translates a word.', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } },
];
const updates = (session: MemorySession) => session.sent().filter((event) => event.type === 'session.update');
const offered = (update: Sent | undefined) => (update?.session.tools as Array<{ name: string }> | undefined)?.map((tool) => tool.name);
const refusal = (result: SendResult) => (result.ok ? 'ok' : `${result.error.code}: ${result.error.message}`);

describe('proxy.setAllowedTools', () => {
  it('offers only the allowed tools in one session.update; a call to one left out is refused with one output; adding it back lets it run', async () => {
    const session = await startMemorySession({ tools });
    expect(offered(updates(session)[0])).toEqual(['lookup', 'translate']);

    expect(refusal(session.proxy.setAllowedTools(['mock/lookup']))).toBe('ok');
    expect(updates(session)).toHaveLength(2);
    expect(offered(updates(session)[1])).toEqual(['lookup']);
    expect(session.proxy.snapshot().tools).toEqual(['lookup']);
    await waitFor(() => session.proxy.snapshot().state === 'ready' && updates(session).length === 2, 'the update to be answered');

    session.deliver(...oneCall('resp_1', 'call_1', 'translate'));
    await waitFor(() => session.eventsOf('toolCall.ended').length === 1, 'the refused call to end');
    expect(session.outputs().map((output) => output.call_id)).toEqual(['call_1']);
    expect(session.eventsOf('toolCall.ended')[0]!.code).toBe('not_allowed');
    expect(session.mock.callLog).toEqual([]);

    expect(refusal(session.proxy.setAllowedTools(['mock/lookup', 'mock/translate']))).toBe('ok');
    // One update in flight at a time: this one leaves now, or once the last is answered.
    await waitFor(() => updates(session).length === 3, 'the update with both tools');
    expect(offered(updates(session)[2])).toEqual(['lookup', 'translate']);
    expect(session.proxy.snapshot().tools).toEqual(['lookup', 'translate']);
    await waitFor(() => session.creates().length === 1, 'the response.create after the refusal');
    session.deliver(...oneCall('resp_2', 'call_2', 'translate'));
    await waitFor(() => session.eventsOf('toolCall.ended').length === 2, 'the second call to end');
    expect(session.eventsOf('toolCall.ended')[1]!.code).toBe('ok');
    expect(session.mock.callLog.map((call) => call.tool)).toEqual(['translate']);
    expect(session.outputs().map((output) => output.call_id)).toEqual(['call_1', 'call_2']);
  });

  it('a key naming no listed tool is refused with a "did you mean", and nothing is sent or changed', async () => {
    const session = await startMemorySession({ tools });
    const before = session.transport.sent.length;
    expect(refusal(session.proxy.setAllowedTools(['mock/lookup', 'mock/translat']))).toBe(
      'invalid_input: Failed to change the allowed tools: no tool named "translat" on server "mock" (did you mean "mock/translate"?). Please use one of: "mock/lookup", "mock/translate"; the tools offered did not change.',
    );
    expect(refusal(session.proxy.setAllowedTools(['lookup']))).toMatch(/^invalid_input: Failed to change the allowed tools: "lookup" names no server\. Please write it as "mock\/lookup"/);
    expect(refusal(session.proxy.setAllowedTools(['other/lookup']))).toMatch(/^invalid_input: Failed to change the allowed tools: no MCP server is labelled "other"/);
    expect(session.transport.sent.length).toBe(before);
    expect(session.proxy.snapshot().tools).toEqual(['lookup', 'translate']);
  });

  it('refuses anything but a list of "server/tool" strings, whatever it is, without throwing', async () => {
    const session = await startMemorySession({ tools });
    const before = session.transport.sent.length;
    const throwing = new Proxy(['mock/lookup'], {
      get(target, key, receiver) {
        if (key === '0') throw new Error('a getter that throws');
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const hostile: unknown[] = ['mock/lookup', null, undefined, 42, { 0: 'mock/lookup', length: 1 }, [7], ['mock/lookup', undefined], new Array(3), new Array(MAX_ALLOWLIST_KEYS + 1).fill('mock/lookup'), ['x'.repeat(5000)], throwing];
    for (const [i, value] of hostile.entries()) {
      const result = session.proxy.setAllowedTools(value as string[]);
      expect(result.ok ? 'ok' : result.error.code, `hostile value ${i}`).toBe('invalid_input');
    }
    expect(refusal(session.proxy.setAllowedTools(null as never))).toBe('invalid_input: Failed to change the allowed tools: it is null, not an array. Please pass an array of "server/tool" strings.');
    expect(refusal(session.proxy.setAllowedTools([7] as never))).toBe('invalid_input: Failed to change the allowed tools: item 0 is 7, not a "server/tool" string. Please pass an array of "server/tool" strings.');
    expect(session.transport.sent.length).toBe(before);
    expect(session.proxy.snapshot().tools).toEqual(['lookup', 'translate']);
  });

  it("leaves the host's own tools offered", async () => {
    const clock = hostTool({ name: 'clock', description: 'The time.', parameters: { type: 'object', properties: {} }, execute: () => 'noon' });
    const session = await startMemorySession({ tools, proxy: { hostTools: [clock] } });
    expect(refusal(session.proxy.setAllowedTools([]))).toBe('ok');
    expect(offered(updates(session).at(-1))).toEqual(['clock']);
  });

  it('before start(), it replaces the allowedTools option: the first update carries it', async () => {
    const mock = await startMockMcpServer({ tools });
    const transport = createMemoryTransport();
    const proxy = createRealtimeMcpProxy({ transport, servers: [{ label: 'mock', url: mock.url }], catalogCache: false, allowedTools: ['mock/translate'] });
    try {
      expect(refusal(proxy.setAllowedTools(['mock/lookup']))).toBe('ok');
      await proxy.start();
      const sent = transport.sent.map((text) => JSON.parse(text) as Sent);
      expect(sent.map((event) => [event.type, offered(event)])).toEqual([['session.update', ['lookup']]]);
    } finally {
      await proxy.close();
      await mock.close();
    }
  });

  it('after the session ended, it is refused with not_open', async () => {
    const session = await startMemorySession({ tools });
    await session.proxy.close();
    expect(refusal(session.proxy.setAllowedTools(['mock/lookup']))).toMatch(/^not_open: Failed to change the allowed tools: the session has ended/);
  });
});
