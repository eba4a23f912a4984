import { describe, expect, it } from 'vitest';
import { fakeTool, FakeMcpConnection } from '../../test/support/fakeMcpConnection.js';
import { ToolCatalog } from '../mcp/catalog.js';
import { resolveToolLimits } from '../mcp/toolLimits.js';
import { hostTool, resolveHostTools } from './hostTools.js';
import { SessionToolSettings, nativeApprovalRules } from './sessionToolSettings.js';

async function fsCatalog() {
  const connection = new FakeMcpConnection({ label: 'fs', url: 'http://127.0.0.1:1/fs' }, [fakeTool('read_file', { annotations: { readOnlyHint: true } }), fakeTool('delete_file')]);
  const catalog = new ToolCatalog([connection], { cache: false });
  await catalog.load();
  return { connection, catalog };
}

describe('SessionToolSettings', () => {
  it('gives the machine each tool\'s rules by function name, current with the catalog, stale names gone', async () => {
    const { connection, catalog } = await fsCatalog();
    const settings = new SessionToolSettings({ approval: { 'fs/delete_file': 'always', 'fs/read_file': 'never' }, bargeIn: { 'fs/delete_file': 'cancel' } });
    expect(settings.update(catalog)).toEqual([]);
    expect(settings.toolInfo()).toEqual(
      new Map([
        ['delete_file', { server: 'fs', tool: 'delete_file', approval: 'always', bargeIn: 'cancel' }],
        ['read_file', { server: 'fs', tool: 'read_file', annotations: { readOnlyHint: true }, approval: 'never' }],
      ]),
    );
    expect(settings.toolInfo().get('constructor')).toBeUndefined();

    connection.tools = [fakeTool('read_file')];
    await catalog.refresh('fs');
    settings.update(catalog);
    expect(settings.toolInfo()).toEqual(new Map([['read_file', { server: 'fs', tool: 'read_file', approval: 'never' }]]));
  });

  it('allows a tool by identity: a catalog entry under an allowed function name but from another server is refused', async () => {
    const { catalog } = await fsCatalog();
    const settings = new SessionToolSettings({ allowedTools: ['fs/read_file'], timeoutsMs: { 'fs/read_file': 700, 'fs/delete_file': 900 } });
    settings.update(catalog);
    const readFile = catalog.find('fs', 'read_file')!;
    expect(settings.allowed(readFile)).toBe(true);
    expect(settings.allowed(catalog.find('fs', 'delete_file')!)).toBe(false);
    expect(settings.allowed({ ...readFile, server: 'elsewhere' })).toBe(false);
    expect([settings.timeoutMs(readFile), settings.timeoutMs(catalog.find('fs', 'delete_file')!)]).toEqual([700, undefined]);
    expect(settings.sessionTools(catalog).map((tool) => tool.name)).toEqual(['read_file']);
    expect(settings.toolInfo()).toEqual(new Map([['read_file', { server: 'fs', tool: 'read_file', annotations: { readOnlyHint: true } }]]));
  });

  it('gives a route the settings of the tool it leads to, when that tool may be called', async () => {
    const { catalog } = await fsCatalog();
    const settings = new SessionToolSettings({ allowedTools: ['fs/delete_file'], approval: { 'fs/delete_file': 'always' } });
    settings.update(catalog);
    const info = settings.toolInfo({ remove: { server: 'fs', tool: 'delete_file' }, peek: { server: 'fs', tool: 'read_file' } });
    expect(info.get('remove')).toEqual({ server: 'fs', tool: 'delete_file', approval: 'always' });
    // read_file is not allowed: its route is not offered either.
    expect(info.has('peek')).toBe(false);
  });

  it('reports each problem once per session', async () => {
    const { catalog } = await fsCatalog();
    const settings = new SessionToolSettings({
      bargeIn: () => {
        throw new Error('host bug');
      },
    });
    expect(settings.unreported(settings.update(catalog))).toHaveLength(2);
    expect(settings.unreported(settings.update(catalog))).toEqual([]);
  });
});

describe('nativeApprovalRules', () => {
  it('takes the keys of native MCP servers apart: OpenAI lists their tools, so they cannot be checked here', () => {
    const { functionTools, nativeTools } = nativeApprovalRules({ 'docs/search': 'always', 'fs/delete_file': 'always', 'docs/__proto__': 'never' }, ['docs']);
    expect(nativeTools).toEqual(new Map([['docs/search', 'always'], ['docs/__proto__', 'never']]));
    expect({ ...(functionTools as object) }).toEqual({ 'fs/delete_file': 'always' });
  });

  it('leaves functions, and settings without native servers, as they are', () => {
    const decide = () => 'always' as const;
    expect(nativeApprovalRules(decide, ['docs']).functionTools).toBe(decide);
    const keyed = { 'fs/a': 'never' } as const;
    expect(nativeApprovalRules(keyed, []).functionTools).toBe(keyed);
  });
});

