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

  it('says why a refused tool is unavailable when whyUnavailable knows (a tool limit), and falls back to the allowlist when it throws', async () => {
    const catalog = await catalogOf();
    const lookup = catalog.find('a', 'lookup')!;
    const router = createToolRouter(catalog, {
      routes: { look: { server: 'a', tool: 'lookup' } },
      allowed: () => false,
      whyUnavailable: (tool) => {
        if (tool.mcpName === 'lookup') return { why: 'a limit left it out', please: 'raise the limit' };
        throw new Error('host bug');
      },
    });
    const message = (name: string) => {
      const result = router.route(name);
      return result.ok ? 'ok' : `${result.code}: ${result.message}`;
    };
    expect(message(lookup.functionName)).toBe('not_allowed: Failed to call function "lookup": tool "lookup" on MCP server "a": a limit left it out. Please raise the limit.');
    expect(message('look')).toBe('not_allowed: Failed to call function "look": it routes to tool "lookup" on MCP server "a", and a limit left it out. Please raise the limit.');
    expect(message(catalog.find('a', 'search')!.functionName)).toMatch(/is not in allowedTools\. Please add "a\/search" to allowedTools/);
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

  it('refuses a tool outside the allowlist with not_allowed, whether named by the catalog or by a route; unknown names stay unknown_tool', async () => {
    const catalog = await catalogOf();
    const router = createToolRouter(catalog, {
      routes: { find: { server: 'b', tool: 'search' }, seek: { server: 'a', tool: 'search' } },
      allowed: (tool) => tool.server === 'a' && tool.mcpName === 'search',
    });
    const outcome = (name: string) => {
      const result = router.route(name);
      return result.ok ? `${result.tool.server}/${result.tool.mcpName}` : result.code;
    };
    expect(outcome(catalog.find('a', 'search')!.functionName)).toBe('a/search');
    expect(outcome('seek')).toBe('a/search');
    expect(outcome(catalog.find('a', 'lookup')!.functionName)).toBe('not_allowed');
    expect(outcome(catalog.find('b', 'search')!.functionName)).toBe('not_allowed');
    expect(outcome('find')).toBe('not_allowed');
    expect(outcome('nothing')).toBe('unknown_tool');
    const refused = router.route('find');
    expect(refused).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^Failed to call function "find": it routes to tool "search" on MCP server "b", which is not in allowedTools\. Please .*"b\/search".*\.$/),
      modelMessage: 'The tool "find" is not available. Use one of the tools you were given.',
    });
  });

  it('fails closed when the allowlist predicate throws', async () => {
    const catalog = await catalogOf();
    const router = createToolRouter(catalog, {
      allowed: () => {
        throw new Error('host bug');
      },
    });
    const result = router.route(catalog.find('a', 'lookup')!.functionName);
    expect(result).toMatchObject({ ok: false, code: 'not_allowed', message: expect.stringContaining('the allowlist threw') });
  });
});
