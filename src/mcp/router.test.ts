import { describe, expect, it } from 'vitest';
import { fakeTool, FakeMcpConnection } from '../../test/support/fakeMcpConnection.js';
import { ToolCatalog } from './catalog.js';
import { createToolRouter } from './router.js';

describe('createToolRouter', () => {
  async function catalogOf() {
    const a = new FakeMcpConnection({ label: 'a', url: 'http://127.0.0.1:1/a' }, [fakeTool('search'), fakeTool('lookup')]);
    const b = new FakeMcpConnection({ label: 'b', url: 'http://127.0.0.1:1/b' }, [fakeTool('search')]);
    const catalog = new ToolCatalog([a, b], { cache: false });
    await catalog.load();
    return catalog;
  }

  it('routes catalog names, static routes and a resolve function', async () => {
    const catalog = await catalogOf();
    const router = createToolRouter(catalog, {
      routes: { find: { server: 'b', tool: 'search' } },
      resolve: (name) => (name === 'look' ? { server: 'a', tool: 'lookup' } : undefined),
    });
    const route = (name: string) => {
      const result = router.route(name);
      return result.ok ? `${result.tool.server}/${result.tool.mcpName}` : result.code;
    };
    expect(route(catalog.find('a', 'search')!.functionName)).toBe('a/search');
    expect(route('find')).toBe('b/search');
    expect(route('look')).toBe('a/lookup');
    expect(route('nothing')).toBe('unknown_tool');
    expect(route('toString')).toBe('unknown_tool');
  });

  it('answers unknown names, routes to missing tools and throwing resolvers with a typed result', async () => {
    const catalog = await catalogOf();
    const router = createToolRouter(catalog, {
      routes: { gone: { server: 'a', tool: 'deleted' } },
      resolve: (name) => {
        if (name === 'boom') throw new Error('resolver bug');
        return undefined;
      },
    });
    for (const name of ['gone', 'boom', 'unheard_of']) {
      const result = router.route(name);
      expect(result).toMatchObject({ ok: false, code: 'unknown_tool' });
      if (!result.ok) {
        expect(result.message).toMatch(new RegExp(`^Failed to route function "${name}": .*Please`));
        expect(result.modelMessage).toContain(name);
      }
    }
  });
});
