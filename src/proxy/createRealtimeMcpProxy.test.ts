/**
 * What createRealtimeMcpProxy tells the host about a session that goes wrong early: options that
 * cannot work (refused before anything connects), an `error` the Realtime server sends before
 * `session.created`, and an MCP server that cannot be reached (reported once, not once per layer).
 * The Realtime side is an in-memory transport; the MCP side a real port where nothing listens.
 */
import { describe, expect, it } from 'vitest';
import { freePort } from '../../test/support/mcpServers.js';
import { ProxyError } from '../errors.js';
import { createMemoryTransport } from '../protocol/memoryTransport.js';
import type { RealtimeError } from '../protocol/generated/types.js';
import { createRealtimeMcpProxy } from './createRealtimeMcpProxy.js';

describe('createRealtimeMcpProxy options', () => {
  it('refuses two servers with the same label (one would lose its tools), before anything connects', () => {
    const transport = createMemoryTransport();
    let caught: unknown;
    try {
      createRealtimeMcpProxy({
        transport,
        servers: [
          { label: 'docs', url: 'http://127.0.0.1:1/a' },
          { label: 'docs', url: 'http://127.0.0.1:1/b' },
        ],
      });
    } catch (error) {
      caught = error;
    }
    expect(ProxyError.isInstance(caught) && caught.code).toBe('invalid_options');
    expect((caught as Error).message).toMatch(/^Failed to configure the MCP servers: two servers are labelled "docs" .*\. Please give each server its own label\.$/);
    expect(transport.state).toBe('idle');
  });
});

describe('what the host hears before the session is configured', () => {
  it('an error event before session.created (a refused key) reaches realtimeError', async () => {
    const transport = createMemoryTransport();
    const proxy = createRealtimeMcpProxy({ transport, servers: [] });
    const errors: RealtimeError[] = [];
    proxy.on('realtime.error', (error) => errors.push(error));
    await proxy.start();
    const refusal = { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.', param: null, event_id: null };
    transport.deliver({ type: 'error', event_id: 'event_1', error: refusal });
    expect(errors).toEqual([expect.objectContaining({ code: 'invalid_api_key', message: 'Incorrect API key provided.' })]);
    // Only the session.update that left when the socket opened: an error that does not name it does not end the session.
    expect(transport.sent.map((frame) => (JSON.parse(frame) as { type: string }).type)).toEqual(['session.update']);
    expect(proxy.snapshot().state).not.toBe('closed');
    await proxy.close();
  });

  it('an MCP server that cannot be reached is reported once', async () => {
    const url = `http://127.0.0.1:${await freePort()}/mcp`;
    const transport = createMemoryTransport();
    const proxy = createRealtimeMcpProxy({ transport, servers: [{ label: 'gone', url }], catalogCache: false });
    const errors: ProxyError[] = [];
    proxy.on('error', (error) => errors.push(error));
    await proxy.start();
    await proxy.close();
    expect(errors.map((error) => error.code)).toEqual(['mcp_connect_failed']);
    expect(errors[0]!.message).toContain('"gone"');
  });
});

describe('requireTools', () => {
  it('with no server reachable, start() rejects with no_tools, sends nothing and closes the socket; without it the session runs empty', async () => {
    const url = `http://127.0.0.1:${await freePort()}/mcp`;
    const refusing = createMemoryTransport();
    const strict = createRealtimeMcpProxy({ transport: refusing, servers: [{ label: 'gone', url }], catalogCache: false, requireTools: true });
    const rejected = await strict.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(ProxyError.isInstance(rejected) && rejected.code).toBe('no_tools');
    expect((rejected as Error).message).toBe(
      'Failed to start the session: the MCP server "gone" could not be reached (each failure is reported on its own). Please check that it is running, and the URLs, commands and credentials.',
    );
    expect(refusing.sent).toEqual([]);
    expect(refusing.state).toBe('closed');
    expect((await strict.ended).reason).toBe('closed_by_host');

    const lenient = createMemoryTransport();
    const proxy = createRealtimeMcpProxy({ transport: lenient, servers: [{ label: 'gone', url }], catalogCache: false });
    await proxy.start();
    expect(lenient.sent.map((frame) => (JSON.parse(frame) as { type: string }).type)).toEqual(['session.update']);
    await proxy.close();
  });
});
