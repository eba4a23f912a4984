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

  it('explains every bad input with no page error and no secret shown, and replays a recording (at once and step by step)', { timeout: 120_000 }, async (ctx) => {
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
    type Shown = { kinds: string[]; texts: string[] };
    const shown = (name: string) => scenarios[name]!.outcome as Shown;
    expect(shown('unreachable').kinds).toEqual(['transport']);
    expect(shown('unreachable').texts.join('\n')).toMatch(/Failed to connect to MCP server "mcp1" at http:\/\/127\.0\.0\.1:\d+\/mcp/);
    const auth = scenarios['needs-auth']!.outcome as { none: Shown; wrong: Shown; right: { problems: number } };
    expect(auth.none.kinds).toEqual(['auth']);
    expect(auth.none.texts.join('\n')).toMatch(/asks for credentials \(HTTP 401\)/);
    expect(auth.wrong.kinds).toEqual(['auth']);
    expect(auth.wrong.texts.join('\n')).toMatch(/refused our credentials \(HTTP 401\)[\s\S]*What to do: The server refused the credentials/);
    expect(auth.right.problems).toBe(0);
    expect(shown('over-tool-limit').kinds).toContain('tool-limit');
    expect(shown('over-tool-limit').texts.join('\n')).toMatch(/\d+ tools left out by the tool limits \(at most \d+ tools/);
    expect(shown('wrong-key').texts.join('\n')).toMatch(/Failed to create the client secret: OpenAI answered 401 \(invalid_api_key\)/);
    const replay = scenarios.replay!.outcome as { phoneOverflow: number; consoleRows: number; cardStatus: string; toolCallStates: string[] };
    expect(replay.consoleRows).toBeGreaterThan(5);
    expect(replay.cardStatus).toBe('done');
    expect(replay.phoneOverflow, 'page wider than a 390 px screen').toBeLessThanOrEqual(0);
    // Step by step: one record per click, and the console fills as they play.
    const stepped = scenarios['replay-step']!.outcome as { played: string[]; rows: number[] };
    expect(stepped.played).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(stepped.rows.at(-1)).toBeGreaterThan(stepped.rows[0]!);
    expect(stepped.rows).toEqual([...stepped.rows].sort((a, b) => a - b));
  });
});
