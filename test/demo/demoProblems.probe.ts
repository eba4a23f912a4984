/**
 * The browser side of `demoProblems.test.ts`, in a loopback-only namespace: the built demo served by
 * serve, one Chromium, a page per scenario. Bad input (an MCP URL nothing listens on, a server that
 * wants a bearer token, a server over the tool limit, a wrong OpenAI key) must end in a message
 * (`doctor-problem` / `error-banner`) with no page error; a replay of recordings/single-call.jsonl
 * fills the console and a tool card. Every page's DOM, console and response bodies are scanned for
 * the secrets in play. Prints one JSON line.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { startMockMcpServer, type MockTool } from '../../harness/mock-mcp/index.js';
import { startRealtimeSimulator } from '../../harness/simulator/index.js';
import { REPO_ROOT, startDemoStack, type DemoStack } from '../../scripts/demoStack.js';
import { freePort } from '../support/mcpServers.js';
import { launchChromium, silentWav } from './browser.js';
import { openDemoPage, secretsSeen, type WatchedPage } from './demoPage.js';

const SCREENSHOTS = resolve(REPO_ROOT, 'test-results/screenshots');
const MCP_TOKEN = 'mcp-secret-token';
/** A token the auth server refuses and echoes back in its 401 body: serve must not pass it on. */
const WRONG_MCP_TOKEN = 'mcp-wrong-token-echoed';
const RIGHT_KEY = 'sk-right-key';
const WRONG_KEY = 'sk-wrong-key';

/** What the page shows for a problem: the doctor's kinds and every message (doctor problems and error banners). */
async function problemShown(page: Page): Promise<{ kinds: string[]; texts: string[] }> {
  const problems = page.locator('[data-testid="doctor-problem"], [data-testid="error-banner"]');
  await problems.first().waitFor();
  const kinds = await page.getByTestId('doctor-problem').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-kind') ?? ''));
  return { kinds, texts: await problems.allInnerTexts() };
}

/** Picks a bundled recording by name in the replay panel. */
async function chooseRecording(page: Page, name: string): Promise<void> {
  const select = page.getByTestId('replay-recording-select');
  const value = await select.locator('option').evaluateAll((options, wanted) => (options as HTMLOptionElement[]).find((option) => option.textContent?.includes(wanted))?.value, name);
  if (value === undefined) throw new Error(`no ${name} recording in the select`);
  await select.selectOption(value);
  await page.getByTestId('replay-loaded').waitFor();
}

