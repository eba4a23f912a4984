/**
 * Native MCP mode: `{ type: 'mcp', … }` session tools, so OpenAI calls the MCP server itself (for
 * `session.update` or a `client_secrets` request). The proxy then only follows the calls and
 * answers approval requests. Only remote URLs work here: OpenAI must reach the server.
 */
import { ProxyError } from '../errors.js';
import type { McpServerConfig } from '../mcp/types.js';
import type { McpTool } from '../protocol/generated/types.js';

export interface NativeMcpOptions {
  /** Which calls OpenAI asks approval for. Default `always` (the answer comes from the proxy's approval policy and host). */
  requireApproval?: 'always' | 'never';
}

export function nativeMcpTools(servers: readonly McpServerConfig[], options: NativeMcpOptions = {}): McpTool[] {
  return servers.map((server) => {
    if (server.url === undefined) {
      throw new ProxyError('invalid_options', `Failed to build a native MCP tool for "${server.label}": it has no url (OpenAI cannot spawn a local command). Please give it an https URL, or use it through the proxy.`);
    }
    if (typeof server.token === 'function' || server.authProvider) {
      throw new ProxyError('invalid_options', `Failed to build a native MCP tool for "${server.label}": OpenAI needs a fixed token. Please pass a string token, or use the server through the proxy.`);
    }
    return {
      type: 'mcp',
      server_label: server.label,
      server_url: server.url,
      ...(typeof server.token === 'string' ? { authorization: server.token } : {}),
      ...(server.headers ? { headers: { ...server.headers } } : {}),
      ...(Array.isArray(server.allowedTools) ? { allowed_tools: [...server.allowedTools] } : {}),
      require_approval: options.requireApproval ?? 'always',
    };
  });
}
