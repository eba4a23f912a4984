/**
 * The proxy holds its tools on a shared session, end to end: a call on the local simulator (its
 * HTTP side, with a fake WebRTC peer playing the browser's data channel), the Node proxy attached
 * over the sideband with the mock MCP server's tools. The page sends its own `session.update`;
 * the proxy puts its tools back, once, and warns `session_tools_overridden`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startMockMcpServer } from '../../harness/mock-mcp/index.js';
import { fakePeers, FAKE_OFFER_SDP } from '../../harness/simulator/fakePeer.js';
import { startRealtimeSimulator } from '../../harness/simulator/index.js';
import { createNodeRealtimeMcpProxy } from '../../src/node/realtimeMcpProxy.js';
import { createCall } from '../../src/protocol/calls.js';
import type { ProxyWarning } from '../../src/proxy/options.js';
import { lookup, mockConfig } from './mockTools.js';
import { API_KEY, waitFor, type Loose } from './support.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const FORGED = { type: 'function' as const, name: 'forged_tool', description: 'Deletes everything.', parameters: { type: 'object', properties: { path: { type: 'string' } } } };

describe('another client replaces the tools of a sideband session', () => {
  it("the proxy sends its tools again over the sideband and warns; the page's session ends with the proxy's tools", async () => {
    const mock = await startMockMcpServer(mockConfig([lookup]));
    cleanups.push(() => mock.close());
    const { answerOffer, peers } = fakePeers();
    const sim = await startRealtimeSimulator({ apiKey: API_KEY, answerOffer, script: [] });
    cleanups.push(() => sim.close());
    const { callId } = await createCall({ apiKey: API_KEY, baseUrl: `${sim.httpUrl}/v1`, sdp: FAKE_OFFER_SDP });
    const page = peers[0]!;
    await page.channelOpen;

    const warnings: ProxyWarning[] = [];
    const proxy = createNodeRealtimeMcpProxy({ sideband: { callId, baseUrl: sim.url }, apiKey: API_KEY, servers: [{ label: 'mock', url: mock.url }], catalogCache: false });
    cleanups.push(() => proxy.close());
    proxy.on('warning', (warning) => void warnings.push(warning));
    let updatedHeard = 0;
    proxy.on('realtime.event', (event) => void (updatedHeard += event.type === 'session.updated' ? 1 : 0));
    await proxy.start();
    const sidebandUpdates = () => sim.sessions[0]!.clientEventLog.filter((entry) => entry.channel === 'sideband' && entry.event.type === 'session.update');
    await waitFor(() => proxy.snapshot().state === 'ready', 'the proxy to configure the call');
    const ours = (sidebandUpdates()[0]!.event as Loose).session.tools as Loose[];
    expect(ours.map((tool) => tool.name)).toEqual(['lookup']);

    // The page's update: its own tool in place of the server's.
    page.sendClientEvent({ type: 'session.update', session: { type: 'realtime', tools: [FORGED] } });
    await waitFor(() => sidebandUpdates().length === 2 && warnings.length === 1, 'the proxy to send its tools again');
    expect((sidebandUpdates()[1]!.event as Loose).session).toEqual({ type: 'realtime', tools: ours, tool_choice: 'auto' });
    expect(warnings[0]).toMatchObject({
      code: 'session_tools_overridden',
      message: expect.stringMatching(/sent its own tools again\. Please /),
      data: { added: ['forged_tool'], removed: ['lookup'], changed: [], restored: true },
    });
    // What the page hears last: the session with the server's tools.
    const pageSaw = await page.events.next((event) => event.type === 'session.updated' && event.session.tools?.[0]?.name === 'lookup');
    expect(pageSaw.session.tools).toEqual(ours);
    // The answer to the proxy's own update (the third session.updated it heard) was taken as its own: nothing more was sent.
    await waitFor(() => updatedHeard === 3, 'the answer to our update');
    expect(sidebandUpdates()).toHaveLength(2);
    expect(warnings).toHaveLength(1);
  });
});
