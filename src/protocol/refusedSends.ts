/**
 * Sends the strict encoder refused. Such a send is the proxy breaking its own wire contract (it
 * tried to send an event the Realtime API would not take), and nothing goes out: a test, a replay
 * or a recording that saw one must fail instead of passing, or of keeping the silence as the
 * expected behaviour. The proxy reports the refusal as an `error`; this keeps the event with it.
 */
import type { ProxyError } from '../errors.js';
import { encodeClientEvent } from './codec.js';
import type { ClientEvent } from './generated/types.js';
import type { RealtimeTransport } from './transport.js';

export interface RefusedSend {
  readonly event: ClientEvent;
  readonly error: ProxyError;
}

/**
 * The same transport, but `onRefused` hears every send the encoder refuses (a send refused only
 * because the connection is not open is not one of them: that event was valid).
 */
export function watchRefusedSends(transport: RealtimeTransport, onRefused: (refused: RefusedSend) => void): RealtimeTransport {
  return {
    get state() {
      return transport.state;
    },
    connect: () => transport.connect(),
    send(event) {
      const result = transport.send(event);
      if (!result.ok && !encodeClientEvent(event).ok) onRefused({ event, error: result.error });
      return result;
    },
    close: (code, reason) => transport.close(code, reason),
    on: (name, listener) => transport.on(name, listener),
  };
}

/** One line for a failure message: why the encoder refused, and the event the proxy tried to send. */
export function describeRefusedSend({ event, error }: RefusedSend): string {
  let text: string;
  try {
    text = JSON.stringify(event) ?? String(event);
  } catch {
    // The refusal itself may be that the event is not JSON (a BigInt, a cycle).
    text = String((event as { type?: unknown } | null)?.type ?? event);
  }
  return `${error.message} The refused event: ${text.length > 600 ? `${text.slice(0, 597)}…` : text}`;
}
