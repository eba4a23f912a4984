/**
 * WAV in, 24 kHz PCM16 mono out: what the rehearsal model's speech synthesizer (`speech.ts`) needs
 * to turn `espeak-ng --stdout` (22,050 Hz PCM16 mono, streamed with placeholder sizes) into the
 * Realtime API's output format.
 */

export interface Pcm16 {
  readonly sampleRate: number;
  /** Mono samples (several channels are averaged). */
  readonly samples: Int16Array;
}

/**
 * Parses a PCM16 WAV file. A streaming writer (espeak-ng to a pipe) cannot seek back to fill in the
 * sizes, so a `data` chunk that claims more bytes than there are is read to the end of the buffer.
 * Throws an `Error` saying what is wrong for anything but 16-bit integer PCM.
 */
export function parseWav(bytes: Uint8Array): Pcm16 {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a WAV file (no RIFF/WAVE header)');
  let format: { channels: number; sampleRate: number } | undefined;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) throw new Error('a truncated fmt chunk');
      const encoding = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const sampleRate = view.getUint32(body + 4, true);
      const bits = view.getUint16(body + 14, true);
      if (encoding !== 1 || bits !== 16) throw new Error(`unsupported encoding ${encoding} with ${bits} bits (only 16-bit PCM)`);
      if (channels < 1 || sampleRate < 1000) throw new Error(`implausible format: ${channels} channels at ${sampleRate} Hz`);
      format = { channels, sampleRate };
    } else if (id === 'data') {
      if (!format) throw new Error('a data chunk before the fmt chunk');
      const end = Math.min(bytes.length, body + size);
      const frames = Math.floor((end - body) / (2 * format.channels));
      const samples = new Int16Array(frames);
      for (let frame = 0; frame < frames; frame++) {
        let sum = 0;
        for (let channel = 0; channel < format.channels; channel++) sum += view.getInt16(body + 2 * (frame * format.channels + channel), true);
        samples[frame] = Math.round(sum / format.channels);
      }
      return { sampleRate: format.sampleRate, samples };
    }
    at = body + size + (size % 2); // chunks are padded to even sizes
  }
  throw new Error('no data chunk');
}

/** Resamples PCM16 by linear interpolation (speech from a synthesizer: no need for a better filter). */
export function resamplePcm16(samples: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate || samples.length === 0) return samples.slice();
  const length = Math.max(1, Math.round((samples.length * toRate) / fromRate));
  const out = new Int16Array(length);
  const step = fromRate / toRate;
  for (let i = 0; i < length; i++) {
    const position = i * step;
    const left = Math.min(samples.length - 1, Math.floor(position));
    const right = Math.min(samples.length - 1, left + 1);
    const fraction = position - left;
    out[i] = Math.round((samples[left] as number) * (1 - fraction) + (samples[right] as number) * fraction);
  }
  return out;
}

/** PCM16 little-endian bytes (the Realtime API's `audio/pcm`). */
export function pcm16Bytes(samples: Int16Array): Buffer {
  const bytes = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) bytes.writeInt16LE(samples[i] as number, i * 2);
  return bytes;
}

/** A WAV file of PCM16 mono samples (for tests and for a caller that wants to listen). */
export function wavBytes(samples: Int16Array, sampleRate: number): Buffer {
  const data = pcm16Bytes(samples);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}
