/**
 * An energy voice-activity detector for the simulator's WebRTC peer: frames louder than a threshold
 * (dBFS) are speech. Speech starts once it has lasted `minSpeechMs` and stops after `silenceMs` of
 * quiet, like the real API's server VAD in spirit (it uses a model; this is a level meter).
 */

export interface SpeechDetectorOptions {
  /** A frame at or above this RMS level (dBFS) is loud. Default -40 (speech is about -30 to -15; a quiet room under -50). */
  thresholdDb?: number;
  /** Quiet that ends speech. Default 500 ms (the real API's `silence_duration_ms` default). */
  silenceMs?: number;
  /** Loud audio needed before speech counts as started. Default 100 ms (a click or a pop is shorter). */
  minSpeechMs?: number;
}

/** `atMs`: audio time from the start of the track. Started: where the loud run began; stopped: where the last loud frame ended. */
export type SpeechEvent = { type: 'started' | 'stopped'; atMs: number };

export interface SpeechDetector {
  /** One frame of audio that starts at `startMs` (audio time). A gap since the previous frame counts as quiet. */
  push(samples: Int16Array, startMs: number, sampleRate: number): void;
  /** No audio has come for a while (the sender stopped sending): end speech in progress as if quiet had arrived. */
  flush(): void;
  readonly speaking: boolean;
}

/** The RMS level of PCM16 samples in dBFS (-Infinity for digital silence). */
export function levelDbfs(samples: Int16Array): number {
  if (samples.length === 0) return -Infinity;
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return 10 * Math.log10(sum / samples.length / (32768 * 32768));
}

export function createSpeechDetector(options: SpeechDetectorOptions, onSpeech: (event: SpeechEvent) => void): SpeechDetector {
  const thresholdDb = options.thresholdDb ?? -40;
  const silenceMs = options.silenceMs ?? 500;
  const minSpeechMs = options.minSpeechMs ?? 100;
  // A candidate run of loud audio: where it began, and where its last loud frame ended.
  let runStartMs: number | undefined;
  let lastLoudEndMs = 0;
  let speaking = false;

  const quietUntil = (nowMs: number): void => {
    const quietMs = nowMs - lastLoudEndMs;
    if (speaking && quietMs >= silenceMs) {
      speaking = false;
      runStartMs = undefined;
      onSpeech({ type: 'stopped', atMs: Math.round(lastLoudEndMs) });
    } else if (!speaking && runStartMs !== undefined && quietMs >= minSpeechMs) {
      // A short burst followed by as much quiet as it would need to count: noise, not speech.
      runStartMs = undefined;
    }
  };

  return {
    get speaking() {
      return speaking;
    },
    push(samples, startMs, sampleRate) {
      const endMs = startMs + (samples.length * 1000) / sampleRate;
      // A gap before this frame (packets lost, or a sender that pauses between talkspurts) is quiet.
      quietUntil(startMs);
      if (levelDbfs(samples) >= thresholdDb) {
        runStartMs ??= startMs;
        lastLoudEndMs = endMs;
        if (!speaking && lastLoudEndMs - runStartMs >= minSpeechMs) {
          speaking = true;
          onSpeech({ type: 'started', atMs: Math.round(runStartMs) });
        }
      } else {
        quietUntil(endMs);
      }
    },
    flush() {
      quietUntil(Infinity);
    },
  };
}
