/**
 * One demo page in a probe's Chromium, watched: page errors, console messages and every response
 * body (event streams aside: their text lands in the DOM) for the secret scans.
 */
import type { Page } from 'playwright-core';
import type { TestBrowser } from './browser.js';

export interface WatchedPage {
  readonly page: Page;
  readonly errors: string[];
  readonly console: string[];
  readonly bodies: string[];
}

export async function openDemoPage(browser: TestBrowser, pageUrl: string, stepMs = 20_000): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(stepMs);
  const watched: WatchedPage = { page, errors: [], console: [], bodies: [] };
  page.on('pageerror', (error) => watched.errors.push(error.message));
  page.on('console', (message) => watched.console.push(message.text()));
  page.on('response', (response) => {
    if (!String(response.headers()['content-type'] ?? '').includes('event-stream')) void response.text().then((text) => watched.bodies.push(text), () => undefined);
  });
  await page.goto(pageUrl);
  await page.getByTestId('connect-form').waitFor();
  return watched;
}

/** Which of `secrets` the page's DOM, its console or any response body holds. */
export async function secretsSeen(watched: WatchedPage, secrets: readonly string[]): Promise<string[]> {
  const dom = await watched.page.evaluate(() => document.documentElement.outerHTML);
  const texts = [dom, ...watched.console, ...watched.bodies];
  return secrets.filter((secret) => texts.some((text) => text.includes(secret)));
}

/** Sends a typed user turn (the rehearsal simulator calls a tool the message names first). */
export async function say(page: Page, text: string): Promise<void> {
  await page.getByTestId('text-input').fill(text);
  await page.getByTestId('text-send').click();
}
