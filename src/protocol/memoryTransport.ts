/**
 * A Realtime transport in memory, for replays and tests: the other side is code, not a socket.
 * It behaves like the WebSocket transport from the proxy's point of view: server frames are
 * decoded (beta names upgraded), client events validated and encoded, `frame` listeners see
 * both directions as text, and it closes once.
 */
import { Emitter } from '../emitter.js';
import { ProxyError } from '../errors.js';
import { emitServerFrame, encodeOutbound } from './transportFrames.js';
import type { ClientEvent } from './generated/types.js';
import type { RealtimeTransport, RealtimeTransportEventMap, SendResult, TransportCloseInfo, TransportState } from './transport.js';

export interface MemoryTransport extends RealtimeTransport {
  /** The server side: delivers one frame (text, or an object sent as JSON) to the proxy. */
  deliver(frame: string | object): void;
  /** The server side closes the connection. */
  serverClose(code?: number, reason?: string): void;
  /** Every client event sent, as the JSON text that would have gone on the wire. */
  readonly sent: readonly string[];
  /** Called with each client event sent (after validation and encoding). */
  onSend(listener: (text: string, event: ClientEvent) => void): () => void;
}

export function createMemoryTransport(): MemoryTransport {
  const emitter = new Emitter<RealtimeTransportEventMap>();
  const sendListeners = new Set<(text: string, event: ClientEvent) => void>();
  const sent: string[] = [];
  let state: TransportState = 'idle';
  let resolveClosed!: (info: TransportCloseInfo) => void;
  const closed = new Promise<TransportCloseInfo>((resolve) => (resolveClosed = resolve));

  const end = (info: TransportCloseInfo) => {
    if (state === 'closed') return;
    state = 'closed';
    resolveClosed(info);
    emitter.emit('close', info);
  };

  return {
    get state() {
      return state;
    },
    sent,
    async connect() {
      if (state !== 'idle') throw new ProxyError('not_open', `Failed to connect: this transport is ${state}. Please create a new transport for a new session.`);
      state = 'open';
      emitter.emit('open');
    },
    send(event: ClientEvent): SendResult {
      if (state !== 'open') return { ok: false, error: new ProxyError('not_open', `Failed to send "${String((event as { type?: unknown })?.type)}": the transport is ${state}. Please wait for connect() to resolve, and do not send after close.`) };
      const encoded = encodeOutbound(event);
      if (!encoded.ok) return encoded;
      sent.push(encoded.text);
      emitter.emit('frame', 'out', encoded.text);
      for (const listener of sendListeners) listener(encoded.text, event);
      return { ok: true };
    },
    close(code = 1000, reason = '') {
      end({ code, reason, wasClean: true });
      return closed;
    },
    on: (event, listener) => emitter.on(event, listener),
    deliver(frame) {
      if (state !== 'open') throw new ProxyError('not_open', `Failed to deliver a frame: the transport is ${state}. Please deliver frames between connect() and close.`);
      // An object is decoded as it is (no text round trip); frame listeners still get text.
      if (emitter.hasListeners('frame')) emitter.emit('frame', 'in', typeof frame === 'string' ? frame : JSON.stringify(frame));
      emitServerFrame(emitter, frame);
    },
    serverClose(code = 1000, reason = '') {
      end({ code, reason, wasClean: true });
    },
    onSend(listener) {
      sendListeners.add(listener);
      return () => void sendListeners.delete(listener);
    },
  };
}
