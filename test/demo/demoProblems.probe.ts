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
const RIGHT_KEY = 'sk-right-key';
const WRONG_KEY = 'sk-wrong-key';

/** The messages shown for a problem (doctor problems and error banners). */
async function problemText(page: Page): Promise<string[]> {
  const problems = page.locator('[data-testid="doctor-problem"], [data-testid="error-banner"]');
  await problems.first().waitFor();
  return problems.allInnerTexts();
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
const secrets = [offline.serve.accessToken, online.serve.accessToken, MCP_TOKEN, WRONG_KEY, RIGHT_KEY];
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
  return problemText(watched.page);
};
try {
  await run('unreachable', offline, async (watched) => listTools(watched, `http://127.0.0.1:${await freePort()}/mcp`));
  await run('needs-auth', offline, async (watched) => listTools(watched, authServer.url));
  await run('over-tool-limit', offline, async (watched) => listTools(watched, bigServer.url));
  await run('wrong-key', online, async (watched) => {
    await watched.page.getByTestId('mcp-url-0').fill('');
    await watched.page.getByTestId('openai-key').fill(WRONG_KEY);
    await watched.page.getByTestId('connect').click();
    return problemText(watched.page);
  });
  await run('replay', offline, async (watched) => {
    const select = watched.page.getByTestId('replay-recording-select');
    const value = await select.locator('option').evaluateAll((options) => (options as HTMLOptionElement[]).find((option) => option.textContent?.includes('single-call'))?.value);
    if (value === undefined) throw new Error('no single-call recording in the select');
    await select.selectOption(value);
    await watched.page.getByTestId('replay-start').click();
    const card = watched.page.getByTestId('tool-card').first();
    await card.waitFor();
    await watched.page.locator('[data-testid="diagram-toolCall"] [data-testid="diagram-state"][data-active="true"]').first().waitFor();
    return {
      consoleRows: await watched.page.getByTestId('console-row').count(),
      cardStatus: await card.getAttribute('data-status'),
      toolCallStates: await watched.page.locator('[data-testid="diagram-toolCall"] [data-testid="diagram-state"][data-active="true"]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-state'))),
    };
  });
} finally {
  await browser.close();
  await Promise.allSettled([offline.close(), online.close(), authServer.close(), bigServer.close(), keyedSimulator.close(), silence.remove()]);
}
console.log(JSON.stringify(result));
process.exit(0);
