import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { beeps, checkEspeak, createSpeechSynthesizer, SPEECH_SAMPLE_RATE } from './speech.js';
import { levelDbfs } from './vad.js';
import { parseWav, resamplePcm16, wavBytes } from './wav.js';

const espeakInstalled = (() => {
  try {
    execFileSync('espeak-ng', ['--version'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
})();

/** The loudness of each 10 ms window. */
function windowsDb(pcm: Int16Array): number[] {
  const size = SPEECH_SAMPLE_RATE / 100;
  const levels: number[] = [];
  for (let at = 0; at + size <= pcm.length; at += size) levels.push(levelDbfs(pcm.subarray(at, at + size)));
  return levels;
}

describe('wav', () => {
  it('round-trips PCM16 mono, reads a streamed data chunk whose size is a placeholder, and refuses what is not PCM16', () => {
    const samples = Int16Array.from({ length: 480 }, (_, i) => (i * 37) % 2000);
    expect(parseWav(wavBytes(samples, 22050))).toEqual({ sampleRate: 22050, samples });
    const streamed = wavBytes(samples, 22050);
    streamed.writeUInt32LE(0x7ffff000, 40); // as espeak-ng writes to a pipe
    expect(parseWav(streamed).samples).toEqual(samples);
    const float = wavBytes(samples, 22050);
    float.writeUInt16LE(3, 20);
    expect(() => parseWav(float)).toThrow(/only 16-bit PCM/);
    expect(() => parseWav(Buffer.from('not a wav at all'))).toThrow(/RIFF/);
  });

  it('resamples by the rate ratio', () => {
    const input = Int16Array.from({ length: 22050 }, (_, i) => Math.round(1000 * Math.sin(i / 10)));
    const output = resamplePcm16(input, 22050, 24000);
    expect(output.length).toBe(24000);
    expect(output[0]).toBe(input[0]);
  });
});

describe('speech', () => {
  it.skipIf(!espeakInstalled)('speaks with espeak-ng: 24 kHz PCM that is not silent and lasts over half a second, cached per text', async () => {
    const synthesizer = createSpeechSynthesizer();
    const spoken = await synthesizer.synthesize('Simulated reply: echo answered: hello there.');
    expect(spoken.source).toBe('espeak');
    expect(spoken.pcm.length).toBeGreaterThan(SPEECH_SAMPLE_RATE / 2);
    expect(Math.max(...windowsDb(spoken.pcm))).toBeGreaterThan(-30);
    expect(await synthesizer.synthesize('Simulated reply: echo answered: hello there.')).toBe(spoken);
    await expect(checkEspeak()).resolves.toBeUndefined();
  });

  it("speech 'tone' gives two beeps: two loud runs with quiet between and after", async () => {
    const spoken = await createSpeechSynthesizer({ speech: 'tone' }).synthesize('Simulated reply: no tools were picked.');
    expect(spoken.source).toBe('tone');
    expect(spoken.pcm).toEqual(beeps());
    const loud = windowsDb(spoken.pcm).map((db) => db > -30);
    const runs = loud.filter((isLoud, i) => isLoud && !loud[i - 1]).length;
    expect(runs).toBe(2);
    expect(loud.at(-1)).toBe(false);
  });

  it('falls back to the beeps, with a log line and no crash, when the program does not exist', async () => {
    const lines: string[] = [];
    const synthesizer = createSpeechSynthesizer({ command: '/nonexistent/espeak-ng', log: (line) => lines.push(line) });
    const spoken = await synthesizer.synthesize('Simulated reply: echo answered: hi');
    expect(spoken).toEqual({ pcm: beeps(), source: 'tone' });
    expect(lines.join('\n')).toMatch(/speech: \/nonexistent\/espeak-ng failed \(.*ENOENT.*\); the reply plays as two beeps/);
    await expect(checkEspeak('/nonexistent/espeak-ng')).rejects.toThrow(/Failed to start the rehearsal simulator: speech 'espeak' needs \/nonexistent\/espeak-ng, which did not run .*Please install espeak-ng/);
  });

  it('falls back to the beeps when the program does not give a WAV', async () => {
    const spoken = await createSpeechSynthesizer({ command: 'true' }).synthesize('anything');
    expect(spoken.source).toBe('tone');
  });

  it.skipIf(!espeakInstalled)('passes hostile text as one argument: control characters, a leading dash, shell syntax', async () => {
    const spoken = await createSpeechSynthesizer().synthesize('-x $(touch /tmp/pwned) `id`; \u0000 "quoted"\nnext line');
    expect(spoken.source).toBe('espeak');
  });
});
