/**
 * Chromium + WebRTC on this machine, the ground the demo's browser tests stand on:
 * `chromiumWebrtc.probe.ts` runs Debian's Chromium (fake microphone: an espeak-ng WAV) and the
 * simulator in a loopback-only namespace, and a plain page calls the simulator like the demo does.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runProbe } from '../support/loopbackNamespace.js';
import { chromiumProblem } from './browser.js';

const probe = fileURLToPath(new URL('./chromiumWebrtc.probe.ts', import.meta.url));

describe('Chromium calling the simulator over WebRTC', () => {
  it('connects over 127.0.0.1, gets session.created, is heard speaking and hears the reply', { timeout: 60_000 }, async (ctx) => {
    const missing = chromiumProblem();
    if (missing) {
      console.warn(`SKIPPED the Chromium WebRTC test: ${missing}.`);
      ctx.skip(missing);
    }
    const { result } = await runProbe(ctx, 'the Chromium WebRTC test', probe, 55_000);
    if (result.skipped) {
      console.warn(`SKIPPED the Chromium WebRTC test: ${String(result.skipped)}.`);
      ctx.skip(String(result.skipped));
    }
    expect(result.error).toBeUndefined();
    expect(result.call).toEqual({ secretPrefix: 'ek_' });
    expect(result.selectedPair).toMatchObject({ local: '127.0.0.1', remote: '127.0.0.1' });
    const events = result.events as string[];
    expect(events[0]).toBe('session.created');
    // The simulator's VAD heard the spoken WAV, and its scripted reply followed.
    expect(events.indexOf('input_audio_buffer.speech_started')).toBeLessThan(events.indexOf('input_audio_buffer.speech_stopped'));
    expect(events).toContain('response.done');
    // The reply's audio reached WebAudio through the remote track.
    expect(result.remoteLevel).toBeGreaterThan(0.01);
    expect(result.pageErrors).toEqual([]);
  });
});
