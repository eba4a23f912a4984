/**
 * The demo in Chromium when things go wrong, and replaying a recording: `demoProblems.probe.ts`
 * opens the built page (served by serve) once per scenario and reports what the page showed.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/demoStack.js';
import { runProbe } from '../support/loopbackNamespace.js';
import { buildDemoOnce, chromiumProblem } from './browser.js';

const probe = fileURLToPath(new URL('./demoProblems.probe.ts', import.meta.url));
const appMissing = existsSync(resolve(REPO_ROOT, 'demo/index.html')) ? undefined : 'demo/index.html is not there yet';

type Scenario = { outcome?: unknown; error?: string; pageErrors?: string[]; secretsSeen?: string[] };

describe('the demo in Chromium: bad input and replay', () => {
  let scenarios: Record<string, Scenario> = {};

  beforeAll(async () => {
    if (!appMissing && !chromiumProblem()) await buildDemoOnce();
  }, 120_000);

  it('explains every bad input with no page error and no secret shown, and replays a recording', { timeout: 120_000 }, async (ctx) => {
    const missing = appMissing ?? chromiumProblem();
    if (missing) {
      console.warn(`SKIPPED the demo problems in Chromium: ${missing}.`);
      ctx.skip(missing);
    }
    const { result } = await runProbe(ctx, 'the demo problems in Chromium', probe, 110_000);
    scenarios = result.scenarios as Record<string, Scenario>;
    for (const [name, scenario] of Object.entries(scenarios)) {
      expect(scenario.error, name).toBeUndefined();
      expect(scenario.pageErrors, name).toEqual([]);
      expect(scenario.secretsSeen, name).toEqual([]);
    }
    const said = (name: string) => (scenarios[name]!.outcome as string[]).join('\n');
    expect(said('unreachable')).toMatch(/Failed to|connect|reach|refused/i);
    expect(said('needs-auth')).toMatch(/auth|401|token/i);
    expect(said('over-tool-limit')).toMatch(/128|limit|too many/i);
    expect(said('wrong-key')).toMatch(/key|401|auth/i);
    const replay = scenarios.replay!.outcome as { consoleRows: number; cardStatus: string; toolCallStates: string[] };
    expect(replay.consoleRows).toBeGreaterThan(5);
    expect(replay.cardStatus).toBe('done');
  });
});
