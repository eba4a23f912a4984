/**
 * Test helpers for the mock's own tests: start servers and connect real SDK clients, and close
 * everything afterwards.
 */
import { Client, type ClientOptions } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { MockMcpConfig } from './config.js';
import { startMockMcpServer, type MockMcpServer } from './server.js';

export interface Harness {
  start(config: MockMcpConfig): Promise<MockMcpServer>;
  connect(server: MockMcpServer, options?: ConnectOptions): Promise<ConnectedClient>;
  /** Closes every client, then every server. */
  cleanup(): Promise<void>;
}

export interface ConnectOptions {
  headers?: Record<string, string>;
  clientOptions?: ClientOptions;
}

export interface ConnectedClient {
  client: Client;
  transport: StreamableHTTPClientTransport | SSEClientTransport;
  /** Everything client.onerror received. */
  errors: Error[];
}

export function createHarness(): Harness {
  const servers: MockMcpServer[] = [];
  const clients: Client[] = [];
  return {
    async start(config) {
      const server = await startMockMcpServer(config);
      servers.push(server);
      return server;
    },
    async connect(server, options = {}) {
      const client = new Client({ name: 'mock-mcp-test', version: '0.0.0' }, options.clientOptions);
      const errors: Error[] = [];
      client.onerror = (error) => errors.push(error);
      const requestInit = options.headers ? { headers: options.headers } : undefined;
      const url = new URL(server.url);
      const transport = server.mode === 'sse' ? new SSEClientTransport(url, { requestInit }) : new StreamableHTTPClientTransport(url, { requestInit });
      clients.push(client);
      await client.connect(transport);
      return { client, transport, errors };
    },
    async cleanup() {
      await Promise.all(clients.splice(0).map((client) => client.close().catch(() => undefined)));
      await Promise.all(servers.splice(0).map((server) => server.close()));
    },
  };
}

/** tools/list, every page. */
export async function listAllTools(client: Client): Promise<{ tools: Tool[]; pages: number }> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await client.listTools(cursor === undefined ? undefined : { cursor });
    tools.push(...page.tools);
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor !== undefined);
  return { tools, pages };
}

/** Rejects with what the promise rejected with, or fails if it resolved. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected a rejection, but the promise resolved.');
}
