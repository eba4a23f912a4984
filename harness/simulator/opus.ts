/**
 * Opus at 48 kHz mono for the simulator's WebRTC peer, from `opusscript` (libopus compiled to
 * wasm): werift carries RTP but has no codec. Loaded lazily (`lazyImport`): the simulator's
 * WebSocket mode never compiles the wasm, and the CLI bundle does not contain it.
 */
import { setFlagsFromString } from 'node:v8';
import { lazyImport } from './lazyImport.js';

export const OPUS_SAMPLE_RATE = 48_000;
/** 20 ms at 48 kHz: the frame the peer sends and the one browsers send by default. */
export const OPUS_FRAME_SAMPLES = 960;

export interface OpusEncoder {
  /** Exactly `OPUS_FRAME_SAMPLES` samples of PCM16 → one Opus packet. */
  encode(frame: Int16Array): Buffer;
  close(): void;
}

export interface OpusDecoder {
  /** One Opus packet → its PCM16 samples; throws on a packet libopus refuses. */
  decode(packet: Uint8Array): Int16Array;
  close(): void;
}

export interface OpusCodecs {
  createEncoder(): OpusEncoder;
  createDecoder(): OpusDecoder;
}

// opusscript's bound on one packet (1275 bytes × 3): a longer payload would overrun its input buffer.
const MAX_PACKET_BYTES = 3828;

let loading: Promise<OpusCodecs> | undefined;

/** The codec factory; the wasm module is compiled once per process. */
export function loadOpus(): Promise<OpusCodecs> {
  loading ??= load();
  return loading;
}

async function load(): Promise<OpusCodecs> {
  // Measured on Node 20.20: a process that ended on its own while V8 was still re-compiling the
  // hot libopus functions in the background (wasm dynamic tiering) hung at exit on a futex, about
  // one run in two. Baseline (Liftoff) code is fast enough for 50 frames a second each way.
  setFlagsFromString('--no-wasm-dynamic-tiering');
  const { default: OpusScript } = await lazyImport<{ default: typeof import('opusscript') }>('opusscript');
  const application = OpusScript.Application.AUDIO;
  return {
    createEncoder() {
      const codec = new OpusScript(OPUS_SAMPLE_RATE, 1, application);
      let closed = false;
      return {
        encode(frame) {
          if (frame.length !== OPUS_FRAME_SAMPLES) {
            throw new RangeError(`an Opus frame holds ${OPUS_FRAME_SAMPLES} samples, not ${frame.length}`);
          }
          return codec.encode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), OPUS_FRAME_SAMPLES);
        },
        close() {
          if (!closed) codec.delete();
          closed = true;
        },
      };
    },
    createDecoder() {
      const codec = new OpusScript(OPUS_SAMPLE_RATE, 1, application);
      let closed = false;
      return {
        decode(packet) {
          if (packet.length === 0 || packet.length > MAX_PACKET_BYTES) {
            throw new RangeError(`an Opus packet of ${packet.length} bytes`);
          }
          const pcm = codec.decode(Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength));
          // A fresh copy: opusscript's Buffer may not be aligned for an Int16Array view.
          const samples = new Int16Array(pcm.length >> 1);
          for (let i = 0; i < samples.length; i++) samples[i] = pcm.readInt16LE(i * 2);
          return samples;
        },
        close() {
          if (!closed) codec.delete();
          closed = true;
        },
      };
    },
  };
}
