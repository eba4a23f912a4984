/**
 * Real MCP servers killed (SIGKILL) and restarted on the same port, with default options: a call
 * running when the server dies ends at once as `transport_error` (the broken stream is the signal,
 * not the deadline), and the first call after the restart succeeds (a new session, the refused
 * request sent once more). server-everything answers a stale session with 400 "No valid session
 * ID"; supergateway (server-memory behind it) with the spec's 404; a stdio server just exits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ToolCatalog } from '../../src/mcp/catalog.js';
import { McpConnection } from '../../src/mcp/connection.js';
import { ToolCaller } from '../../src/mcp/toolCaller.js';
import type { Transport } from '../../src/mcp/transports.js';
import type { McpServerConfig, ToolCallResult } from '../../src/mcp/types.js';
import { createStdioTransportFactory } from '../../src/node/mcpConnection.js';
import { freePort, serverScripts, startEverything, startSupergateway, type RunningServer } from '../support/mcpServers.js';

/** Far beyond what any case here may take: a call that ends near it was noticed only at the deadline. */
const DEADLINE_MS = 30_000;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function session(config: McpServerConfig, options: ConstructorParameters<typeof McpConnection>[1] = {}) {
  const connection = new McpConnection({ timeoutMs: DEADLINE_MS, ...config }, { transportMemory: new Map(), ...options });
  const reinitialized: string[] = [];
  connection.on('reinitialized', (reason) => reinitialized.push(reason));
  const catalog = new ToolCatalog([connection], { cache: false });
  const caller = new ToolCaller(catalog);
  cleanups.push(async () => {
    catalog.close();
    await connection.close();
  });
  await catalog.load();
  return { connection, catalog, caller, reinitialized };
}

/** Starts the long operation and kills the server once it reports its first step (it is running it). */
async function killMidCall(caller: ToolCaller, kill: () => void): Promise<ToolCallResult> {
  let killed = false;
  const off = caller.on('progress', () => {
    if (!killed) kill();
    killed = true;
  });
  const result = await caller.call('trigger-long-running-operation', '{"duration":20,"steps":20}');
  off();
  expect(killed).toBe(true);
  return result;
}

function expectLostMidCall(result: ToolCallResult): void {
  expect({ code: result.code, message: result.message }).toEqual({ code: 'transport_error', message: expect.stringMatching(/mid-call.*may or may not have run/) });
  // Measured from the result itself: the kill came ~1 s in (the first step), the deadline is 30 s.
  expect(result.timings.durationMs).toBeLessThan(8_000);
}

describe('server-everything over Streamable HTTP, killed and restarted on the same port', () => {
  let server: RunningServer;
  const start = async (port?: number) => {
    server = await startEverything('streamableHttp', port);
    return server;
  };
  afterEach(() => server?.stop());

  it('a call running when it dies ends at once as transport_error; the first call after the restart succeeds', async () => {
    const { url, port } = await start();
    const { caller, reinitialized } = await session({ label: 'everything', url });
    expectLostMidCall(await killMidCall(caller, () => server.process.kill('SIGKILL')));
    await start(port);
    // Not read-only: re-sent all the same, since the server refused it (400) before running it.
    const first = await caller.call('toggle-simulated-logging', '{}');
    expect({ code: first.code, message: first.message }).toEqual({ code: 'ok', message: undefined });
    expect(reinitialized).toEqual([expect.stringContaining('HTTP 400')]);
    expect((await caller.call('echo', '{"message":"and on"}')).output).toBe('Echo: and on');
  }, 30_000);

  it.each([
    [undefined, 'ok'],
    [true, 'ok'],
    [false, 'transport_error'],
  ])('restarted between calls, treatNoValidSessionAsExpired: %s → %s', async (treatAsExpired, code) => {
    const { url, port } = await start();
    const { caller } = await session({ label: 'everything', url, ...(treatAsExpired === undefined ? {} : { treatNoValidSessionAsExpired: treatAsExpired }) });
    await server.stop();
    await start(port);
    const result = await caller.call('echo', '{"message":"after restart"}');
    expect(result.code).toBe(code);
    if (code === 'ok') expect(result.output).toBe('Echo: after restart');
    else expect(result.message).toContain('HTTP 400');
  }, 30_000);

  it('calls refused together after a restart share one re-initialization', async () => {
    const { url, port } = await start();
    const initializes: number[] = [];
    const counting: typeof fetch = async (input, init) => {
      if (typeof init?.body === 'string' && init.body.includes('"method":"initialize"')) initializes.push(Date.now());
      return fetch(input, init);
    };
    const { caller, reinitialized } = await session({ label: 'everything', url }, { fetch: counting });
    expect(initializes).toHaveLength(1);
    await server.stop();
    await start(port);
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((m) => caller.call('echo', JSON.stringify({ message: m }))));
    expect(results.map((r) => r.output)).toEqual(['Echo: a', 'Echo: b', 'Echo: c', 'Echo: d']);
    expect(initializes).toHaveLength(2);
    expect(reinitialized).toHaveLength(1);
  }, 30_000);
});

