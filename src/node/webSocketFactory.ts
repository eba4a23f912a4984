import WebSocket from 'ws';
import type { WebSocketFactory, WebSocketLike } from '../protocol/websocketTransport.js';

/**
 * A WebSocketFactory on the `ws` package: Node 20 has no global WebSocket, and a browser-style
 * WebSocket could not send the `Authorization` header anyway.
 *
 * Events are delivered one per task, as browsers do (see taskPerEvent): the MCP request a function
 * call starts in promise continuations then leaves before the proxy decodes the
 * `conversation.item.done` and `response.done` the server sends right behind its
 * `response.output_item.done` in the same socket read.
 */
export const createNodeWebSocket: WebSocketFactory = (url, init) => {
  const socket = new WebSocket(url, init.protocols, { headers: init.headers, perMessageDeflate: false });
  const deliver = taskPerEvent();
  return {
    get readyState() {
      return socket.readyState;
    },
    send: (data) => socket.send(data),
    close: (code, reason) => socket.close(code, reason),
    addEventListener: (type: 'open' | 'message' | 'close' | 'error', listener: (event: never) => void) =>
      socket.addEventListener(type, (event: unknown) => deliver(() => listener(event as never))),
  } as WebSocketLike;
};

/**
 * Runs each delivery in its own task, in order: the first at once, the next ones each after the
 * event loop has turned (setImmediate), so that the promise continuations and I/O a delivery
 * started run before the next one. `ws` emits every frame of one read synchronously; its own
 * `allowSynchronousEvents: false` defers every frame, the first one too, which costs the common
 * case of a lone frame a loop turn (about 0.1 ms in bench:toolcall).
 */
export function taskPerEvent(): (delivery: () => void) => void {
  const queue: Array<() => void> = [];
  let gateClosed = false;
  const next = () => {
    const delivery = queue.shift();
    if (delivery === undefined) {
      gateClosed = false;
      return;
    }
    setImmediate(next);
    delivery();
  };
  return (delivery) => {
    if (gateClosed) {
      queue.push(delivery);
      return;
    }
    gateClosed = true;
    setImmediate(next);
    delivery();
  };
}