describe('SessionToolSettings with tool limits', () => {
  const catalogOf = async (names: string[]) => {
    const connection = new FakeMcpConnection({ label: 'big', url: 'http://127.0.0.1:1/big' }, names.map((name) => fakeTool(name)));
    const catalog = new ToolCatalog([connection], { cache: false });
    await catalog.load();
    return { connection, catalog };
  };

  it('leaves out what is past the limit (after the allowlist), refuses it with the reason, and warns once per cut', async () => {
    const { connection, catalog } = await catalogOf(['a', 'b', 'c', 'd', 'e']);
    const settings = new SessionToolSettings({ allowedTools: ['big/a', 'big/c', 'big/d', 'big/e'] }, { maxTools: 2, maxTokens: 16_000 });
    settings.update(catalog);
    expect(settings.sessionTools(catalog).map((tool) => tool.name)).toEqual(['a', 'c']);
    expect([...settings.toolInfo().keys()]).toEqual(['a', 'c']);
    expect(settings.allowed(catalog.find('big', 'd')!)).toBe(false);
    expect(settings.whyUnavailable(catalog.find('big', 'd')!)?.why).toBe('it was left out of session.update by toolLimits.maxTools (2 tools)');
    // Left out by the allowlist, not by the limit: the allowlist's own refusal applies.
    expect(settings.whyUnavailable(catalog.find('big', 'b')!)).toBeUndefined();
    const warning = settings.limitWarning();
    expect(warning).toMatchObject({ code: 'tools_limited', data: { kept: 2, total: 4, leftOut: [{ tool: 'd' }, { tool: 'e' }] } });
    // The same cut again (a catalog change elsewhere): nothing new to say.
    settings.update(catalog);
    expect(settings.limitWarning()).toBeUndefined();
    // A new cut: a new warning; back under the limit: silence, and everything callable.
    connection.tools = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => fakeTool(name));
    await catalog.refresh('big');
    settings.update(catalog);
    expect(settings.limitWarning()).toBeUndefined(); // f is not allowed: the cut is still d, e
    connection.tools = ['a', 'x', 'c', 'd', 'e'].map((name) => fakeTool(name));
    await catalog.refresh('big');
    const relaxed = new SessionToolSettings({}, { maxTools: 10, maxTokens: 16_000 });
    relaxed.update(catalog);
    expect(relaxed.limitWarning()).toBeUndefined();
    expect(relaxed.sessionTools(catalog)).toHaveLength(5);
  });

  it('warns again when a change moves the cut', async () => {
    const { connection, catalog } = await catalogOf(['a', 'b', 'c']);
    const settings = new SessionToolSettings({}, { maxTools: 2, maxTokens: 16_000 });
    settings.update(catalog);
    expect(settings.limitWarning()?.data).toMatchObject({ leftOut: [{ tool: 'c' }] });
    connection.tools = ['a', 'b', 'c', 'd'].map((name) => fakeTool(name));
    await catalog.refresh('big');
    settings.update(catalog);
    expect(settings.limitWarning()?.data).toMatchObject({ kept: 2, total: 4, leftOut: [{ tool: 'c' }, { tool: 'd' }] });
  });
});

describe('SessionToolSettings with host tools', () => {
  const hostTools = (...names: string[]) =>
    resolveHostTools(
      names.map((name, index) => hostTool({ name, parameters: { type: 'object' }, execute: () => undefined, ...(index === 0 ? { approval: 'always' as const, bargeIn: 'cancel' as const } : {}) })),
      { limits: resolveToolLimits(undefined) },
    );

  it('offers host tools first with their own rules; allowedTools and the MCP settings do not touch them', async () => {
    const { catalog } = await fsCatalog();
    const settings = new SessionToolSettings({ allowedTools: ['fs/read_file'], approval: { 'fs/read_file': 'never' } }, undefined, hostTools('lights', 'notes'));
    expect(settings.update(catalog)).toEqual([]);
    expect(settings.sessionTools(catalog).map((tool) => tool.name)).toEqual(['lights', 'notes', 'read_file']);
    const info = settings.toolInfo();
    expect(info.get('lights')).toEqual({ approval: 'always', bargeIn: 'cancel' });
    expect(info.get('notes')).toEqual({});
    expect(info.get('read_file')).toMatchObject({ server: 'fs', approval: 'never' });
  });

  it('counts host tools first against the limits: only MCP tools are left out, and the warning names them', async () => {
    const connection = new FakeMcpConnection({ label: 'big', url: 'http://127.0.0.1:1/big' }, ['a', 'b', 'c'].map((name) => fakeTool(name)));
    const catalog = new ToolCatalog([connection], { cache: false });
    await catalog.load();
    const settings = new SessionToolSettings({}, { maxTools: 3, maxTokens: 16_000 }, hostTools('h1', 'h2'));
    settings.update(catalog);
    expect(settings.sessionTools(catalog).map((tool) => tool.name)).toEqual(['h1', 'h2', 'a']);
    expect(settings.limitWarning()).toMatchObject({ code: 'tools_limited', data: { kept: 3, total: 5, servers: [{ server: 'big', kept: 1, total: 3 }], leftOut: [{ tool: 'b' }, { tool: 'c' }] } });
  });
});
