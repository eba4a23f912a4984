/**
 * What a connection refused by its server says (a real mock MCP server on 127.0.0.1 that requires a
 * bearer token): with credentials configured, that they were refused; with none, that none are
 * configured and how to give them, rather than "check the credentials" there is no way to check.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startMockMcpServer, type MockMcpServer } from '../../harness/mock-mcp/index.js';
import { ProxyError } from '../errors.js';
import { McpConnection } from './connection.js';
import type { McpServerConfig } from './types.js';

let mock: MockMcpServer | undefined;
const opened: McpConnection[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((connection) => connection.close()));
  await mock?.close();
  mock = undefined;
});

async function refusal(config: Omit<McpServerConfig, 'label'>): Promise<ProxyError> {
  const connection = new McpConnection({ label: 'notes', transport: 'streamable-http', ...config }, { transportMemory: new Map() });
  opened.push(connection);
  return connection.connect().then(
    () => expect.fail('connect() resolved'),
    (error: unknown) => error as ProxyError,
  );
}

describe('a connection the server refuses', () => {
  it('with no credentials configured: says none are, and how to give them', async () => {
    mock = await startMockMcpServer({ requireBearer: 'needed-token-0123456789', tools: [{ name: 'echo' }] });
    const error = await refusal({ url: mock.url });
    expect(error.code).toBe('mcp_connect_failed');
    expect(error.message).toBe(
      `Failed to connect to MCP server "notes" at ${mock.url}: the server asks for credentials (HTTP 401), and none are configured for it. Please give them: the server's "token" or "headers" option (CLI: --mcp-token notes=ENV_VAR, or "tokenEnv" or "headers" for it in the config file).`,
    );
  });

  it('with a token, a header or URL credentials: says they were refused', async () => {
    mock = await startMockMcpServer({ requireBearer: 'needed-token-0123456789', tools: [{ name: 'echo' }] });
    for (const config of [{ url: mock.url, token: 'wrong-token-0123456789' }, { url: mock.url, headers: { 'X-Api-Key': 'wrong-key-0123456789' } }, { url: `${mock.url}?api_key=wrong-key-0123456789` }]) {
      const error = await refusal(config);
      expect(error.message).toMatch(/: the server refused our credentials \(HTTP 401\)\. Please check the credentials \(expired, revoked, or for another server\?\)\.$/);
      expect(error.message).not.toContain('wrong-');
    }
  });
});
