/**
 * Teardown is bounded: MCP servers that never answer the session DELETE cannot keep `proxy.close()`
 * (or the session's own end) from finishing.
 */
import { describe, expect, it, vi } from 'vitest';
import { startE2E, useE2E } from './support.js';

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
