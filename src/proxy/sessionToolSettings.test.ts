import { describe, expect, it } from 'vitest';
import { fakeTool, FakeMcpConnection } from '../../test/support/fakeMcpConnection.js';
import { ToolCatalog } from '../mcp/catalog.js';
import { SessionToolSettings } from './sessionToolSettings.js';

async function fsCatalog() {
  const connection = new FakeMcpConnection({ label: 'fs', url: 'http://127.0.0.1:1/fs' }, [fakeTool('read_file', { annotations: { readOnlyHint: true } }), fakeTool('delete_file')]);
  const catalog = new ToolCatalog([connection], { cache: false });
  await catalog.load();
  return { connection, catalog };
}

describe('SessionToolSettings', () => {
  it('refills the machine records in place as the catalog changes: same objects, no prototype, stale names gone', async () => {
    const { connection, catalog } = await fsCatalog();
    const settings = new SessionToolSettings({ approval: { 'fs/delete_file': 'always', 'fs/read_file': 'never' }, bargeIn: { 'fs/delete_file': 'cancel' } });
    const { approvalByFunctionName: approval, bargeInByFunctionName: bargeIn } = settings;
    expect(settings.update(catalog)).toEqual([]);
    expect(Object.getPrototypeOf(approval)).toBeNull();
    expect({ ...approval }).toEqual({ delete_file: 'always', read_file: 'never' });
    expect({ ...bargeIn }).toEqual({ delete_file: 'cancel' });
    expect(approval['constructor' as never]).toBeUndefined();

    connection.tools = [fakeTool('read_file')];
    await catalog.refresh('fs');
    settings.update(catalog);
    expect(settings.approvalByFunctionName).toBe(approval);
    expect({ ...approval }).toEqual({ read_file: 'never' });
    expect({ ...bargeIn }).toEqual({});
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
    expect(Object.getPrototypeOf(settings.toolInfo())).toBeNull();
    expect({ ...settings.toolInfo() }).toEqual({ read_file: { server: 'fs', tool: 'read_file', annotations: { readOnlyHint: true } } });
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
