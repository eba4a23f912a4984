/**
 * The proxy for Node: the Realtime WebSocket on `ws` (Authorization: Bearer) and MCP servers that
 * may be spawned over stdio.
 */
import { createRealtimeMcpProxy, type RealtimeMcpProxy } from '../proxy/createRealtimeMcpProxy.js';
import type { RealtimeMcpProxyOptions } from '../proxy/options.js';
import { createStdioTransportFactory } from './mcpConnection.js';
import { createNodeWebSocketTransport } from './webSocketTransport.js';

export function createNodeRealtimeMcpProxy(options: RealtimeMcpProxyOptions): RealtimeMcpProxy {
  const transport =
    options.transport ?? createNodeWebSocketTransport({ ...(options.url ? { url: options.url } : {}), ...(options.apiKey ? { apiKey: options.apiKey } : {}) });
  return createRealtimeMcpProxy({ ...options, transport, mcp: { stdioTransport: createStdioTransportFactory(), ...options.mcp } });
}