const result: Record<string, unknown> = {};
await mkdir(SCREENSHOTS, { recursive: true });
const dist = resolve(REPO_ROOT, 'demo/dist');
const manyTools: MockTool[] = Array.from({ length: 140 }, (_, i) => ({ name: `tool_${i}`, description: `Tool number ${i}.` }));
const authServer = await startMockMcpServer({ tools: [{ name: 'secret_echo' }], requireBearer: MCP_TOKEN, echoRejectedCredentials: true });
const bigServer = await startMockMcpServer({ tools: manyTools });
const keyedSimulator = await startRealtimeSimulator({ apiKey: RIGHT_KEY });
const offline = await startDemoStack({ offline: true, builtDir: dist });
// "Online" against a simulator that wants its own key: the page's wrong key is refused.
const online = await startDemoStack({ offline: false, builtDir: dist, serve: { openaiBaseUrl: `${keyedSimulator.httpUrl}/v1` } });
const silence = await silentWav();
const browser = await launchChromium({ fakeAudioWav: silence.path });
const secrets = [offline.serve.accessToken, online.serve.accessToken, MCP_TOKEN, WRONG_MCP_TOKEN, WRONG_KEY, RIGHT_KEY];
const scenarios: Record<string, unknown> = {};
result.scenarios = scenarios;
const run = async (name: string, stack: DemoStack, body: (watched: WatchedPage) => Promise<unknown>) => {
  let watched: WatchedPage | undefined;
  try {
    watched = await openDemoPage(browser, stack.pageUrl);
    const outcome = await body(watched);
    await watched.page.screenshot({ path: resolve(SCREENSHOTS, `problem-${name}.png`), fullPage: true });
    scenarios[name] = { outcome, pageErrors: watched.errors, secretsSeen: await secretsSeen(watched, secrets) };
  } catch (error) {
    await watched?.page.screenshot({ path: resolve(SCREENSHOTS, `failure-${name}.png`), fullPage: true }).catch(() => undefined);
    scenarios[name] = { error: (error as Error).message.split('\n')[0], pageErrors: watched?.errors };
  } finally {
    await watched?.page.close().catch(() => undefined);
  }
};
const listTools = async (watched: WatchedPage, url: string) => {
  await watched.page.getByTestId('mcp-url-0').fill(url);
  await watched.page.getByTestId('list-tools').click();
  return problemShown(watched.page);
};
/** Lists again with `Authorization: Bearer <token>` and waits for the page to answer anew. */
const listWithBearer = async (watched: WatchedPage, token: string) => {
  const { page } = watched;
  await page.getByTestId('mcp-header-name-0').fill('Authorization');
  await page.getByTestId('mcp-header-value-0').fill(`Bearer ${token}`);
  const answered = page.waitForResponse((response) => new URL(response.url()).pathname === '/tools');
  await page.getByTestId('list-tools').click();
  await answered;
};
try {
  await run('unreachable', offline, async (watched) => listTools(watched, `http://127.0.0.1:${await freePort()}/mcp`));
  await run('needs-auth', offline, async (watched) => {
    const none = await listTools(watched, authServer.url);
    // A wrong token, which the server echoes in its refusal: still an auth problem, the token nowhere.
    await listWithBearer(watched, WRONG_MCP_TOKEN);
    const wrong = await problemShown(watched.page);
    // The right one: the tool is listed and the doctor finds nothing.
    await listWithBearer(watched, MCP_TOKEN);
    await watched.page.getByTestId('tool-option-secret_echo').waitFor();
    return { none, wrong, right: { problems: await watched.page.getByTestId('doctor-problem').count() } };
  });
  await run('over-tool-limit', offline, async (watched) => listTools(watched, bigServer.url));
  await run('wrong-key', online, async (watched) => {
    await watched.page.getByTestId('mcp-url-0').fill('');
    await watched.page.getByTestId('openai-key').fill(WRONG_KEY);
    await watched.page.getByTestId('connect').click();
    return problemShown(watched.page);
  });
  await run('replay', offline, async (watched) => {
    await chooseRecording(watched.page, 'single-call');
    await watched.page.getByTestId('replay-start').click();
    const card = watched.page.getByTestId('tool-card').first();
    await card.waitFor();
    await watched.page.locator('[data-testid="diagram-toolCall"] [data-testid="diagram-state"][data-active="true"]').first().waitFor();
    // Phone width: the same page in one column, nothing wider than the screen.
    await watched.page.setViewportSize({ width: 390, height: 844 });
    await watched.page.screenshot({ path: resolve(SCREENSHOTS, 'replay-phone.png'), fullPage: true });
    const phoneOverflow = await watched.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await watched.page.setViewportSize({ width: 1280, height: 800 });
    return {
      phoneOverflow,
      consoleRows: await watched.page.getByTestId('console-row').count(),
      cardStatus: await card.getAttribute('data-status'),
      toolCallStates: await watched.page.locator('[data-testid="diagram-toolCall"] [data-testid="diagram-state"][data-active="true"]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-state'))),
    };
  });
  await run('replay-step', offline, async (watched) => {
    const { page } = watched;
    await chooseRecording(page, 'single-call');
    await page.getByTestId('replay-speed').selectOption('step');
    await page.getByTestId('replay-start').click();
    const status = page.getByTestId('replay-status');
    await status.filter({ hasText: '0 records played' }).waitFor();
    // Nothing plays until asked: each "Next record" plays one, and the console grows with them.
    const rows = [await page.getByTestId('console-row').count()];
    const played: string[] = [];
    for (let step = 1; step <= 6; step++) {
      await page.getByTestId('replay-step').click();
      await status.filter({ hasText: new RegExp(`: ${step} records? played`) }).waitFor();
      played.push(/: (\d+) records? played/.exec(await status.innerText())?.[1] ?? '?');
      rows.push(await page.getByTestId('console-row').count());
    }
    await page.getByTestId('replay-stop').click();
    await status.waitFor({ state: 'detached' });
    return { played, rows };
  });
} finally {
  await browser.close();
  await Promise.allSettled([offline.close(), online.close(), authServer.close(), bigServer.close(), keyedSimulator.close(), silence.remove()]);
}
console.log(JSON.stringify(result));
process.exit(0);
