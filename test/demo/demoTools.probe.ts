/**
 * The browser side of `demoTools.test.ts`, in a loopback-only namespace: the built demo served by
 * serve (offline, approval mode `auto`) and server-memory (stdio, served over Streamable HTTP by
 * supergateway). Two pages:
 * - rehearsal: every tool of server-memory picked, one typed turn per tool naming it; the
 *   simulator calls it with schema-generated arguments; approvals are granted as they come.
 * - approval: create_entities (not read-only) asks; deny with a reason, approve, always allow.
 * Prints one JSON line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { REPO_ROOT, startDemoStack } from '../../scripts/demoStack.js';
import { serverScripts, startSupergateway } from '../support/mcpServers.js';
import { launchChromium, silentWav } from './browser.js';
import { openDemoPage, say, secretsSeen, type WatchedPage } from './demoPage.js';

const SCREENSHOTS = resolve(REPO_ROOT, 'test-results/screenshots');
const SETTLED = ['done', 'error', 'denied'];
const DENY_REASON = 'Not today, thank you';

const result: Record<string, unknown> = {};
const memoryDir = await mkdtemp(join(tmpdir(), 'rmp-memory-'));
const memory = await startSupergateway(`${process.execPath} ${serverScripts.memory}`, {
  output: 'streamableHttp',
  stateful: true,
  env: { MEMORY_FILE_PATH: join(memoryDir, 'memory.jsonl') },
});
const stack = await startDemoStack({ offline: true, builtDir: resolve(REPO_ROOT, 'demo/dist') });
// A silent microphone: the turns here are typed (Chromium's default fake microphone beeps).
const silence = await silentWav();
const browser = await launchChromium({ fakeAudioWav: silence.path });

/** Lists server-memory's tools, picks them all (or only `only`), connects; the picked function names. */
async function connectWithMemory(page: Page, only?: RegExp): Promise<string[]> {
  await page.getByTestId('mcp-url-0').fill(memory.url);
  await page.getByTestId('list-tools').click();
  await page.locator('[data-testid^="tool-option-"]').first().waitFor();
  const names = (await page.locator('[data-testid^="tool-option-"]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-testid')!.slice('tool-option-'.length)))).filter((name) => !only || only.test(name));
  await page.getByTestId('tools-select-none').click();
  for (const name of names) await page.getByTestId(`tool-option-${name}`).check();
  await page.getByTestId('connect').click();
  await page.getByTestId('session-state').filter({ hasText: 'live' }).waitFor();
  return names;
}

/** The n-th tool card, once it shows up. */
async function card(page: Page, index: number): Promise<Locator> {
  const found = page.getByTestId('tool-card').nth(index);
  await found.waitFor({ timeout: 30_000 });
  return found;
}

async function statusOf(found: Locator, among: readonly string[]): Promise<string> {
  await found.and(found.page().locator(among.map((status) => `[data-status="${status}"]`).join(', '))).waitFor({ timeout: 30_000 });
  return (await found.getAttribute('data-status'))!;
}

async function rehearsal(watched: WatchedPage): Promise<unknown> {
  const { page } = watched;
  const names = await connectWithMemory(page);
  const cards: Array<{ tool: string; status: string; output: string; redOutput: boolean }> = [];
  for (const [index, name] of names.entries()) {
    await say(page, `Please use ${name} now.`);
    const found = await card(page, index);
    await found.filter({ hasText: name }).waitFor();
    let status = await statusOf(found, [...SETTLED, 'waiting-approval']);
    if (status === 'waiting-approval') {
      await found.getByTestId('approve').click();
      status = await statusOf(found, SETTLED);
    }
    const output = found.getByTestId('tool-card-output');
    cards.push({
      tool: (await found.innerText()).includes(name) ? name : `? (${name})`,
      status,
      output: (await output.innerText()).slice(0, 200),
      // An error is shown in red: its computed colour's red channel dominates.
      redOutput: await output.evaluate((node) =>
        [node, ...node.querySelectorAll('*')].some((element) => {
          const [r = 0, g = 0, b = 0] = (getComputedStyle(element).color.match(/\d+/g) ?? []).map(Number);
          return r > 150 && r > g * 1.5 && r > b * 1.5;
        }),
      ),
    });
  }
  await page.screenshot({ path: resolve(SCREENSHOTS, 'rehearsal-memory.png'), fullPage: true });
  return { names, cards, cardCount: await page.getByTestId('tool-card').count() };
}

