/**
 * The demo in Chromium, offline, with a fake microphone: `demoRoundTrip.probe.ts` walks the built
 * page (served by serve) from connecting to the tool call, the spoken reply and the diagrams.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/demoStack.js';
import { runProbe } from '../support/loopbackNamespace.js';
import { buildDemoOnce, chromiumProblem } from './browser.js';

const probe = fileURLToPath(new URL('./demoRoundTrip.probe.ts', import.meta.url));
const appMissing = existsSync(resolve(REPO_ROOT, 'demo/index.html')) ? undefined : 'demo/index.html is not there yet';

describe('the demo, offline, in Chromium', () => {
  beforeAll(async () => {
    if (!appMissing && !chromiumProblem()) await buildDemoOnce();
  }, 120_000);

  it('talks to server-everything by voice: tool card, spoken reply, console, diagram', { timeout: 120_000 }, async (ctx) => {
    const missing = appMissing ?? chromiumProblem();
    if (missing) {
      console.warn(`SKIPPED the demo round trip in Chromium: ${missing}.`);
      ctx.skip(missing);
    }
    const { result } = await runProbe(ctx, 'the demo round trip in Chromium', probe, 110_000);
    if (result.skipped) {
      console.warn(`SKIPPED the demo round trip in Chromium: ${String(result.skipped)}.`);
      ctx.skip(String(result.skipped));
    }
    expect(result.error, JSON.stringify(result.steps)).toBeUndefined();
    expect(result.tokenLeftInAddressBar).toBe(false);
    expect(result.offlineBadge).toBe(true);
    expect(result.prefilledMcp).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(result.toolOptions).toBeGreaterThan(5);
    expect(result.cardArguments).toMatch(/message/);
    expect(String(result.cardOutput).length).toBeGreaterThan(0);
    expect(result.latencyBar).toBe(true);
    expect(result.assistantTranscript).toMatch(/Simulated reply/);
    expect(result.remoteAudioPeak).toBeGreaterThan(0.01);
    expect(result.remoteAudioTime).toBeGreaterThan(0);
    expect(result.consoleDirections).toEqual(expect.arrayContaining(['client', 'server']));
    expect(result.consoleTypes).toEqual(expect.arrayContaining(['session.created', 'response.function_call_arguments.done']));
    // The tool call's machine reached its final state.
    expect(result.activeToolCallStates).toEqual(['executed']);
    expect(result.secretsSeen).toBe(0);
    expect(result.pageErrors).toEqual([]);
  });
});
