import { describe, expect, it } from 'vitest';
import { fakeTool, FakeMcpConnection } from '../../test/support/fakeMcpConnection.js';
import { ToolCatalog } from '../mcp/catalog.js';
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
