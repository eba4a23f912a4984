/**
 * The rehearsal model's voice: 24 kHz PCM16 mono for a reply's text. `espeak-ng` (GPL, so only ever
 * run as a separate program: `execFile`, the text an argument, no shell, a time limit) when it is
 * installed; otherwise, or when it fails, two short 880 Hz beeps, plainly not speech. Results are
 * cached per text (a rehearsal repeats the same few replies).
 */
import { execFile } from 'node:child_process';
import { parseWav, resamplePcm16 } from './wav.js';

/** `auto`: espeak-ng when it works, else the beeps; `espeak`: espeak-ng is required (checked at start); `tone`: always the beeps. */
export type SpeechMode = 'auto' | 'espeak' | 'tone';

export interface SpeechSynthesizerOptions {
  /** Default `auto`. */
  speech?: SpeechMode;
  /** The espeak-ng program (default `espeak-ng` on the PATH): tests point it at a missing path. */
  command?: string;
  /** The longest one synthesis may take (default 5000 ms); then the beeps. */
  timeoutMs?: number;
  log?(line: string): void;
}

export interface SynthesizedSpeech {
  /** 24 kHz PCM16 mono. Shared by every caller of the same text: do not change it. */
  readonly pcm: Int16Array;
  readonly source: 'espeak' | 'tone';
}

export interface SpeechSynthesizer {
  readonly mode: SpeechMode;
  /** Never rejects: a failure of espeak-ng gives the beeps (and a log line). */
  synthesize(text: string): Promise<SynthesizedSpeech>;
}

export const SPEECH_SAMPLE_RATE = 24_000;
/** Cached texts (the oldest goes first). */
const CACHE_SIZE = 64;
/** espeak-ng speaks about 15 characters a second: a reply is a few hundred characters at most. */
const MAX_TEXT_LENGTH = 600;
const MAX_WAV_BYTES = 16 * 1024 * 1024;

export function createSpeechSynthesizer(options: SpeechSynthesizerOptions = {}): SpeechSynthesizer {
  const mode = options.speech ?? 'auto';
  const command = options.command ?? 'espeak-ng';
  const timeoutMs = options.timeoutMs ?? 5000;
  const cache = new Map<string, Promise<SynthesizedSpeech>>();
  const tone: SynthesizedSpeech = { pcm: beeps(), source: 'tone' };

  const speak = async (text: string): Promise<SynthesizedSpeech> => {
    if (mode === 'tone') return tone;
    try {
      return { pcm: await espeak(command, speakable(text), timeoutMs), source: 'espeak' };
    } catch (error) {
      options.log?.(`speech: ${command} failed (${(error as Error).message}); the reply plays as two beeps`);
      return tone;
    }
  };

  return {
    mode,
    synthesize(text) {
      const cached = cache.get(text);
      if (cached) return cached;
      const result = speak(text);
      cache.set(text, result);
      if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      return result;
    },
  };
}

/** Throws `Failed to start the rehearsal simulator: …` unless `command` runs. For `speech: 'espeak'`. */
export async function checkEspeak(command = 'espeak-ng', timeoutMs = 5000): Promise<void> {
  try {
    await espeak(command, 'ok', timeoutMs);
  } catch (error) {
    throw new Error(`Failed to start the rehearsal simulator: speech 'espeak' needs ${command}, which did not run (${(error as Error).message}). Please install espeak-ng (apt-get install espeak-ng), or use speech 'auto' or 'tone'.`);
  }
}

/** Text as espeak-ng gets it: no control characters (a NUL cannot be an argument), bounded. */
function speakable(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean.length > MAX_TEXT_LENGTH ? clean.slice(0, MAX_TEXT_LENGTH) : clean;
}

function espeak(command: string, text: string, timeoutMs: number): Promise<Int16Array> {
  return new Promise((resolve, reject) => {
    // `--` ends the options: the text is never read as one.
    execFile(command, ['--stdout', '-v', 'en-us', '--', text], { encoding: 'buffer', timeout: timeoutMs, maxBuffer: MAX_WAV_BYTES, windowsHide: true }, (error, stdout) => {
      if (error) return reject(new Error(error.killed ? `no answer within ${timeoutMs} ms` : error.message.split('\n')[0]));
      try {
        const wav = parseWav(stdout);
        const pcm = resamplePcm16(wav.samples, wav.sampleRate, SPEECH_SAMPLE_RATE);
        if (pcm.length < SPEECH_SAMPLE_RATE / 10) return reject(new Error('it produced under 100 ms of audio'));
        resolve(pcm);
      } catch (parseError) {
        reject(new Error(`its output is not a usable WAV: ${(parseError as Error).message}`));
      }
    });
  });
}

/** Two 150 ms beeps at 880 Hz, 100 ms apart, with 10 ms fades (no clicks), then 100 ms of quiet. */
export function beeps(): Int16Array {
  const rate = SPEECH_SAMPLE_RATE;
  const beep = (150 * rate) / 1000;
  const gap = (100 * rate) / 1000;
  const fade = (10 * rate) / 1000;
  const pcm = new Int16Array(2 * beep + 2 * gap);
  for (const start of [0, beep + gap]) {
    for (let i = 0; i < beep; i++) {
      const envelope = Math.min(1, i / fade, (beep - 1 - i) / fade);
      pcm[start + i] = Math.round(8000 * envelope * Math.sin((2 * Math.PI * 880 * i) / rate));
    }
  }
  return pcm;
}
