/**
 * Teardown is bounded: MCP servers that never answer the session DELETE cannot keep `proxy.close()`
 * (or the session's own end) from finishing.
 */
import { createServer } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startRealtimeSimulator } from '../../harness/simulator/index.js';
import { createNodeRealtimeMcpProxy } from '../../src/node/realtimeMcpProxy.js';
import { ProxyError } from '../../src/errors.js';
import { API_KEY, startE2E, useE2E } from './support.js';

useE2E();

describe('teardown with MCP servers that never answer DELETE', () => {
  it('proxy.close() resolves, each session was sent its DELETE, and every DELETE is abandoned rather than left open', async () => {
    const e2e = await startE2E({
      script: [{ user: 'Hello?' }],
      mock: { tools: [{ name: 'lookup' }], hangDelete: true },
      // A second session on the same hanging server, under another label: every server hangs.
      mockAliases: [{ label: 'again' }],
      proxy: { mcp: { closeTimeoutMs: 50 } },
    });
    await e2e.proxy.close();
    expect(await e2e.proxy.ended).toEqual({ reason: 'closed_by_host' });
    expect(e2e.mock!.deletesReceived).toBe(2);
    await vi.waitFor(() => expect(e2e.mock!.deletesAbandoned).toBe(2));
  });

  it('the session ending on its own (the socket closed) also finishes the shutdown', async () => {
    const e2e = await startE2E({
      script: [{ user: 'Hello?' }, { close: { code: 1000 } }],
      mock: { tools: [{ name: 'lookup' }], hangDelete: true },
      proxy: { mcp: { closeTimeoutMs: 50 } },
    });
    expect(await e2e.proxy.ended).toMatchObject({ reason: 'socket_closed', code: 1000 });
    await e2e.proxy.close();
    expect(e2e.mock!.deletesReceived).toBe(1);
    await vi.waitFor(() => expect(e2e.mock!.deletesAbandoned).toBe(1));
  });
});

describe('close() while start() is listing the tools', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it('start() rejects with not_open at once, and the Realtime connection opened alongside the listing is closed', async () => {
    let initializeArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (initializeArrived = resolve));
    const silent = createServer(() => initializeArrived()); // takes the initialize POST and never answers
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    closers.push(() => new Promise((done) => (silent.closeAllConnections(), silent.close(done))));
    const sim = await startRealtimeSimulator({ script: { steps: [{ user: 'Hello?' }] }, apiKey: API_KEY });
    closers.push(() => sim.close());
    const proxy = createNodeRealtimeMcpProxy({
      url: sim.url,
      apiKey: API_KEY,
      servers: [{ label: 'silent', url: `http://127.0.0.1:${(silent.address() as { port: number }).port}/mcp` }],
      catalogCache: false,
      mcp: { connectTimeoutMs: 600_000, transportMemory: new Map() },
    });
    proxy.on('error', () => undefined);
    const starting = proxy.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    await arrived;
    await proxy.close();
    const error = await starting;
    expect(ProxyError.isInstance(error) && error.code).toBe('not_open');
    // The socket opens while the tools are listed; close() closed it, and nothing was sent on it.
    await vi.waitFor(() => expect(sim.sessions.every((session) => session.closed !== undefined)).toBe(true));
    expect(sim.clientEvents).toEqual([]);
    expect(await proxy.ended).toEqual({ reason: 'closed_by_host' });
  });
});
