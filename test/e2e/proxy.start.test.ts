/**
 * How a session starts: the socket opens while the MCP tools are listed, and the `session.update`
 * with the tools goes out as soon as both are done, without waiting for `session.created` (the
 * Realtime API takes client events from the moment the socket opens and answers them after its
 * `session.created`; the simulator, told to hold `session.created`, queues them the same way).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProxyError } from '../../src/errors.js';
import { API_KEY, startE2E, toolNames, useE2E, waitFor } from './support.js';
import { ToolListingCache, listingCacheKey } from '../../src/mcp/listingCache.js';
import { createFileRecorder } from '../../src/node/fileRecorder.js';
import { startRealtimeSimulator } from '../../harness/simulator/index.js';
import { startMockMcpServer } from '../../harness/mock-mcp/index.js';
import { createNodeRealtimeMcpProxy } from '../../src/node/realtimeMcpProxy.js';

useE2E();

const lookup = { name: 'lookup', description: 'Looks a word up.', inputSchema: { type: 'object' as const, properties: { word: { type: 'string' } }, required: ['word'] } };

describe('the first session.update', () => {
  const dirs: string[] = [];
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('leaves before session.created arrives; the server answers it after, the session runs, and the recording keeps that order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rmp-start-'));
    dirs.push(dir);
    const path = join(dir, 'early-update.jsonl');
    // The tools are known already (a listing cache warmed by an earlier session, the default in
    // production): the update can leave the moment the socket opens.
    const mock = await startMockMcpServer({ tools: [{ ...lookup, result: { content: [{ type: 'text', text: 'found' }] } }] });
    closers.push(() => mock.close());
    const server = { label: 'mock', url: mock.url };
    const catalogCache = new ToolListingCache();
    catalogCache.set(listingCacheKey(server), [lookup]);
    const recorder = createFileRecorder({ path, servers: [server], proxy: {} });
    const e2e = await startE2E({
      simulator: { sessionCreatedDelayMs: 300 },
      proxy: { servers: [server], catalogCache, recorder },
      script: [{ callTool: { name: 'lookup', arguments: { word: 'tea' } } }],
    });
    const done = await e2e.sim.done;
    expect(done).toMatchObject({ ok: true });
    // The proxy's wire: our update went out before the server's first event came in.
    const firstTypes = e2e.wire.slice(0, 3).map((entry) => `${entry.dir} ${entry.event.type}`);
    expect(firstTypes).toEqual(['out session.update', 'in session.created', 'in session.updated']);
    expect(toolNames(e2e.sessionUpdates()[0]!)).toEqual(['lookup']);
    expect(e2e.sim.log.some((line) => /handled 1 client event\(s\) sent before session.created/.test(line))).toBe(true);
    expect(e2e.eventsOf('session.ready')).toHaveLength(1);
    expect(e2e.outputs()).toEqual([{ call_id: expect.any(String), output: expect.stringContaining('found') }]);
    await e2e.proxy.close();

    // session.created is still recorded (after the update, as it happened), and the recording replays.
    const kinds = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => JSON.parse(line) as { peer: string; dir: string; data?: { type?: string } })
      .filter((record) => record.peer === 'openai' && record.data?.type !== undefined)
      .map((record) => `${record.dir} ${record.data!.type}`);
    expect(kinds.slice(0, 3)).toEqual(['out session.update', 'in session.created', 'in session.updated']);
    // (That such a recording replays is src/node/replay.test.ts's: this one has no MCP listing to replay, it was cached.)
  });

  it('waits for a slow tool listing even when the socket and session.created came first, then carries every tool', async () => {
    // The MCP server answers tools/list 300 ms late: the socket is open and session.created in long before.
    const slowListing: typeof fetch = async (input, init) => {
      if (typeof init?.body === 'string' && init.body.includes('"tools/list"')) await new Promise((resolve) => setTimeout(resolve, 300));
      return fetch(input, init);
    };
    const e2e = await startE2E({ mock: { tools: [lookup] }, proxy: { mcp: { fetch: slowListing } }, script: [{ user: 'Hello?' }] });
    await waitFor(() => e2e.sessionUpdates().length > 0, 'the session.update');
    const inbound = e2e.wire.findIndex((entry) => entry.dir === 'in' && entry.event.type === 'session.created');
    const update = e2e.wire.findIndex((entry) => entry.dir === 'out' && entry.event.type === 'session.update');
    expect(inbound).toBeGreaterThanOrEqual(0);
    expect(update).toBeGreaterThan(inbound);
    expect(e2e.sessionUpdates()).toHaveLength(1);
    expect(toolNames(e2e.sessionUpdates()[0]!)).toEqual(['lookup']);
  });
});

describe('a start that fails on one side', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it('a fatal setting found once the tools are listed closes the socket opened alongside: nothing is sent, start() rejects', async () => {
    const sim = await startRealtimeSimulator({ script: { steps: [{ user: 'Hello?' }] }, apiKey: API_KEY });
    closers.push(() => sim.close());
    const mock = await startMockMcpServer({ tools: [lookup] });
    closers.push(() => mock.close());
    const proxy = createNodeRealtimeMcpProxy({
      url: sim.url,
      apiKey: API_KEY,
      servers: [{ label: 'mock', url: mock.url }],
      catalogCache: false,
      approval: { tools: { 'mock/nope': 'always' } },
    });
    proxy.on('error', () => undefined);
    const error = await proxy.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ProxyError.isInstance(error) && error.code).toBe('invalid_options');
    expect(await proxy.ended).toEqual({ reason: 'closed_by_host' });
    await vi.waitFor(() => expect(sim.sessions.every((session) => session.closed !== undefined)).toBe(true));
    expect(sim.clientEvents).toEqual([]);
  });
});
