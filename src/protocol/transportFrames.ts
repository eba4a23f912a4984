/** What every transport does with a frame: decode it into an event (or an error), encode an event to send. */
import type { Emitter } from '../emitter.js';
import { ProxyError } from '../errors.js';
import { decodeServerEvent, encodeClientEvent, type CodecInput } from './codec.js';
import type { ClientEvent } from './generated/types.js';
import type { RealtimeTransportEventMap } from './transport.js';

/**
 * One frame as a socket or a data channel delivers it (text, or bytes: an ArrayBuffer or a view):
 * `frame` listeners get it as text, then it is decoded like any other. Anything else (a Blob) is
 * decoded as its string form and fails as `invalid_json`, the connection kept.
 */
export function emitInboundFrame(emitter: Emitter<RealtimeTransportEventMap>, data: unknown): void {
  const frame = typeof data === 'string' ? data : data instanceof ArrayBuffer || ArrayBuffer.isView(data) ? data : String(data);
  if (emitter.hasListeners('frame')) emitter.emit('frame', 'in', typeof frame === 'string' ? frame : new TextDecoder().decode(frame));
  emitServerFrame(emitter, frame);
}

/** Decodes one server frame and emits it as an `event`, or as an `error` when it does not decode (the connection stays). */
export function emitServerFrame(emitter: Emitter<RealtimeTransportEventMap>, frame: CodecInput): void {
  const result = decodeServerEvent(frame);
  if (result.ok) emitter.emit('event', result.event, { wireType: result.wireType, dialect: result.dialect });
  else emitter.emit('error', new ProxyError(result.error.code, result.error.message, { data: result.error }));
}

/** The wire text of a client event, validated strictly; an invalid one never reaches the wire. */
export function encodeOutbound(event: ClientEvent): { ok: true; text: string } | { ok: false; error: ProxyError } {
  const encoded = encodeClientEvent(event);
  return encoded.ok ? { ok: true, text: encoded.text } : { ok: false, error: new ProxyError(encoded.error.code, encoded.error.message, { data: encoded.error }) };
}
