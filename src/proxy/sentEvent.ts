/**
 * A client event as the host hears it in `realtime.sent`: redacted with the session's redactor (the
 * same registry the recording and the logs consult), and an audio append's base64 replaced by its
 * size (audio never travels through events to the host: a second of it is ~64 KB).
 */
import { base64ByteLength } from '../base64.js';
import type { ClientEvent } from '../protocol/generated/types.js';
import type { Redactor } from '../redaction/index.js';

export function sentEventForHost(event: ClientEvent, redactor: Redactor): ClientEvent {
  const elided: ClientEvent =
    event.type === 'input_audio_buffer.append' && typeof event.audio === 'string' ? { ...event, audio: `<${base64ByteLength(event.audio)} bytes elided>` } : event;
  // A copy: the event may share arrays with the session machine's context (the tools of a
  // session.update), which a listener must not be able to change.
  return structuredClone(redactor.value(elided));
}