/**
 * How many conversation.item.create rows the proxy sent carry `text`, found with the console's text
 * filter (it searches each event's JSON). The card settles before the proxy's function_call_output
 * reaches the console over SSE, so the row is waited for (15 s at most).
 */
async function sentItemsCarrying(page: WatchedPage['page'], text: string): Promise<number> {
  const filter = page.getByTestId('console-filter');
  await filter.fill(text);
  const rows = page.locator('[data-testid="console-row"][data-direction="client"][data-type="conversation.item.create"]');
  const found = await rows.first().waitFor({ timeout: 15_000 }).then(() => rows.count(), () => 0);
  await filter.fill('');
  return found;
}

async function approval(watched: WatchedPage): Promise<unknown> {
  const { page } = watched;
  const [name] = await connectWithMemory(page, /create_entities$/);
  if (name === undefined) throw new Error('server-memory listed no create_entities');
  // Deny with a reason: the card ends denied and the model is told why.
  await say(page, `Please use ${name}.`);
  const first = await card(page, 0);
  await statusOf(first, ['waiting-approval']);
  await page.screenshot({ path: resolve(SCREENSHOTS, 'approval-asks.png'), fullPage: true });
  await first.getByTestId('deny-reason').fill(DENY_REASON);
  await first.getByTestId('deny').click();
  const denied = await statusOf(first, SETTLED);
  const toldModel = await sentItemsCarrying(page, DENY_REASON);
  // Approve: it runs.
  await say(page, `Please use ${name} again.`);
  const second = await card(page, 1);
  await statusOf(second, ['waiting-approval']);
  await second.getByTestId('approve').click();
  const approved = await statusOf(second, SETTLED);
  // Always allow: the call after it runs with no prompt.
  await say(page, `Please use ${name} once more.`);
  const third = await card(page, 2);
  await statusOf(third, ['waiting-approval']);
  await third.getByTestId('always-allow').click();
  const allowed = await statusOf(third, SETTLED);
  await say(page, `Please use ${name} a last time.`);
  const fourth = await card(page, 3);
  const seen = new Set<string>();
  // Every status the fourth card shows until it settles (polled: the page has no event for it).
  for (let i = 0; i < 300; i++) {
    const status = (await fourth.getAttribute('data-status')) ?? '';
    seen.add(status);
    if (SETTLED.includes(status)) break;
    await page.waitForTimeout(50);
  }
  return { denied, toldModel, approved, allowed, afterAlwaysAllow: [...seen] };
}

try {
  for (const [name, scenario] of [
    ['rehearsal', rehearsal],
    ['approval', approval],
  ] as const) {
    let watched: WatchedPage | undefined;
    try {
      watched = await openDemoPage(browser, stack.pageUrl);
      result[name] = { outcome: await scenario(watched), pageErrors: watched.errors, secretsSeen: await secretsSeen(watched, [stack.serve.accessToken]) };
    } catch (error) {
      await watched?.page.screenshot({ path: resolve(SCREENSHOTS, `failure-${name}.png`), fullPage: true }).catch(() => undefined);
      result[name] = { error: (error as Error).message.split('\n')[0], pageErrors: watched?.errors };
    } finally {
      await watched?.page.close().catch(() => undefined);
    }
  }
} finally {
  await browser.close();
  await Promise.allSettled([stack.close(), memory.stop()]);
  await rm(memoryDir, { recursive: true, force: true });
  await silence.remove();
}
console.log(JSON.stringify(result));
process.exit(0);
