import type { ProxyError } from '../errors.js';
import type { DecodedServerEvent } from './codec.js';
import type { Dialect } from './dialects.js';
import type { ClientEvent } from './generated/types.js';

export type TransportState = 'idle' | 'connecting' | 'open' | 'closing' | 'closed';

export interface TransportCloseInfo {
  /** The WebSocket close code (1000 normal, 1006 abnormal, …). */
  readonly code: number;
  readonly reason: string;
  /** True when the closing handshake completed. */
  readonly wasClean: boolean;
}

export interface InboundEventMeta {
  /** The `type` as it came over the wire (before beta names were mapped to GA). */
  readonly wireType: string;
  readonly dialect: Dialect;
}

export type FrameDirection = 'in' | 'out';

export interface RealtimeTransportEventMap {
  [event: string]: unknown[];
  open: [];
  /** A decoded, validated server event (or an UnknownServerEvent for a type this version does not know). */
  event: [event: DecodedServerEvent, meta: InboundEventMeta];
  /** Every frame as text, both directions, before decoding and after encoding: for recorders and consoles. */
  frame: [direction: FrameDirection, text: string];
  /** A frame that failed to decode, a socket error, a listener that threw. The connection stays up. */
  error: [error: ProxyError];
  /** The connection ended. There is no reconnect: the Realtime API cannot resume a session. */
  close: [info: TransportCloseInfo];
}

export type SendResult = { readonly ok: true } | { readonly ok: false; readonly error: ProxyError };

/**
 * A connection to a Realtime session. WebSocket is one implementation; WebRTC data channels and
 * in-memory transports (tests, replay) are others.
 */
export interface RealtimeTransport {
  readonly state: TransportState;
  /**
   * Where the session's audio travels. `events` (the default when absent): base64 inside events
   * (`input_audio_buffer.append`, `response.output_audio.delta`), as over a WebSocket. `media`: on
   * media tracks (WebRTC) or a phone leg (SIP; a sideband sees neither), where the server owns the
   * output buffer: audio cannot be appended, and an interruption clears the buffer rather than
   * truncating an item.
   */
  readonly audio?: 'events' | 'media';
  /** Opens the connection. Rejects with a ProxyError (`connect_failed`, `invalid_options`, `not_open`). */
  connect(): Promise<void>;
  /** Validates and sends one client event. An invalid event is never sent: the result says why. */
  send(event: ClientEvent): SendResult;
  /** Closes the connection; resolves with how it ended. */
  close(code?: number, reason?: string): Promise<TransportCloseInfo>;
  /** Adds a listener; returns a function that removes it. */
  on<E extends keyof RealtimeTransportEventMap>(event: E, listener: (...args: RealtimeTransportEventMap[E]) => void): () => void;
}
