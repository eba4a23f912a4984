/**
 * The ways client events reach a simulated session and server events leave it: a WebSocket (a
 * session of its own, or a sideband attached to a call) or the `oai-events` data channel of a
 * WebRTC call. A session may be served by several at once; each event it sends goes to all of them.
 */
import type { RawData, WebSocket } from 'ws';
import type { SimulatorPeer } from './peer.js';

/** `websocket`: a session's own socket (`?model=`); `sideband`: a socket attached by `?call_id=`; `datachannel`: a WebRTC call's `oai-events`. */
export type ChannelKind = 'websocket' | 'sideband' | 'datachannel';

export interface SimulatorChannel {
  readonly kind: ChannelKind;
  /** Unique within the simulator, e.g. `websocket-0`, `sideband-3`, `datachannel-rtc_…`. */
  readonly id: string;
  isOpen(): boolean;
  send(text: string): void;
  /** Closes from the server side (a data channel ignores the code: the peer connection closes). */
  close(code: number, reason: string): void;
  onMessage(listener: (data: string | Buffer, isBinary: boolean) => void): void;
  onClose(listener: (code: number, reason: string) => void): void;
}

/** A `ws` socket as a channel. */
export function webSocketChannel(ws: WebSocket, kind: 'websocket' | 'sideband', id: string, log: (line: string) => void): SimulatorChannel {
  ws.on('error', (error) => log(`${id}: socket error: ${error.message}`)); // ws closes the socket itself
  return {
    kind,
    id,
    isOpen: () => ws.readyState === ws.OPEN,
    send: (text) => {
      if (ws.readyState === ws.OPEN) ws.send(text);
    },
    close: (code, reason) => {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
    },
    onMessage: (listener) => {
      ws.on('message', (data: RawData, isBinary: boolean) => {
        listener(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer), isBinary);
      });
    },
    onClose: (listener) => {
      ws.on('close', (code, reason) => listener(code, reason.toString()));
    },
  };
}

/** The data channel of a peer whose `channelOpen` resolved. It closes with the peer connection. */
export function peerChannel(peer: SimulatorPeer, id: string, log: (line: string) => void): SimulatorChannel {
  let open = true;
  const closeListeners: Array<(code: number, reason: string) => void> = [];
  const closed = (code: number, reason: string): void => {
    if (!open) return;
    open = false;
    for (const listener of closeListeners) listener(code, reason);
  };
  peer.onClose(() => closed(1000, 'the peer connection closed'));
  return {
    kind: 'datachannel',
    id,
    isOpen: () => open,
    send: (text) => {
      if (!open) return;
      try {
        peer.sendEvent(text);
      } catch (error) {
        log(`${id}: send failed: ${(error as Error).message}`);
      }
    },
    close: (code, reason) => {
      closed(code, reason);
      peer.close().catch((error: unknown) => log(`${id}: closing the peer failed: ${(error as Error).message}`));
    },
    onMessage: (listener) => {
      peer.onClientEvent((text) => listener(text, false));
    },
    onClose: (listener) => {
      closeListeners.push(listener);
    },
  };
}
