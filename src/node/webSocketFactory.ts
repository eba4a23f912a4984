import WebSocket from 'ws';
import type { WebSocketFactory, WebSocketLike } from '../protocol/websocketTransport.js';

/**
 * A WebSocketFactory on the `ws` package: Node 20 has no global WebSocket, and a browser-style
 * WebSocket could not send the `Authorization` header anyway.
 */
export const createNodeWebSocket: WebSocketFactory = (url, init) =>
  new WebSocket(url, init.protocols, { headers: init.headers, perMessageDeflate: false }) as unknown as WebSocketLike;
