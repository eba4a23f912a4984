// The Node entry (`realtime-mcp-proxy/node`): everything the browser-safe root cannot hold. Every export here is public API.

/* Realtime WebSocket on `ws` */
export { createNodeWebSocket } from './webSocketFactory.js';
export { createNodeWebSocketTransport } from './webSocketTransport.js';

/* MCP servers over stdio */
export { createNodeMcpConnection, createStdioTransportFactory } from './mcpConnection.js';

/* The proxy, wired for Node */
export { createNodeRealtimeMcpProxy } from './realtimeMcpProxy.js';
