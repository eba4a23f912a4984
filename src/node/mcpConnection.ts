/**
 * MCP connections that may spawn a local server over stdio: the SDK's stdio transport needs
 * node:child_process, so it lives behind `realtime-mcp-proxy/node`.
 */
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpConnection, type McpConnectionOptions } from '../mcp/connection.js';
import type { StdioTransportFactory } from '../mcp/transports.js';
import type { McpServerConfig } from '../mcp/types.js';

/** Spawns `config.command` with `config.args`; the child's stderr is dropped unless `stderr` says otherwise. */
export function createStdioTransportFactory(options: { stderr?: 'ignore' | 'inherit' } = {}): StdioTransportFactory {
  return (config: McpServerConfig) =>
    new StdioClientTransport({
      command: config.command!,
      args: [...(config.args ?? [])],
      // Without env the SDK passes only a safe allow-list (HOME, PATH, …), never the proxy's secrets.
      ...(config.env ? { env: config.env } : {}),
      ...(config.cwd ? { cwd: config.cwd } : {}),
      stderr: options.stderr ?? 'ignore',
    });
}

export function createNodeMcpConnection(config: McpServerConfig, options: McpConnectionOptions = {}): McpConnection {
  return new McpConnection(config, { stdioTransport: createStdioTransportFactory(), ...options });
}
