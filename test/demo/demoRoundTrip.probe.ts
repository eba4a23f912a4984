/**
 * The browser side of `demoRoundTrip.test.ts`, in a loopback-only namespace: the built demo served
 * by serve (offline: the rehearsal simulator, server-everything over Streamable HTTP), Chromium
 * with an espeak-ng WAV as its microphone. Walks the page by its data-testids: list tools → pick
 * echo → connect → the spoken WAV starts the simulator's turn → the tool card, the transcript, the
 * remote audio, the console and the tool-call diagram. Prints one JSON line of what it saw;
 * screenshots go to test-results/screenshots/.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT, startDemoStack } from '../../scripts/demoStack.js';
import { launchChromium, speechWav } from './browser.js';

const SCREENSHOTS = resolve(REPO_ROOT, 'test-results/screenshots');
const STEP_MS = 20_000;

const result: Record<string, unknown> = { steps: [] as string[] };
const step = (name: string) => (result.steps as string[]).push(name);

const wav = await speechWav('Hello. Please echo something for me.');
if (wav === undefined) {
  console.log(JSON.stringify({ skipped: 'espeak-ng is not installed' }));
  process.exit(0);
}
await mkdir(SCREENSHOTS, { recursive: true });
const stack = await startDemoStack({ offline: true, builtDir: resolve(REPO_ROOT, 'demo/dist') });
const browser = await launchChromium({ fakeAudioWav: wav.path });
const pageErrors: string[] = [];
const consoleText: string[] = [];
const bodies: string[] = [];
const shot = (page: Page, name: string) => page.screenshot({ path: resolve(SCREENSHOTS, `${name}.png`), fullPage: true });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(STEP_MS);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => consoleText.push(message.text()));
  page.on('response', (response) => {
    // Event streams never end: their text is in the DOM (console rows) anyway.
    if (!String(response.headers()['content-type'] ?? '').includes('event-stream')) void response.text().then((text) => bodies.push(text), () => undefined);
  });
  await page.goto(stack.pageUrl);
  await page.getByTestId('connect-form').waitFor();
  result.tokenLeftInAddressBar = page.url().includes(stack.serve.accessToken);
  result.offlineBadge = await page.getByTestId('offline-badge').isVisible();
  result.prefilledMcp = await page.getByTestId('mcp-url-0').inputValue();
  await shot(page, '01-connect');
  step('connect-form');

  await page.getByTestId('list-tools').click();
  const echo = page.locator('[data-testid^="tool-option-"][data-testid$="echo"]').first();
  await echo.waitFor();
  result.toolOptions = await page.locator('[data-testid^="tool-option-"]').count();
  await page.getByTestId('tools-select-none').click();
  await echo.check();
  await shot(page, '02-tools');
  step('tools listed');

  await page.getByTestId('connect').click();
  await page.getByTestId('session-state').filter({ hasText: 'live' }).waitFor();
  step('live');
  // From now on, an analyser on the <audio>'s stream keeps the loudest sample the model played.
  await page.getByTestId('remote-audio').evaluate((element) => {
    const watch = window as unknown as { remotePeak: number };
    watch.remotePeak = 0;
    const timer = setInterval(() => {
      const stream = (element as HTMLAudioElement).srcObject;
      if (!(stream instanceof MediaStream)) return;
      clearInterval(timer);
      const context = new AudioContext();
      const analyser = context.createAnalyser();
      context.createMediaStreamSource(stream).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      setInterval(() => {
        analyser.getFloatTimeDomainData(samples);
        for (const sample of samples) watch.remotePeak = Math.max(watch.remotePeak, Math.abs(sample));
      }, 20);
    }, 20);
  });

  // The WAV speaks; the simulator calls echo, then replies.
  const card = page.getByTestId('tool-card').first();
  await card.and(page.locator('[data-status="done"]')).waitFor({ timeout: 40_000 });
  result.cardArguments = await card.getByTestId('tool-card-arguments').innerText();
  result.cardOutput = await card.getByTestId('tool-card-output').innerText();
  result.latencyBar = await card.getByTestId('latency-bar').isVisible();
  step('tool card done');

  await page.getByTestId('transcript-assistant').filter({ hasText: 'Simulated reply' }).first().waitFor({ timeout: 30_000 });
  result.assistantTranscript = await page.getByTestId('transcript-assistant').last().innerText();
  step('transcript');

  // The model's audio really played: the analyser heard non-silence.
  await page.waitForFunction(() => (window as unknown as { remotePeak: number }).remotePeak > 0.01).catch(() => undefined);
  result.remoteAudioPeak = await page.evaluate(() => (window as unknown as { remotePeak: number }).remotePeak);
  result.remoteAudioTime = await page.getByTestId('remote-audio').evaluate((element) => (element as HTMLAudioElement).currentTime);
  step('audio');

  result.consoleDirections = await page.getByTestId('console-row').evaluateAll((rows) => [...new Set(rows.map((row) => row.getAttribute('data-direction')))].sort());
  result.consoleTypes = await page.getByTestId('console-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-type')));
  result.activeToolCallStates = await page.locator('[data-testid="diagram-toolCall"] [data-testid="diagram-state"][data-active="true"]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-state')));
  await shot(page, '03-round-trip');
  step('console and diagrams');

  const dom = await page.evaluate(() => document.documentElement.outerHTML);
  const secrets = [stack.serve.accessToken];
  result.secretsSeen = secrets.filter((secret) => dom.includes(secret) || consoleText.some((text) => text.includes(secret)) || bodies.some((body) => body.includes(secret))).length;
} catch (error) {
  result.error = (error as Error).message.split('\n')[0];
  const page = browser.browser.contexts()[0]?.pages()[0];
  if (page) await shot(page, 'failure-round-trip').catch(() => undefined);
} finally {
  Object.assign(result, { pageErrors });
  await browser.close();
  await stack.close();
  await wav.remove();
}
console.log(JSON.stringify(result));
process.exit(0);
