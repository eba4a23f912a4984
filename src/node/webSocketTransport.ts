import { isAzureHost } from '../protocol/realtimeUrl.js';
import type { RealtimeTransport } from '../protocol/transport.js';
import { createWebSocketTransport, type WebSocketTransportOptions } from '../protocol/websocketTransport.js';
import { createNodeWebSocket } from './webSocketFactory.js';

/**
 * A Realtime WebSocket transport for Node: `ws` underneath, the key in an `Authorization: Bearer`
 * header (an `api-key` header for Azure OpenAI hosts).
 *
 * @example
 * import { createNodeWebSocketTransport } from 'realtime-mcp-proxy/node';
 * const transport = createNodeWebSocketTransport({ apiKey: process.env.OPENAI_API_KEY });
 * transport.on('event', (event) => console.log(event.type));
 * await transport.connect();
 */
export function createNodeWebSocketTransport(options: WebSocketTransportOptions = {}): RealtimeTransport {
  const azure = options.url !== undefined && isAzureHost(options.url);
  return createWebSocketTransport({
    createWebSocket: createNodeWebSocket,
    authentication: azure ? 'api-key' : 'bearer',
    ...options,
  });
}
