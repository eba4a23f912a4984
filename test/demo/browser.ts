/**
 * Debian's Chromium driven by playwright-core, with a fake microphone, for probes that run inside a
 * loopback-only network namespace (see DEVELOPERS.md "Browser tests" for why each flag is here).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { wavBytes } from '../../harness/simulator/wav.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Why no browser test can run here, or undefined when Chromium is installed. */
export function chromiumProblem(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} is missing (apt-get install chromium)`;
}

/** The flags every test browser gets; `fakeAudioWav` becomes the microphone (else it beeps). */
export function chromiumArgs(options: { fakeAudioWav?: string }): string[] {
  return [
    '--headless=new',
    '--no-sandbox',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
    '--allow-loopback-in-peer-connection',
    ...(options.fakeAudioWav ? [`--use-file-for-fake-audio-capture=${options.fakeAudioWav}`] : []),
  ];
}

export interface TestBrowser {
  newPage: Browser['newPage'];
  readonly browser: Browser;
  close(): Promise<void>;
}

/** Launches Chromium; playwright gives each launch a fresh temporary profile and removes it on close. */
export async function launchChromium(options: { fakeAudioWav?: string } = {}): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: chromiumArgs(options.fakeAudioWav ? { fakeAudioWav: options.fakeAudioWav } : {}),
    timeout: 30_000,
  });
  return {
    browser,
    newPage: browser.newPage.bind(browser),
    async close() {
      await browser.close().catch(() => undefined);
    },
  };
}

/**
 * A 16-bit WAV of `text` spoken by espeak-ng (24-bit WAVs play as silence in Chromium), padded with
 * a second of silence before and after so a voice activity detector hears a start and an end.
 * Undefined when espeak-ng is not installed.
 */
export async function speechWav(text: string): Promise<{ path: string; remove(): Promise<void> } | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'rmp-speech-'));
  const spoken = join(dir, 'spoken.wav');
  const made = spawnSync('espeak-ng', ['-w', spoken, text], { encoding: 'utf8' });
  if (made.error || made.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    return undefined;
  }
  let path = spoken;
  const padded = join(dir, 'speech.wav');
  const sox = spawnSync('sox', [spoken, '-b', '16', padded, 'pad', '1', '1'], { encoding: 'utf8' });
  if (!sox.error && sox.status === 0) path = padded;
  if ((await stat(path)).size < 1000) throw new Error(`Failed to make the speech WAV: ${path} is nearly empty. Please check espeak-ng.`);
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * `vite build` of the demo into demo/dist (serve's `demo` serves it), once per test run: test files
 * run in parallel workers, so the first takes a lock directory and the others wait for its stamp.
 */
export async function buildDemoOnce(): Promise<void> {
  const dist = fileURLToPath(new URL('../../demo/dist', import.meta.url));
  const lock = `${dist}.building`;
  const stamp = join(dist, '.built-by');
  const run = String(process.ppid);
  for (let waited = 0; waited < 120_000; waited += 200) {
    if (existsSync(stamp) && readFileSync(stamp, 'utf8') === run) return;
    try {
      mkdirSync(lock);
    } catch {
      await new Promise((done) => setTimeout(done, 200));
      continue;
    }
    try {
      const { build } = await import('vite');
      await build({ configFile: fileURLToPath(new URL('../../demo/vite.config.ts', import.meta.url)), logLevel: 'warn' });
      writeFileSync(stamp, run);
      return;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  throw new Error('Failed to build the demo: another test held demo/dist.building for 2 minutes. Please remove it if no build runs.');
}

/**
 * A silent 16-bit WAV for probes that do not speak: without a file Chromium's fake microphone
 * beeps, which a voice activity detector takes for speech.
 */
export async function silentWav(): Promise<{ path: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'rmp-silence-'));
  const path = join(dir, 'silence.wav');
  writeFileSync(path, wavBytes(new Int16Array(16_000), 16_000)); // one second of 16 kHz zeros
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}
