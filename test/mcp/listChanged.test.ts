/**
 * A storm of `notifications/tools/list_changed` from a real MCP server over Streamable HTTP (the
 * mock, on 127.0.0.1, sending on the session's standalone GET stream) costs the catalog at most two
 * `tools/list` and two `changed` events, and the change it announced still gets through.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startMockMcpServer, type MockMcpServer } from '../../harness/mock-mcp/index.js';
import { ToolCatalog, type ToolCatalogDiff } from '../../src/mcp/catalog.js';
import { McpConnection } from '../../src/mcp/connection.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const STORM = 500;
const toolsListRequests = (mock: MockMcpServer) => mock.requests.filter((request) => request.rpcMethods.includes('tools/list')).length;

describe('list_changed storm against a real server', () => {
  it(`${STORM} notices after a real change: at most 2 tools/list and 2 changed, and the new tool is in the catalog`, async () => {
    const mock = await startMockMcpServer({ tools: [{ name: 'lookup' }] });
    cleanups.push(() => mock.close());
    const connection = new McpConnection({ label: 'storm', url: mock.url }, { transportMemory: new Map() });
    cleanups.push(() => connection.close());
    const catalog = new ToolCatalog([connection], { cache: false });
    cleanups.push(() => catalog.close());
    await catalog.load();
    // The notices go out on the standalone GET stream: wait until the client has it open.
    await vi.waitFor(() => expect(mock.requests.some((request) => request.method === 'GET' && request.status === 200)).toBe(true));
    let heard = 0;
    connection.on('toolsChanged', () => heard++);
    const diffs: ToolCatalogDiff[] = [];
    catalog.on('changed', (diff) => diffs.push(diff));
    const listedBefore = toolsListRequests(mock);

    await mock.setTools([{ name: 'lookup' }, { name: 'added' }]); // one notice
    await Promise.all(Array.from({ length: STORM - 1 }, () => mock.notifyToolsChanged()));
    await vi.waitFor(() => expect(heard).toBe(STORM));
    await catalog.settled();

    expect(toolsListRequests(mock) - listedBefore).toBeGreaterThanOrEqual(1);
    expect(toolsListRequests(mock) - listedBefore).toBeLessThanOrEqual(2);
    expect(diffs.length).toBeLessThanOrEqual(2);
    expect(diffs.flatMap((diff) => diff.added.map((tool) => tool.mcpName))).toEqual(['added']);
    expect(catalog.tools.map((tool) => tool.mcpName).sort()).toEqual(['added', 'lookup']);
  });
});
