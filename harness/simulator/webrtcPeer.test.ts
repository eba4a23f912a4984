/**
 * The simulator's WebRTC peer in a real call: `webrtcPeer.probe.ts` runs in a child process inside a
 * loopback-only network namespace (libwebrtc opens sockets on every interface), with
 * `@roamhq/wrtc` as the browser, and prints what it saw as one JSON line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ProxyError } from '../../src/errors.js';
import { answerWebRtcOffer, keepLoopbackCandidates } from './webrtcPeer.js';

const IN_NAMESPACE = ['-rn', 'bash', '-c', 'ip link set lo up && exec "$@"', '_'];
const probe = fileURLToPath(new URL('./webrtcPeer.probe.ts', import.meta.url));

function namespaceProblem(): string | undefined {
  const check = spawnSync('unshare', [...IN_NAMESPACE, 'true'], { encoding: 'utf8' });
  if (check.status === 0) return undefined;
  return check.error?.message ?? (check.stderr.trim() || `exit ${check.status}`);
}

function runProbe(): Promise<{ stdout: string; stderr: string; code: number | null; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', [...IN_NAMESPACE, process.execPath, '--import', 'tsx', probe], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, signal });
    });
  });
}

describe('answerWebRtcOffer in a real call (@roamhq/wrtc as the browser)', () => {
  const problem = namespaceProblem();

  it('relays events both ways, hears speech but not silence, plays audio the browser hears, and hangs up cleanly', { timeout: 30_000 }, async (ctx) => {
    if (problem !== undefined) {
      console.warn(`SKIPPED the WebRTC call test: no loopback-only network namespace here (unshare -rn: ${problem}).`);
      ctx.skip(`unshare -rn failed: ${problem}`);
    }
    const run = await runProbe();
    const lastLine = run.stdout.trim().split('\n').at(-1) ?? '';
    let result: Record<string, unknown>;
    try {
      result = JSON.parse(lastLine) as Record<string, unknown>;
    } catch {
      throw new Error(`the probe printed no result (exit ${run.code}, signal ${run.signal}):\n${run.stdout}\n${run.stderr}`);
    }
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