describe('server-everything over legacy HTTP+SSE, killed mid-call and restarted', () => {
  it('the event stream breaking ends the call at once; the next call reconnects', async () => {
    let server = await startEverything('sse');
    cleanups.push(() => server.stop());
    const { caller, connection, reinitialized } = await session({ label: 'everything', url: server.url, transport: 'sse' });
    expectLostMidCall(await killMidCall(caller, () => server.process.kill('SIGKILL')));
    server = await startEverything('sse', server.port);
    const next = await caller.call('echo', '{"message":"back"}');
    expect({ code: next.code, output: next.output }).toEqual({ code: 'ok', output: 'Echo: back' });
    expect(connection.transportKind).toBe('sse');
    expect(reinitialized).toEqual(['reconnected after the event stream broke']);
  }, 30_000);
});

describe('server-memory behind supergateway (stdio → Streamable HTTP, stateful), the bridge killed and restarted', () => {
  it('answers the stale session with 404; the first call after the restart (a write) succeeds on a new session', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'rmp-restart-'));
    cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
    const port = await freePort();
    const env = { MEMORY_FILE_PATH: join(folder, 'graph.jsonl') };
    const command = `${process.execPath} ${serverScripts.memory}`;
    let bridge = await startSupergateway(command, { port, output: 'streamableHttp', stateful: true, env });
    cleanups.push(() => bridge.stop());
    const { caller, connection, reinitialized } = await session({ label: 'memory', url: bridge.url });
    const before = connection.sessionId;
    expect((await caller.call('create_entities', JSON.stringify({ entities: [{ name: 'Grace', entityType: 'person', observations: [] }] }))).code).toBe('ok');

    bridge.process.kill('SIGKILL');
    await bridge.stop();
    bridge = await startSupergateway(command, { port, output: 'streamableHttp', stateful: true, env });
    const write = await caller.call('create_entities', JSON.stringify({ entities: [{ name: 'Linus', entityType: 'person', observations: [] }] }));
    expect({ code: write.code, message: write.message }).toEqual({ code: 'ok', message: undefined });
    expect(reinitialized).toEqual([expect.stringContaining('HTTP 404')]);
    expect(connection.sessionId).not.toBe(before);
    const graph = JSON.parse((await caller.call('read_graph', '{}')).output) as { entities: Array<{ name: string }> };
    expect(graph.entities.map((e) => e.name).sort()).toEqual(['Grace', 'Linus']);
  }, 40_000);
});

describe('server-everything over stdio, its process killed mid-call', () => {
  it('ends the call at once as transport_error naming the signal; the next call starts the server again', async () => {
    const transports: Transport[] = [];
    const factory = createStdioTransportFactory();
    const { caller, reinitialized } = await session(
      { label: 'everything', command: process.execPath, args: [serverScripts.everything, 'stdio'] },
      { stdioTransport: (config) => transports[transports.push(factory(config)) - 1]! },
    );
    const pid = (transports[0] as unknown as { pid: number | null }).pid!;
    const result = await killMidCall(caller, () => process.kill(pid, 'SIGKILL'));
    expectLostMidCall(result);
    expect(result.message).toContain('the server was killed (SIGKILL) mid-call');
    const next = await caller.call('echo', '{"message":"back"}');
    expect(next.output).toBe('Echo: back');
    expect(transports).toHaveLength(2);
    expect(reinitialized).toEqual(['reconnected after the server was killed (SIGKILL)']);
  }, 30_000);
});
