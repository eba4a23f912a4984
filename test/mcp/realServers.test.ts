/**
 * The MCP layer against real servers from npm, on 127.0.0.1: server-everything (Streamable HTTP
 * and legacy SSE), server-memory (stdio) and server-filesystem (stdio, on a temporary folder).
 * Servers killed and restarted: restart.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ToolCatalog } from '../../src/mcp/catalog.js';
import { McpConnection } from '../../src/mcp/connection.js';
import { FUNCTION_NAME_PATTERN } from '../../src/mcp/names.js';
import { ToolCaller } from '../../src/mcp/toolCaller.js';
import type { McpServerConfig, ToolCallResult } from '../../src/mcp/types.js';
import { createNodeMcpConnection } from '../../src/node/mcpConnection.js';
import { serverScripts, startEverything, type RunningServer } from '../support/mcpServers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function session(connections: McpConnection[], options: ConstructorParameters<typeof ToolCaller>[1] = {}) {
  const catalog = new ToolCatalog(connections, { cache: false });
  const caller = new ToolCaller(catalog, options);
  cleanups.push(async () => {
    catalog.close();
    await Promise.all(connections.map((c) => c.close()));
  });
  return { catalog, caller };
}

function connect(config: McpServerConfig): McpConnection {
  return new McpConnection(config, { transportMemory: new Map() });
}

function expectOk(result: ToolCallResult): ToolCallResult {
  expect({ code: result.code, message: result.message }).toEqual({ code: 'ok', message: undefined });
  return result;
}

describe.each([
  ['streamableHttp', 'streamable-http'],
  ['sse', 'sse'],
] as const)('server-everything in %s mode', (mode, expectedKind) => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startEverything(mode);
  }, 30_000);
  afterAll(() => server?.stop());

  it('lists every tool, names them for Realtime and leaves out the task-only one', async () => {
    const connection = connect({ label: 'everything', url: server.url });
    const { catalog } = session([connection]);
    await catalog.load();
    expect(connection.transportKind).toBe(expectedKind);
    const names = catalog.tools.map((t) => t.mcpName);
    expect(names).toEqual(expect.arrayContaining(['echo', 'get-sum', 'get-tiny-image', 'get-structured-content', 'trigger-long-running-operation']));
    expect(catalog.dropped).toEqual([{ server: 'everything', tool: 'simulate-research-query', reason: expect.stringContaining('task') }]);
    expect(names.length + catalog.dropped.length).toBe(13);
    for (const tool of catalog.functionTools()) {
      expect(tool.name).toMatch(FUNCTION_NAME_PATTERN);
      expect(tool.parameters).toMatchObject({ type: 'object' });
    }
    expect(catalog.byFunctionName('get-sum')?.annotations).toMatchObject({ readOnlyHint: true });
  });

  it('calls echo, get-sum, get-tiny-image and get-structured-content and folds each result into one output', async () => {
    const { catalog, caller } = session([connect({ label: 'everything', url: server.url })]);
    await catalog.load();
    expect(expectOk(await caller.call('echo', '{"message":"hello"}')).output).toBe('Echo: hello');
    expect(expectOk(await caller.call('get-sum', '{"a":2,"b":40}')).output).toBe('The sum of 2 and 40 is 42.');

    const image = expectOk(await caller.call('get-tiny-image', ''));
    expect(image.output).toMatch(/\[image: image\/png, \d+ bytes\]/);
    const base64 = (image.mcpResult!.content.find((b) => b.type === 'image') as { data: string }).data;
    expect(image.output).not.toContain(base64.slice(0, 40));

    const weather = expectOk(await caller.call('get-structured-content', '{"location":"Chicago"}'));
    expect(JSON.parse(weather.output)).toEqual(weather.mcpResult!.structuredContent);
    expect(weather.mcpResult!.structuredContent).toHaveProperty('temperature');
  });

  it('reports progress of a long-running operation, then its result', async () => {
    const { catalog, caller } = session([connect({ label: 'everything', url: server.url })]);
    await catalog.load();
    const progress: number[] = [];
    caller.on('progress', ({ progress: p }) => progress.push(p.progress));
    const result = expectOk(await caller.call('trigger-long-running-operation', '{"duration":1,"steps":3}', { callId: 'call_1' }));
    expect(result.output).toContain('Long running operation completed');
    // Legacy SSE may deliver the last notification after the result.
    expect(progress.slice(0, 2)).toEqual([1, 2]);
  });

  it('cancels a running call on abort and reports cancelled, not timeout', async () => {
    const { catalog, caller } = session([connect({ label: 'everything', url: server.url })]);
    await catalog.load();
    const abort = new AbortController();
    // The barge-in comes once the operation reports its first step: the server is running it.
    caller.on('progress', () => abort.abort(new Error('barge-in')));
    const result = await caller.call('trigger-long-running-operation', '{"duration":5,"steps":5}', { signal: abort.signal });
    expect(result.code).toBe('cancelled'); // not ok: the 5 s operation did not run to its end
    expect(JSON.parse(result.output)).toMatchObject({ error: { code: 'cancelled' } });
    // The connection is still usable afterwards.
    expectOk(await caller.call('echo', '{"message":"still here"}'));
  });

  it('times out by the per-tool deadline', async () => {
    const { catalog, caller } = session([connect({ label: 'everything', url: server.url, toolTimeoutsMs: { 'trigger-long-running-operation': 300 } })]);
    await catalog.load();
    const result = await caller.call('trigger-long-running-operation', '{"duration":3,"steps":1}');
    expect(result.code).toBe('timeout');
    expect(result.message).toMatch(/^Failed to call tool "trigger-long-running-operation" on MCP server "everything": no answer within 300 ms\. Please/);
  });

  it('refuses invalid arguments with the failing field named, and unknown tools, without an exception', async () => {
    const { catalog, caller } = session([connect({ label: 'everything', url: server.url })]);
    await catalog.load();
    const invalid = await caller.call('get-sum', '{"a":"two","b":40}');
    expect(invalid.code).toBe('invalid_arguments');
    expect(invalid.output).toContain('/a');
    expect(invalid.mcpResult).toBeUndefined();
    const unknown = await caller.call('no_such_tool', '{}');
    expect(unknown.code).toBe('unknown_tool');
  });
});

describe('server-memory', () => {
  let folder: string;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'rmp-memory-'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('works over stdio, with the environment passed explicitly', async () => {
    const connection = createNodeMcpConnection({
      label: 'memory',
      command: process.execPath,
      args: [serverScripts.memory],
      env: { MEMORY_FILE_PATH: join(folder, 'stdio.jsonl'), PATH: process.env.PATH ?? '' },
    });
    const { catalog, caller } = session([connection]);
    await catalog.load();
    expect(connection.transportKind).toBe('stdio');
    expect(catalog.tools.map((t) => t.mcpName)).toEqual(expect.arrayContaining(['create_entities', 'read_graph', 'search_nodes']));
    expectOk(await caller.call('create_entities', JSON.stringify({ entities: [{ name: 'Ada', entityType: 'person', observations: ['likes tea'] }] })));
    const graph = expectOk(await caller.call('read_graph', '{}'));
    expect(JSON.parse(graph.output)).toMatchObject({ entities: [{ name: 'Ada', entityType: 'person', observations: ['likes tea'] }] });
  });
});

describe('server-filesystem over stdio on a temporary folder', () => {
  it('lists files and reads one through the catalog', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'rmp-fs-'));
    cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
    writeFileSync(join(folder, 'note.txt'), 'Remember the milk.\n');
    const connection = createNodeMcpConnection({ label: 'files', command: process.execPath, args: [serverScripts.filesystem, folder] });
    const { catalog, caller } = session([connection]);
    await catalog.load();
    const read = catalog.tools.find((t) => t.mcpName === 'read_text_file');
    expect(read?.annotations).toMatchObject({ readOnlyHint: true });
    const listing = expectOk(await caller.call('list_directory', JSON.stringify({ path: folder })));
    expect(listing.output).toContain('note.txt');
    const text = expectOk(await caller.call('read_text_file', JSON.stringify({ path: join(folder, 'note.txt') })));
    expect(text.output).toContain('Remember the milk.');
    const outside = await caller.call('read_text_file', JSON.stringify({ path: '/etc/hostname' }));
    expect(outside.code).toBe('tool_error');
  });
});

describe('listing cache across sessions', () => {
  it('gives a second session the tools without connecting', async () => {
    const server = await startEverything('streamableHttp');
    cleanups.push(() => server.stop());
    const { ToolListingCache } = await import('../../src/mcp/listingCache.js');
    const cache = new ToolListingCache({ ttlMs: 60_000 });
    const first = connect({ label: 'everything', url: server.url, token: 'secret-token-1' });
    const firstCatalog = new ToolCatalog([first], { cache });
    await firstCatalog.load();
    const second = connect({ label: 'everything', url: server.url, token: 'secret-token-1' });
    const secondCatalog = new ToolCatalog([second], { cache });
    await secondCatalog.load();
    expect(second.state).toBe('idle');
    expect(secondCatalog.tools.map((t) => t.functionName)).toEqual(firstCatalog.tools.map((t) => t.functionName));
    const otherIdentity = connect({ label: 'everything', url: server.url, token: 'secret-token-2' });
    await new ToolCatalog([otherIdentity], { cache }).load();
    expect(otherIdentity.state).toBe('ready');
    await Promise.all([first.close(), second.close(), otherIdentity.close()]);
  });
});
