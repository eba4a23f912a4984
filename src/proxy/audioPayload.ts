/**
 * The host's audio as `input_audio_buffer.append` carries it: base64 text, checked (bytes or text,
 * never empty, whole samples, under the API's 15 MiB per append), and the size of audio the proxy
 * has heard in base64 without decoding it. Browser-safe: `btoa`, no Buffer.
 */
import { base64ByteLength } from '../base64.js';

/** The most one `input_audio_buffer.append` may carry, as base64 text (realtime-protocol.md §8). */
export const MAX_APPEND_BASE64_CHARS = 15 * 1024 * 1024;

/** What `sendAudio` takes: PCM16 bytes (an Int16Array, a Uint8Array, a Buffer, an ArrayBuffer…) or their base64. */
export type AudioInput = ArrayBuffer | ArrayBufferView | string;

export type AudioPayload = { ok: true; base64: string; bytes: number } | { ok: false; why: string; fix: string };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const CHUNK = 0x8000;

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

function isArrayBuffer(value: unknown): value is ArrayBuffer {
  return value instanceof ArrayBuffer || Object.prototype.toString.call(value) === '[object ArrayBuffer]';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? `an object (${Object.prototype.toString.call(value).slice(8, -1)})` : `a ${typeof value}`;
}

/**
 * The base64 of `audio`, or why it cannot be sent. `wholeSamples`: the session's input is PCM16
 * (the default), so a byte count must be even; G.711 (`audio/pcmu`, `audio/pcma`) has 1-byte samples.
 */
export function audioPayload(audio: unknown, wholeSamples: boolean): AudioPayload {
  let base64: string;
  let bytes: number;
  if (typeof audio === 'string') {
    if (audio.length > MAX_APPEND_BASE64_CHARS) return tooLarge(audio.length);
    if (audio.length % 4 !== 0 || !BASE64.test(audio)) {
      return { ok: false, why: audio.length === 0 ? 'the text is empty' : 'the text is not base64 (A–Z, a–z, 0–9, +, /, padded with = to a multiple of 4 characters)', fix: 'pass the PCM16 bytes, or their standard base64' };
    }
    base64 = audio;
    bytes = base64ByteLength(audio);
  } else if (ArrayBuffer.isView(audio) || isArrayBuffer(audio)) {
    if (audio instanceof Float32Array || audio instanceof Float64Array) {
      return { ok: false, why: 'it is floating-point samples (a Float32Array from Web Audio?)', fix: 'convert them to 16-bit PCM (an Int16Array: each sample × 32767, clamped)' };
    }
    const view = isArrayBuffer(audio) ? new Uint8Array(audio) : new Uint8Array(audio.buffer, audio.byteOffset, audio.byteLength);
    if (Math.ceil(view.byteLength / 3) * 4 > MAX_APPEND_BASE64_CHARS) return tooLarge(Math.ceil(view.byteLength / 3) * 4);
    base64 = bytesToBase64(view);
    bytes = view.byteLength;
  } else {
    return { ok: false, why: `it is ${describe(audio)}`, fix: 'pass PCM16 bytes (an ArrayBuffer, an Int16Array, a Uint8Array) or their base64 text' };
  }
  if (bytes === 0) return { ok: false, why: 'it holds no audio', fix: 'send audio chunks of 20–100 ms, and nothing when there is none' };
  if (wholeSamples && bytes % 2 !== 0) return { ok: false, why: `it is ${bytes} bytes, not whole 16-bit samples`, fix: 'send an even number of bytes (keep the odd byte for the next chunk)' };
  return { ok: true, base64, bytes };
}

function tooLarge(chars: number): AudioPayload {
  const mib = (chars / (1024 * 1024)).toFixed(1);
  return { ok: false, why: `it is ${mib} MiB as base64, over the 15 MiB the API takes in one append`, fix: 'send it in smaller chunks (20–100 ms each is usual)' };
}
