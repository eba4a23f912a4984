import { Redactor } from '../redaction/index.js';
import { describe, expect, it, vi } from 'vitest';
import type { Logger } from '../logger.js';
import { fakeTool, FakeMcpConnection } from '../../test/support/fakeMcpConnection.js';
import { ToolCatalog, type ToolCatalogDiff } from './catalog.js';
import { ToolListingCache } from './listingCache.js';
import { FUNCTION_NAME_PATTERN } from './names.js';

describe('ToolCatalog', () => {
  it('scrubs the server\'s known secrets from what it lists (descriptions and schemas reach the model)', async () => {
    const connection = Object.assign(
      new FakeMcpConnection({ label: 'srv', url: 'http://127.0.0.1:1/mcp' }, [
        fakeTool('whoami', { description: 'Calls the API as Bearer LISTING-TOKEN-1.', inputSchema: { type: 'object', properties: { key: { type: 'string', default: 'LISTING-TOKEN-1' } } } }),
      ]),
      { redactor: new Redactor().add('LISTING-TOKEN-1') },
    );
    const catalog = new ToolCatalog([connection], { cache: false });
    await catalog.load();
    const text = JSON.stringify([catalog.tools, catalog.functionTools()]);
    expect(text).not.toContain('LISTING-TOKEN-1');
    expect(catalog.tools[0]!.description).toBe('Calls the API as Bearer <redacted>.');
  });

  it('names tools for Realtime, keeps schemas and annotations, and exposes function tools', async () => {
    const weather = new FakeMcpConnection({ label: 'weather', url: 'http://127.0.0.1:1/mcp' }, [
      fakeTool('get.forecast', { inputSchema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, annotations: { readOnlyHint: true } }),
      fakeTool('x'.repeat(100)),
    ]);
    const catalog = new ToolCatalog([weather], { cache: false });
    await catalog.load();
    const [forecast, long] = catalog.tools;
    expect(forecast).toMatchObject({ server: 'weather', mcpName: 'get.forecast', functionName: 'get_forecast', annotations: { readOnlyHint: true } });
    expect(forecast!.parameters).toEqual({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] });
    expect(forecast!.inputSchema).toHaveProperty('$schema');
    expect(long!.functionName).toMatch(FUNCTION_NAME_PATTERN);
    expect(catalog.functionTools()[0]).toEqual({ type: 'function', name: 'get_forecast', description: 'does get.forecast', parameters: forecast!.parameters });
    expect(catalog.byFunctionName('get_forecast')).toBe(forecast);
  });

  it('does not rename a server\'s tools when another server is added: names two servers share get a hash suffix', async () => {
    const a = new FakeMcpConnection({ label: 'a', url: 'http://127.0.0.1:1/a' }, [fakeTool('search'), fakeTool('delete_file')]);
    const alone = new ToolCatalog([a], { cache: false });
    await alone.load();
    const b = new FakeMcpConnection({ label: 'b', url: 'http://127.0.0.1:1/b' }, [fakeTool('search')]);
    const both = new ToolCatalog([a, b], { cache: false });
    await both.load();
    expect(both.find('a', 'delete_file')!.functionName).toBe(alone.find('a', 'delete_file')!.functionName);
    expect(both.find('a', 'delete_file')!.functionName).toBe('delete_file');
    const searches = [both.find('a', 'search')!.functionName, both.find('b', 'search')!.functionName];
    expect(new Set(searches).size).toBe(2);
    expect(searches.every((name) => /^search_[0-9a-z]{6}$/.test(name))).toBe(true);
  });

  it('prefixes every name with the server label when asked', async () => {
    const a = new FakeMcpConnection({ label: 'a', url: 'http://127.0.0.1:1/a' }, [fakeTool('search')]);
    const b = new FakeMcpConnection({ label: 'b', url: 'http://127.0.0.1:1/b' }, [fakeTool('search'), fakeTool('lookup')]);
    const catalog = new ToolCatalog([a, b], { cache: false, prefix: true });
    await catalog.load();
    expect(catalog.tools.map((t) => t.functionName).sort()).toEqual(['a__search', 'b__lookup', 'b__search']);
  });

  it('never gives an MCP tool a reserved (host tool) name: that tool gets the collision suffix', async () => {
    const connection = new FakeMcpConnection({ label: 'fs', url: 'http://127.0.0.1:1/fs' }, [fakeTool('lookup'), fakeTool('read')]);
    const catalog = new ToolCatalog([connection], { cache: false, reservedNames: new Set(['lookup']) });
    await catalog.load();
    expect(catalog.byFunctionName('lookup')).toBeUndefined();
    expect(catalog.find('fs', 'lookup')!.functionName).toMatch(/^lookup_[0-9a-z]{6}$/);
    expect(catalog.find('fs', 'read')!.functionName).toBe('read');
  });

  it('knows its servers and what each listed, including tools it left out, and nothing for a server that failed', async () => {
    const a = new FakeMcpConnection({ label: 'a', url: 'http://127.0.0.1:1/a', allowedTools: ['kept'] }, [fakeTool('kept'), fakeTool('hidden')]);
    const down = new FakeMcpConnection({ label: 'down', url: 'http://127.0.0.1:1/b' }, []);
    down.failWith = new Error('connect ECONNREFUSED');
    const catalog = new ToolCatalog([a, down], { cache: false });
    catalog.on('error', () => undefined);
    await catalog.load();
    expect(catalog.servers).toEqual(['a', 'down']);
    expect(catalog.listedTools('a')?.map((t) => t.name)).toEqual(['kept', 'hidden']);
    expect(catalog.listedTools('down')).toBeUndefined();
  });

  it('drops tools outside allowedTools, task-only tools and schemas Realtime cannot take, with a logged reason', async () => {
    const logger: Logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const connection = new FakeMcpConnection({ label: 's', url: 'http://127.0.0.1:1/mcp', allowedTools: ['keep', 'tasky', 'stringy'] }, [
      fakeTool('keep'),
      fakeTool('hidden'),
      fakeTool('tasky', { execution: { taskSupport: 'required' } }),
      fakeTool('stringy', { inputSchema: { type: 'string' } as never }),
    ]);
    const catalog = new ToolCatalog([connection], { cache: false, logger });
    const dropped: string[] = [];
    catalog.on('dropped', (d) => dropped.push(d.tool));
    await catalog.load();
    expect(catalog.tools.map((t) => t.mcpName)).toEqual(['keep']);
    expect(catalog.dropped.map((d) => [d.tool, d.reason])).toEqual([
      ['hidden', 'it is not in allowedTools'],
      ['tasky', expect.stringContaining('taskSupport "required"')],
      ['stringy', expect.stringMatching(/^Failed to /)],
    ]);
    expect(dropped).toEqual(['hidden', 'tasky', 'stringy']);
    expect(logger.info).toHaveBeenCalledTimes(3);
  });

  it('accepts an allowedTools predicate', async () => {
    const connection = new FakeMcpConnection({ label: 's', url: 'http://127.0.0.1:1/mcp', allowedTools: (t) => t.annotations?.readOnlyHint === true }, [
      fakeTool('read', { annotations: { readOnlyHint: true } }),
      fakeTool('write'),
    ]);
    const catalog = new ToolCatalog([connection], { cache: false });
    await catalog.load();
    expect(catalog.tools.map((t) => t.mcpName)).toEqual(['read']);
  });

  it('leaves a tool out when the allowedTools predicate throws on it, and lists the rest', async () => {
    const connection = new FakeMcpConnection(
      {
        label: 's',
        url: 'http://127.0.0.1:1/mcp',
        allowedTools: (t) => {
          if (t.name === 'cursed') throw new TypeError('host bug');
          return true;
        },
      },
      [fakeTool('fine'), fakeTool('cursed')],
    );
    const catalog = new ToolCatalog([connection], { cache: false });
    await catalog.load();
    expect(catalog.tools.map((t) => t.mcpName)).toEqual(['fine']);
    expect(catalog.dropped).toEqual([{ server: 's', tool: 'cursed', reason: expect.stringContaining('threw TypeError') }]);
  });

  it('follows list_changed: lists again and emits added, removed and changed', async () => {
    const connection = new FakeMcpConnection({ label: 's', url: 'http://127.0.0.1:1/mcp' }, [fakeTool('a'), fakeTool('b'), fakeTool('c')]);
    const catalog = new ToolCatalog([connection], { cache: false });
    await catalog.load();
    const diffs: ToolCatalogDiff[] = [];
    catalog.on('changed', (diff) => diffs.push(diff));
    connection.tools = [fakeTool('a'), fakeTool('b', { description: 'new words' }), fakeTool('d')];
    connection.emit('toolsChanged');
    await vi.waitFor(() => expect(diffs).toHaveLength(1));
    const names = (list: Array<{ mcpName: string }>) => list.map((t) => t.mcpName);
    expect([names(diffs[0]!.added), names(diffs[0]!.removed), names(diffs[0]!.changed)]).toEqual([['d'], ['c'], ['b']]);
    expect(catalog.byFunctionName('b')?.description).toBe('new words');
    // Nothing changed → no event.
    connection.emit('toolsChanged');
    await vi.waitFor(() => expect(connection.listings).toBe(3));
    expect(diffs).toHaveLength(1);
  });

  it('coalesces a storm of list_changed: one listing in flight and one queued, so 500 notices give 2 listings and 1 changed', async () => {
    const connection = new FakeMcpConnection({ label: 's', url: 'http://127.0.0.1:1/mcp' }, [fakeTool('a')]);
    const catalog = new ToolCatalog([connection], { cache: false });
    await catalog.load();
    const diffs: ToolCatalogDiff[] = [];
    catalog.on('changed', (diff) => diffs.push(diff));
    connection.tools = [fakeTool('a'), fakeTool('b')];
    for (let notice = 0; notice < 500; notice++) connection.emit('toolsChanged');
    await catalog.settled();
    expect(connection.listings - 1).toBe(2);
    expect(diffs.map((diff) => diff.added.map((tool) => tool.mcpName))).toEqual([['b']]);
  });

  it('never loses a change that arrives while a listing is running: the queued listing sees it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const connection = new (class extends FakeMcpConnection {
      override async listTools() {
        const tools = this.tools;
        this.listings++;
        if (this.listings === 2) await gate; // the first refresh hangs until the test lets it go
        return tools;
      }
    })({ label: 's', url: 'http://127.0.0.1:1/mcp' }, [fakeTool('a')]);
    const catalog = new ToolCatalog([connection], { cache: false });
    await catalog.load();
    connection.tools = [fakeTool('a'), fakeTool('b')];
    connection.emit('toolsChanged');
    await vi.waitFor(() => expect(connection.listings).toBe(2));
    connection.tools = [fakeTool('a'), fakeTool('b'), fakeTool('c')];
    connection.emit('toolsChanged');
    connection.emit('toolsChanged');
    release();
    await catalog.settled();
    expect(connection.listings).toBe(3);
    expect(catalog.tools.map((tool) => tool.mcpName)).toEqual(['a', 'b', 'c']);
  });

  it('lists again after a re-initialized session', async () => {
    const connection = new FakeMcpConnection({ label: 's', url: 'http://127.0.0.1:1/mcp' }, [fakeTool('a')]);
    const catalog = new ToolCatalog([connection], { cache: false });
    await catalog.load();
    connection.emit('reinitialized', 'the session expired (HTTP 404)');
    await vi.waitFor(() => expect(connection.listings).toBe(2));
  });

  it('takes fresh listings from the cache, and list_changed bypasses and refreshes it', async () => {
    const cache = new ToolListingCache();
    const config = { label: 's', url: 'http://127.0.0.1:1/mcp' };
    const first = new FakeMcpConnection(config, [fakeTool('a')]);
    await new ToolCatalog([first], { cache }).load();
    const second = new FakeMcpConnection(config, [fakeTool('changed')]);
    const catalog = new ToolCatalog([second], { cache });
    await catalog.load();
    expect([second.listings, catalog.tools.map((t) => t.mcpName)]).toEqual([0, ['a']]);
    second.emit('toolsChanged');
    await vi.waitFor(() => expect(catalog.tools.map((t) => t.mcpName)).toEqual(['changed']));
    const third = new FakeMcpConnection(config, []);
    const later = new ToolCatalog([third], { cache });
    await later.load();
    expect(later.tools.map((t) => t.mcpName)).toEqual(['changed']);
  });

  it('leaves a failing server out and reports it, while the others load', async () => {
    const broken = new FakeMcpConnection({ label: 'broken', url: 'http://127.0.0.1:1/x' }, []);
    broken.failWith = new Error('connect ECONNREFUSED');
    const fine = new FakeMcpConnection({ label: 'fine', url: 'http://127.0.0.1:1/y' }, [fakeTool('ok')]);
    const catalog = new ToolCatalog([broken, fine], { cache: false });
    const errors: string[] = [];
    catalog.on('error', (e) => errors.push(e.message));
    await catalog.load();
    expect(catalog.tools.map((t) => t.mcpName)).toEqual(['ok']);
    expect(errors).toEqual([expect.stringMatching(/^Failed to list the tools of MCP server "broken": connect ECONNREFUSED\. Please/)]);
  });

  describe('order: configured servers, then each server\'s listing order, whatever order the listings finish in', () => {
    /** A server whose listings wait until the test releases them, one release per listing. */
    class GatedConnection extends FakeMcpConnection {
      readonly #waiting: Array<() => void> = [];
      override async listTools() {
        const tools = this.tools;
        this.listings++;
        if (this.failWith) throw this.failWith;
        await new Promise<void>((resolve) => this.#waiting.push(resolve));
        return tools;
      }
      async release(): Promise<void> {
        await vi.waitFor(() => expect(this.#waiting.length).toBeGreaterThan(0));
        this.#waiting.shift()!();
      }
    }
    const servers = () => [
      new GatedConnection({ label: 'first', url: 'http://127.0.0.1:1/a' }, [fakeTool('zeta'), fakeTool('alpha')]),
      new GatedConnection({ label: 'second', url: 'http://127.0.0.1:1/b' }, [fakeTool('mid'), fakeTool('search')]),
      new GatedConnection({ label: 'third', url: 'http://127.0.0.1:1/c' }, [fakeTool('search'), fakeTool('beta')]),
    ];
    /** Loads a catalog, letting the servers answer in `answerOrder`; returns its tools and the order they were listed in. */
    async function loadInOrder(answerOrder: number[]) {
      const connections = servers();
      const catalog = new ToolCatalog(connections, { cache: false });
      const listed: string[] = [];
      catalog.on('changed', (diff) => listed.push(diff.server));
      const loading = catalog.load();
      for (const index of answerOrder) {
        await connections[index]!.release();
        await vi.waitFor(() => expect(listed).toContain(connections[index]!.label));
      }
      await loading;
      return { catalog, connections, listed, tools: catalog.functionTools() };
    }

    it('gives the same tools array when the first server answers last and when it answers first', async () => {
      const slowFirst = await loadInOrder([2, 1, 0]);
      const fastFirst = await loadInOrder([0, 1, 2]);
      expect(slowFirst.listed).toEqual(['third', 'second', 'first']);
      expect(fastFirst.listed).toEqual(['first', 'second', 'third']);
      expect(slowFirst.tools).toEqual(fastFirst.tools);
      expect(slowFirst.catalog.tools.map((tool) => `${tool.server}/${tool.mcpName}`)).toEqual([
        'first/zeta',
        'first/alpha',
        'second/mid',
        'second/search',
        'third/search',
        'third/beta',
      ]);
    });

    it('keeps a re-listed server in its configured place (list_changed, reconnect)', async () => {
      const { catalog, connections } = await loadInOrder([0, 1, 2]);
      const before = catalog.tools.map((tool) => tool.server);
      connections[0]!.tools = [fakeTool('zeta'), fakeTool('alpha'), fakeTool('omega')];
      connections[0]!.emit('toolsChanged');
      await connections[0]!.release();
      await catalog.settled();
      connections[1]!.emit('reinitialized', 'the session expired');
      await connections[1]!.release();
      await catalog.settled();
      expect(before).toEqual(['first', 'first', 'second', 'second', 'third', 'third']);
      expect(catalog.tools.map((tool) => `${tool.server}/${tool.mcpName}`)).toEqual([
        'first/zeta',
        'first/alpha',
        'first/omega',
        'second/mid',
        'second/search',
        'third/search',
        'third/beta',
      ]);
    });

    it('puts a server that failed its first listing in its configured place once it lists', async () => {
      const connections = servers();
      connections[0]!.failWith = new Error('connect ECONNREFUSED');
      const catalog = new ToolCatalog(connections, { cache: false });
      catalog.on('error', () => undefined);
      const loading = catalog.load();
      await connections[1]!.release();
      await connections[2]!.release();
      await loading;
      expect(catalog.tools.map((tool) => tool.server)).toEqual(['second', 'second', 'third', 'third']);
      connections[0]!.failWith = undefined;
      connections[0]!.emit('reinitialized', 'the server is back');
      await connections[0]!.release();
      await catalog.settled();
      expect(catalog.tools.map((tool) => tool.server)).toEqual(['first', 'first', 'second', 'second', 'third', 'third']);
    });

    it('names clashing tools the same whichever server answered first', async () => {
      const slowFirst = await loadInOrder([2, 0, 1]);
      const fastFirst = await loadInOrder([1, 0, 2]);
      const names = (catalog: ToolCatalog) => [catalog.find('second', 'search')!.functionName, catalog.find('third', 'search')!.functionName];
      expect(names(slowFirst.catalog)).toEqual(names(fastFirst.catalog));
      expect(new Set(names(slowFirst.catalog)).size).toBe(2);
    });
  });

  it('stops following changes when closed', async () => {
    const connection = new FakeMcpConnection({ label: 's', url: 'http://127.0.0.1:1/mcp' }, [fakeTool('a')]);
    const catalog = new ToolCatalog([connection], { cache: false });
    await catalog.load();
    catalog.close();
    connection.emit('toolsChanged');
    await new Promise((done) => setTimeout(done, 10));
    expect(connection.listings).toBe(1);
  });
});
