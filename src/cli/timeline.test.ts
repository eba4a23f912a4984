import { describe, expect, it } from 'vitest';
import { freePort } from '../../test/support/mcpServers.js';
import type { SessionEndReason } from '../machines/session.js';
import { createMemoryTransport } from '../protocol/memoryTransport.js';
import { createRealtimeMcpProxy } from '../proxy/createRealtimeMcpProxy.js';
import { clipMiddle, describeEnd, followProxy } from './timeline.js';

describe('describeEnd', () => {
  it.each<[SessionEndReason, string]>([
    [{ reason: 'closed_by_host' }, 'closed'],
    [{ reason: 'socket_closed', code: 1006, detail: 'abnormal' }, 'socket closed (1006: abnormal)'],
    [{ reason: 'session_expired', message: 'Your session hit the maximum duration of 60 minutes.' }, 'session expired: Your session hit the maximum duration of 60 minutes.'],
    [{ reason: 'session_update_rejected', error: { type: 'invalid_request_error', code: 'invalid_value', message: 'Bad tools.' } }, 'session.update rejected: Bad tools.'],
    [{ reason: 'session_update_failed', message: 'Failed to send "session.update": …' }, 'session.update could not be sent: Failed to send "session.update": …'],
    [{ reason: 'session_update_timeout', timeoutMs: 15_000 }, 'the server did not answer session.update within 15000 ms'],
    [{ reason: 'internal_error', message: 'boom' }, 'internal error: boom'],
  ])('says why a session ended: %j', (end, text) => {
    expect(describeEnd(end)).toBe(text);
  });
});

describe('clipMiddle', () => {
  it('keeps a message whole, whitespace flattened', () => {
    const message = `Failed to connect: ${'x'.repeat(400)}.\n  Please check the server.`;
    expect(clipMiddle(message)).toBe(`Failed to connect: ${'x'.repeat(400)}. Please check the server.`);
  });

  it('cuts only a pathological one, in the middle: the start and the whole advice survive', () => {
    const advice = 'Please check that the server is running and the URL and credentials are right.';
    const clipped = clipMiddle(`Failed to connect to MCP server "a" at ${'y'.repeat(5_000)}. ${advice}`, 300);
    expect(clipped).toHaveLength(300);
    expect(clipped.startsWith('Failed to connect to MCP server "a" at yyy')).toBe(true);
    expect(clipped.endsWith(` ${advice}`)).toBe(true);
    expect(clipped).toContain('…');
    // Without advice to keep: half and half.
    const plain = clipMiddle('z'.repeat(1_000), 101);
    expect(plain).toBe(`${'z'.repeat(50)}…${'z'.repeat(50)}`);
  });
});

describe('followProxy', () => {
  it('prints a long MCP failure whole, once, advice included', async () => {
    const url = `http://127.0.0.1:${await freePort()}/${'deep/'.repeat(50)}mcp`;
    const transport = createMemoryTransport();
    const proxy = createRealtimeMcpProxy({ transport, servers: [{ label: 'far', url }], catalogCache: false });
    const lines: string[] = [];
    followProxy(proxy, (tag, text) => lines.push(`${tag} ${text}`));
    await proxy.start();
    await proxy.close();
    const failures = lines.filter((line) => line.startsWith('error mcp_connect_failed'));
    expect(failures).toHaveLength(1);
    expect(failures[0]!.length).toBeGreaterThan(300);
    expect(failures[0]).toContain(url);
    expect(failures[0]).toMatch(/\. Please check that the server is running and the URL and credentials are right\.$/);
  });

  it('prints an error sent before session.created, and before the end it explains', async () => {
    const transport = createMemoryTransport();
    const proxy = createRealtimeMcpProxy({ transport, servers: [] });
    const lines: string[] = [];
    followProxy(proxy, (tag, text) => lines.push(`${tag} ${text}`));
    await proxy.start();
    transport.deliver({ type: 'error', event_id: 'event_1', error: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.', param: null, event_id: null } });
    transport.serverClose(1006, '');
    await proxy.ended;
    expect(lines).toEqual(['realtime error invalid_api_key: Incorrect API key provided.', 'ended socket closed (1006)']);
    await proxy.close();
  });
});
