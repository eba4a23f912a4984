import { describe, expect, it } from 'vitest';
import { encodeClientEvent } from '../protocol/codec.js';
import { nativeMcpTools } from './nativeMcpTools.js';

describe('nativeMcpTools', () => {
  it('builds valid GA mcp session tools', () => {
    const tools = nativeMcpTools([
      { label: 'docs', url: 'https://mcp.example.com/mcp', token: 'tok', allowedTools: ['search'] },
      { label: 'open', url: 'https://open.example.com/mcp', headers: { 'x-key': 'k' } },
    ]);
    expect(tools).toEqual([
      { type: 'mcp', server_label: 'docs', server_url: 'https://mcp.example.com/mcp', authorization: 'tok', allowed_tools: ['search'], require_approval: 'always' },
      { type: 'mcp', server_label: 'open', server_url: 'https://open.example.com/mcp', headers: { 'x-key': 'k' }, require_approval: 'always' },
    ]);
    expect(encodeClientEvent({ type: 'session.update', session: { type: 'realtime', tools } }).ok).toBe(true);
    expect(nativeMcpTools([{ label: 'a', url: 'https://a/mcp' }], { requireApproval: 'never' })[0]!.require_approval).toBe('never');
  });

  it('refuses servers OpenAI cannot reach or authenticate to', () => {
    expect(() => nativeMcpTools([{ label: 'local', command: 'node' }])).toThrow(/^Failed to build a native MCP tool for "local": .*Please/);
    expect(() => nativeMcpTools([{ label: 'fn', url: 'https://a/mcp', token: async () => 't' }])).toThrow(/fixed token/);
  });
});
