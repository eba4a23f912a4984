/**
 * The rehearsal over real WebRTC: `rehearsal.webrtc.probe.ts` runs in a child process inside a
 * loopback-only network namespace, with `@roamhq/wrtc` as the browser (a fake microphone, a
 * speaker), and prints what it saw as one JSON line.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runProbe } from '../../test/support/loopbackNamespace.js';

const probe = fileURLToPath(new URL('./rehearsal.webrtc.probe.ts', import.meta.url));

describe('rehearsal on a real WebRTC call (@roamhq/wrtc as the browser)', () => {
  it('speech on the microphone makes the model call the tool; its spoken reply plays on the track', { timeout: 40_000 }, async (ctx) => {
    const { result, run } = await runProbe(ctx, 'the rehearsal WebRTC test', probe, 35_000);
    expect(result.error, JSON.stringify(result.log)).toBeUndefined();
    expect(result.status).toBe(201);
    expect(result.allowOrigin).toBe('http://127.0.0.1:5173');
    const events = result.events as string[];
    const order = ['input_audio_buffer.speech_started', 'input_audio_buffer.speech_stopped', 'input_audio_buffer.committed', 'response.created', 'response.function_call_arguments.done', 'response.done', 'output_audio_buffer.started', 'output_audio_buffer.stopped'];
    expect(events).toContain('response.output_audio_transcript.done');
    expect(order.map((type) => events.indexOf(type))).toEqual([...order.map((type) => events.indexOf(type))].sort((a, b) => a - b));
    expect(events).not.toContain('response.output_audio.delta'); // on a call the audio is on the track
    expect(result.callName).toBe('echo');
    expect(JSON.parse(result.callArguments as string)).toEqual({ message: expect.any(String) });
    expect(result.transcript).toBe('Simulated reply: echo answered: Echo: hello from the probe');
    expect(result.loudSamplesHeard).toBeGreaterThan(4800); // over 100 ms of loud audio at 48 kHz
    console.log(`rehearsal over WebRTC: speech_stopped ${result.speechStoppedAfterMs} ms and response.created ${result.responseCreatedAfterMs} ms after the microphone went quiet; ${result.loudSamplesHeard} loud samples heard`);
    expect(run.code).toBe(0);
  });
});
