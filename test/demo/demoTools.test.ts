/**
 * The demo in Chromium with a second real MCP server (server-memory over Streamable HTTP):
 * `demoTools.probe.ts` rehearses every tool offline and walks the approval flow.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/demoStack.js';
import { runProbe } from '../support/loopbackNamespace.js';
import { buildDemoOnce, chromiumProblem } from './browser.js';

const probe = fileURLToPath(new URL('./demoTools.probe.ts', import.meta.url));
const appMissing = existsSync(resolve(REPO_ROOT, 'demo/index.html')) ? undefined : 'demo/index.html is not there yet';

type Scenario = { outcome?: Record<string, unknown>; error?: string; pageErrors?: string[]; secretsSeen?: string[] };

describe('the demo in Chromium with server-memory', () => {
  beforeAll(async () => {
    if (!appMissing && !chromiumProblem()) await buildDemoOnce();
  }, 120_000);

  it('rehearses every picked tool (one card each) and asks, denies, approves and always allows', { timeout: 150_000 }, async (ctx) => {
    const missing = appMissing ?? chromiumProblem();
    if (missing) {
      console.warn(`SKIPPED the demo with server-memory in Chromium: ${missing}.`);
      ctx.skip(missing);
    }
    const { result } = await runProbe(ctx, 'the demo with server-memory in Chromium', probe, 140_000);
    for (const name of ['rehearsal', 'approval']) {
      const scenario = result[name] as Scenario;
      expect(scenario.error, name).toBeUndefined();
      expect(scenario.pageErrors, name).toEqual([]);
      expect(scenario.secretsSeen, name).toEqual([]);
    }
    const rehearsal = (result.rehearsal as Scenario).outcome as { names: string[]; cards: Array<{ tool: string; status: string; redOutput: boolean }>; cardCount: number };
    expect(rehearsal.names.length).toBeGreaterThanOrEqual(5);
    expect(rehearsal.cardCount).toBe(rehearsal.names.length);
    expect(rehearsal.cards.map((card) => card.tool)).toEqual(rehearsal.names);
    for (const card of rehearsal.cards) {
      // Done, or the server's own error (generated arguments may name nothing that exists), in red.
      expect(['done', 'error'], card.tool).toContain(card.status);
      if (card.status === 'error') expect(card.redOutput, card.tool).toBe(true);
    }
    const approval = (result.approval as Scenario).outcome as { denied: string; toldModel: number; approved: string; allowed: string; afterAlwaysAllow: string[] };
    expect(approval.denied).toBe('denied');
    // The function_call_output the proxy sent (realtime.sent, a client row) carries the reason.
    expect(approval.toldModel).toBeGreaterThan(0);
    expect(['done', 'error']).toContain(approval.approved);
    expect(['done', 'error']).toContain(approval.allowed);
    expect(approval.afterAlwaysAllow).not.toContain('waiting-approval');
  });
});
