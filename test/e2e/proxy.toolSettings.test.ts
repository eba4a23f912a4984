/**
 * Per-tool settings end to end: keyed by MCP identity ("server/tool"), enforced when a call arrives
 * (not only in what `session.update` offers), unchanged when a second server joins, and refused at
 * start when a key names nothing. The mock MCP server's call log shows what really ran.
 */
import { describe, expect, it } from 'vitest';
import type { MockTool } from '../../harness/mock-mcp/index.js';
import { ProxyError } from '../../src/errors.js';
import { mapToolNames } from '../../src/mcp/names.js';
import { lookup, mockConfig, stuck } from './mockTools.js';
import { errorOf, startE2E, toolNames, useE2E } from './support.js';

useE2E();

const textArg = { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] };
const deleteEverything: MockTool = { name: 'delete_everything', description: 'Deletes everything.', inputSchema: textArg, annotations: { destructiveHint: true } };
const deleteFile: MockTool = { name: 'delete_file', description: 'Deletes a file.', inputSchema: textArg, annotations: { destructiveHint: true } };

const calls = (...names: string[]) => [{ user: 'Go.' }, { callTools: names.map((name) => ({ name, arguments: { text: 'x' } })), reply: 'Done: {outputs}' }];

describe('allowedTools is enforced when a call arrives', () => {
  it('a real tool left out, named directly or through a route, gets a not_allowed output and never reaches the server', async () => {
    const e2e = await startE2E({
      mock: mockConfig([lookup, deleteEverything]),
      proxy: { allowedTools: ['mock/lookup'], routes: { wipe: { server: 'mock', tool: 'delete_everything' } } },
      script: calls('delete_everything', 'wipe', 'lookup'),
    });
    expect(await e2e.sim.done).toMatchObject({ ok: true });
    await e2e.quiesce();
    expect(toolNames(e2e.sessionUpdates()[0]!)).toEqual(['lookup']);
    expect(e2e.mock!.callLog.map((call) => call.tool)).toEqual(['lookup']);
    const byName = new Map(e2e.calls().map((call) => [call.name, errorOf(e2e.outputFor(call.call_id))]));
    expect(byName.get('delete_everything')).toEqual({ code: 'not_allowed', message: 'The tool "delete_everything" is not available. Use one of the tools you were given.' });
    expect(byName.get('wipe')?.code).toBe('not_allowed');
    expect(byName.get('lookup')).toBeUndefined();
    expect(e2e.results().filter((result) => result.code === 'not_allowed').map((result) => result.message)).toEqual([
      'Failed to call function "delete_everything": tool "delete_everything" on MCP server "mock" is not in allowedTools. Please add "mock/delete_everything" to allowedTools if the model may call it.',
      'Failed to call function "wipe": it routes to tool "delete_everything" on MCP server "mock", which is not in allowedTools. Please add "mock/delete_everything" to allowedTools if the model may call it.',
    ]);
  });

  it('a predicate allowlist is enforced the same way', async () => {
    const e2e = await startE2E({
      mock: mockConfig([lookup, deleteEverything]),
      proxy: { allowedTools: (tool) => tool.annotations?.readOnlyHint === true },
      script: calls('delete_everything'),
    });
    expect(await e2e.sim.done).toMatchObject({ ok: true });
    await e2e.quiesce();
    expect(errorOf(e2e.outputs()[0]?.output)?.code).toBe('not_allowed');
    expect(e2e.mock!.callLog).toEqual([]);
  });
});

describe('per-tool settings by "server/tool"', () => {
  it('approval.tools still asks for the destructive tool when a second server offers a tool of the same name (default mode never)', async () => {
    // The same mock under a second label: two servers offering delete_file, so both get hashed names.
    const names = mapToolNames(['mock', 'other'].flatMap((server) => [deleteFile, lookup].map((tool) => ({ server, tool: tool.name }))));
    const guarded = names.functionName('mock', 'delete_file')!;
    const unguarded = names.functionName('other', 'delete_file')!;
    expect(guarded).not.toBe('delete_file');
    const e2e = await startE2E({
      mock: mockConfig([deleteFile, lookup]),
      mockAliases: [{ label: 'other' }],
      proxy: { approval: { tools: { 'mock/delete_file': 'always' }, onRequest: () => ({ approved: false, reason: 'not today' }) } },
      script: calls(guarded, unguarded),
    });
    expect(await e2e.sim.done).toMatchObject({ ok: true });
    await e2e.quiesce();
    expect(e2e.eventsOf('approval.requested').map((request) => [request.functionName, request.server, request.tool])).toEqual([[guarded, 'mock', 'delete_file']]);
    const byName = new Map(e2e.calls().map((call) => [call.name, e2e.outputFor(call.call_id)]));
    expect(errorOf(byName.get(guarded))?.code).toBe('denied');
    expect(byName.get(unguarded)).toBe('{"text":"x"}');
    expect(e2e.mock!.callLog.map((call) => call.tool)).toEqual(['delete_file']); // only the unguarded one ran
  });

  it('timeouts.tools gives the tool its own deadline', async () => {
    const e2e = await startE2E({ mock: mockConfig([stuck]), proxy: { timeouts: { tools: { 'mock/stuck': 200 } } }, script: calls('stuck') });
    expect(await e2e.sim.done).toMatchObject({ ok: true });
    await e2e.quiesce();
    expect(errorOf(e2e.outputs()[0]?.output)?.code).toBe('timeout');
    expect(e2e.results()[0]?.message).toContain('200 ms');
  });

  it('with prefixToolNames the names carry the label, and the keys stay the same', async () => {
    const e2e = await startE2E({
      mock: mockConfig([lookup, deleteFile]),
      proxy: { prefixToolNames: true, allowedTools: ['mock/lookup'] },
      script: calls('mock__lookup', 'mock__delete_file'),
    });
    expect(await e2e.sim.done).toMatchObject({ ok: true });
    await e2e.quiesce();
    expect(toolNames(e2e.sessionUpdates()[0]!)).toEqual(['mock__lookup']);
    expect(e2e.mock!.callLog.map((call) => call.tool)).toEqual(['lookup']);
  });
});

describe('keys that name nothing', () => {
  it('start() rejects with invalid_options naming the key and offering real ones (a function name is not a key)', async () => {
    const error = await startE2E({
      mock: mockConfig([deleteFile, lookup]),
      proxy: { approval: { tools: { delete_file: 'always' } } },
      script: [{ user: 'Hello?' }],
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ProxyError.isInstance(error) && error.code).toBe('invalid_options');
    expect((error as Error).message).toBe('Failed to configure approval.tools: "delete_file" names no server. Please write it as "mock/delete_file".');
  });

  it('a key for a server that failed to list is an error event, not fatal', async () => {
    const e2e = await startE2E({
      mock: mockConfig([lookup]),
      proxy: { servers: [{ label: 'down', url: 'http://127.0.0.1:9/mcp' }], approval: { tools: { 'down/erase': 'always' } } },
      script: [{ user: 'Hello?' }],
    });
    expect(e2e.errors.map((error) => error.message)).toContain(
      'Failed to check approval.tools: MCP server "down" did not list its tools, so "down/erase" cannot be checked. Please check the server; the setting applies to that tool once it is listed.',
    );
  });
});
