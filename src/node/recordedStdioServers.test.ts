import { describe, expect, it } from 'vitest';
import type { RecordingRecord } from '../recording/format.js';
import { createRecordedStdioServers } from './recordedStdioServers.js';

let seq = 0;
const rpc = (dir: 'in' | 'out', data: Record<string, unknown>): RecordingRecord => ({ seq: ++seq, t: seq, peer: 'mcp:memory', dir, kind: 'jsonrpc.message', data });
const turn = () => new Promise((resolve) => setImmediate(resolve));

function started(mismatches: string[] = []) {
  const servers = createRecordedStdioServers({ onMismatch: (message) => mismatches.push(message) });
  const transport = servers.transport('memory');
  const received: unknown[] = [];
  transport.onmessage = (message) => void received.push(message);
  return { servers, transport, received, mismatches };
}

describe('createRecordedStdioServers', () => {
  it("answers each request with the recorded answer, under the proxy's own request id", async () => {
    const { servers, transport, received } = started();
    servers.feed(rpc('out', { jsonrpc: '2.0', id: 0, method: 'tools/list' }));
    servers.feed(rpc('in', { jsonrpc: '2.0', id: 0, result: { tools: [{ name: 'read_graph' }] } }));
    await turn();
    expect(received).toEqual([]); // not before the proxy asks
    await transport.send({ jsonrpc: '2.0', id: 7, method: 'tools/list' });
    await turn();
    expect(received).toEqual([{ jsonrpc: '2.0', id: 7, result: { tools: [{ name: 'read_graph' }] } }]);
  });

  it('waits for records the replay has not reached yet, then answers', async () => {
    const { servers, transport, received } = started();
    await transport.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read_graph' } });
    await turn();
    expect(received).toEqual([]);
    servers.feed(rpc('out', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read_graph' } }));
    servers.feed(rpc('in', { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info' } }));
    servers.feed(rpc('in', { jsonrpc: '2.0', id: 1, result: { content: [] } }));
    await turn();
    expect(received).toEqual([
      { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info' } },
      { jsonrpc: '2.0', id: 1, result: { content: [] } },
    ]);
  });

  it('reports a message with another method than the recorded one, naming both', async () => {
    const { servers, transport, received, mismatches } = started();
    servers.feed(rpc('out', { jsonrpc: '2.0', id: 0, method: 'tools/list' }));
    servers.feed(rpc('in', { jsonrpc: '2.0', id: 0, result: { tools: [] } }));
    await transport.send({ jsonrpc: '2.0', id: 0, method: 'ping' });
    await turn();
    expect(mismatches).toEqual([expect.stringMatching(/MCP server "memory" \(stdio\): the proxy sent ping where the recording has tools\/list \(seq \d+\)/)]);
    expect(received).toEqual([]);
  });
});
