/**
 * The simulator's WebRTC peer in a real call: `webrtcPeer.probe.ts` runs in a child process inside a
 * loopback-only network namespace (libwebrtc opens sockets on every interface), with
 * `@roamhq/wrtc` as the browser, and prints what it saw as one JSON line.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ProxyError } from '../../src/errors.js';
import { runProbe } from '../../test/support/loopbackNamespace.js';
import { answerWebRtcOffer, keepLoopbackCandidates } from './webrtcPeer.js';

const probe = fileURLToPath(new URL('./webrtcPeer.probe.ts', import.meta.url));

describe('answerWebRtcOffer in a real call (@roamhq/wrtc as the browser)', () => {

  it('relays events both ways, hears speech but not silence, plays audio the browser hears, and hangs up cleanly', { timeout: 30_000 }, async (ctx) => {
    const { result, run } = await runProbe(ctx, 'the WebRTC call test', probe, 25_000);
    expect(result.error).toBeUndefined();
    // Loopback only: the answer offers no other address.
    expect(result.answerHasLoopbackCandidate).toBe(true);
    expect(result.answerHasOtherCandidate).toBe(false);
    // The data channel: a send queued before it opened, and one made inside werift's callback.
    expect(result.simulatorReceived).toEqual(['{"type":"hello.from.browser"}']);
    expect(result.browserReceived).toEqual(['{"type":"queued.before.open"}', '{"type":"reply.from.callback"}']);
    // VAD: nothing during digital silence or faint noise; the tone starts and stops speech once.
    const speech = result.speech as Array<{ type: string; atMs: number; phase: string }>;
    expect(speech.map(({ type, phase }) => [type, phase])).toEqual([
      ['started', 'speech'],
      ['stopped', 'after'],
    ]);
    expect(speech[1]!.atMs).toBeGreaterThan(speech[0]!.atMs);
    // Playback: heard by the browser only once played; a clip cut short is cleared.
    expect(result.heardBeforePlay).toBe(0);
    expect(result.loudSamplesHeard).toBeGreaterThan(4800);
    expect(result.playback).toEqual(['started', 'stopped', 'started', 'cleared']);
    // Hanging up: onClose fired, close() twice is fine, and the browser saw its channel close.
    expect(result.closeEventFired).toBe(true);
    expect(result.secondCloseResolved).toBe(true);
    expect(result.browserChannelClosed).toBe(true);
    // The browser hanging up is noticed too.
    expect(result.remoteCloseFired).toBe(true);
    expect(run.code).toBe(0);
  });
});

describe('answerWebRtcOffer refusing what is not a usable offer', () => {
  it.each([
    ['JSON', '{"sdp":"v=0"}', /it is not SDP .*Please send the SDP text/],
    ['an empty body', '', /the offer is empty/],
  ])('refuses %s before opening anything', async (_, offer, message) => {
    const error: unknown = await answerWebRtcOffer(offer).catch((e: unknown) => e);
    expect(ProxyError.isInstance(error)).toBe(true);
    expect((error as ProxyError).code).toBe('invalid_input');
    expect((error as ProxyError).message).toMatch(/^Failed to answer the WebRTC offer: /);
    expect((error as ProxyError).message).toMatch(message);
  });
});

describe('answerWebRtcOffer refusing VAD options that cannot work', () => {
  it.each([
    [{ silenceMs: -1 }, /vad\.silenceMs is -1, not a duration/],
    [{ thresholdDb: 10 }, /vad\.thresholdDb is 10, not a level/],
    [{ thresholdDb: Number.NaN }, /vad\.thresholdDb is NaN/],
  ])('refuses %o before reading the offer', async (vad, message) => {
    const error: unknown = await answerWebRtcOffer('v=0\r\n', { vad }).catch((e: unknown) => e);
    expect((error as ProxyError).code).toBe('invalid_options');
    expect((error as ProxyError).message).toMatch(message);
  });
});

describe('keepLoopbackCandidates', () => {
  it('keeps 127.0.0.1 candidates and every other line', () => {
    const sdp = ['v=0', 'a=candidate:1 1 udp 2116026367 192.0.2.2 5000 typ host', 'a=candidate:2 1 udp 2116026367 127.0.0.1 5001 typ host', 'a=end-of-candidates', ''].join('\r\n');
    expect(keepLoopbackCandidates(sdp)).toBe(['v=0', 'a=candidate:2 1 udp 2116026367 127.0.0.1 5001 typ host', 'a=end-of-candidates', ''].join('\r\n'));
  });
});
