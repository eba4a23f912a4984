/**
 * The whole proxy under a hostile Realtime peer (fast-check): codec, machines and router in memory,
 * a real MCP SDK server behind them. One property per promise of issue 10; see README.md for the
 * knobs, the environment variables and how to replay a counterexample.
 *
 * A property marked `knownBug` is expected to fail on the current code: the test passes only if the
 * fuzzer finds a counterexample of that invariant. When the bug is fixed, that test fails: remove
 * `knownBug` to turn the property back into a guard. `FUZZ_STRICT=1` (set by `npm run fuzz`) runs
 * every property as a guard and prints the shrunk counterexamples.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { allKnobs, fuzzCase, type FuzzKnobs } from './arbitraries.js';
import { checks, describeViolation, invariants, type InvariantName } from './invariants.js';
import { refusalStorm, refusalStormSteps, stormProxyPlan } from './refusalStorm.js';
import { runFuzzCase, runPeerSteps } from './runFuzzCase.js';

const STRICT = process.env.FUZZ_STRICT === '1';
// npm test replays the same cases every time; a strict run explores new ones unless given a seed.
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : STRICT ? Math.floor(Math.random() * 2 ** 31) : 1010;
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const PATH = process.env.FUZZ_PATH;
/** vitest's per-test limit, scaled with the case count (a case takes tens of ms; shrinking reruns some). */
const TEST_TIMEOUT_MS = 30_000 + RUNS * 400;

/** Meaningful sequences with plain ids and well-behaved host code: the bugs of ordinary sessions. */
const plain: FuzzKnobs = { prototypeIds: false, garbage: false, outOfBand: false, nativeApprovals: false, hostileHost: false, reorders: false };
/** Plain, plus garbage frames and reordered, repeated or dropped steps. */
const orderly: FuzzKnobs = { ...plain, garbage: true, reorders: true };
/** Plain plus one kind of hostile input, so that one bug does not hide the others behind it. */
const only = (knob: keyof FuzzKnobs): FuzzKnobs => ({ ...plain, [knob]: true });

interface FuzzProperty {
  invariant: InvariantName;
  knobs: FuzzKnobs;
  /** The bug of issue 10 the fuzzer finds for this invariant on the current code. */
  knownBug?: string;
}

const properties: FuzzProperty[] = [
  { invariant: 'noUncaught', knobs: allKnobs, knownBug: 'an Object.prototype response_id/call_id throws out of xstate' },
  { invariant: 'noUncaught', knobs: only('hostileHost'), knownBug: 'a throwing hooks.onEvent escapes' },
  { invariant: 'noUncaught', knobs: only('nativeApprovals'), knownBug: 'a native approval request id equal to a running call_id: "Unable to send event to actor"' },
  { invariant: 'noUncaught', knobs: orderly },
  { invariant: 'exactlyOneOutput', knobs: allKnobs, knownBug: 'repeated call_ids are answered twice; prototype ids make the session a zombie' },
  { invariant: 'exactlyOneOutput', knobs: plain, knownBug: 'a repeated added+done (same call_id) is answered twice' },
  { invariant: 'exactlyOneOutput', knobs: only('reorders'), knownBug: 'a completed done without added is never answered' },
  { invariant: 'exactlyOneOutput', knobs: only('outOfBand'), knownBug: 'out-of-band calls are answered; repeated call_ids as in plain inputs' },
  { invariant: 'noCreateWhileActive', knobs: allKnobs, knownBug: 'a response.created while configuring, or a second one before the first is done, is forgotten' },
  { invariant: 'noCreateWhileActive', knobs: plain },
  { invariant: 'noIncompleteExecution', knobs: plain, knownBug: 'a call_id first done incomplete runs when it comes again completed' },
  { invariant: 'noOutOfBandExecution', knobs: only('outOfBand'), knownBug: 'out-of-band calls run' },
  { invariant: 'noUnapprovedExecution', knobs: only('hostileHost'), knownBug: 'onRequest answering { approved: "false" } approves' },
  { invariant: 'noUnapprovedExecution', knobs: plain },
  { invariant: 'noDisallowedExecution', knobs: plain, knownBug: 'the allowlist is not enforced at call time' },
  { invariant: 'atMostOneExecution', knobs: plain, knownBug: 'a repeated added+done after the output runs the tool again' },
  { invariant: 'boundedClose', knobs: allKnobs, knownBug: 'a done before its added leaves the call in runningCalls; after an internal error proxy.ended never resolves' },
  { invariant: 'boundedClose', knobs: plain, knownBug: 'a call still streaming when the session ends stays in snapshot().runningCalls' },
  { invariant: 'acceptedSends', knobs: only('nativeApprovals'), knownBug: 'the mcp_approval_response item (no id) is refused by the strict encoder' },
  { invariant: 'acceptedSends', knobs: orderly },
  { invariant: 'nativeApprovals', knobs: only('nativeApprovals'), knownBug: 'native approvals are never answered (the response is refused by the encoder)' },
];

const parameters = <Ts>(expectFailure: boolean): fc.Parameters<Ts> => ({
  seed: SEED,
  numRuns: RUNS,
  ...(PATH ? { path: PATH } : {}),
  // A known bug only has to be found once: shrinking it is for FUZZ_STRICT runs.
  ...(expectFailure ? { endOnFailure: true } : {}),
});

function knobsLabel(knobs: FuzzKnobs): string {
  const on = Object.entries(knobs).filter(([, enabled]) => enabled).map(([knob]) => knob);
  if (on.length === Object.keys(knobs).length) return 'all inputs';
  return on.length === 0 ? 'plain inputs' : `plain inputs + ${on.join(', ')}`;
}

async function checkProperty<Ts extends [unknown]>(property: fc.IAsyncProperty<Ts>, expectFailure: boolean): Promise<void> {
  if (!expectFailure) {
    await fc.assert(property, parameters<Ts>(false));
    return;
  }
  const result = await fc.check(property, parameters<Ts>(true));
  expect(result.failed, 'the known bug was not found: if it is fixed, remove knownBug from this property').toBe(true);
  expect(String(result.errorInstance)).toContain('Invariant broken');
}

describe(`the proxy under a hostile Realtime peer (fast-check, ${RUNS} cases per property, seed ${SEED})`, () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  for (const { invariant, knobs, knownBug } of properties) {
    const expectFailure = knownBug !== undefined && !STRICT;
    const name = `${invariants[invariant]} (${knobsLabel(knobs)})${expectFailure ? ` [known bug: ${knownBug}]` : ''}`;
    it(name, async () => {
      const property = fc.asyncProperty(fuzzCase(knobs), async (fuzz) => {
        const run = await runFuzzCase(fuzz);
        const broken = checks[invariant](run);
        if (broken.length > 0) throw new Error(describeViolation(invariant, broken, run));
      });
      await checkProperty(property, expectFailure);
    }, TEST_TIMEOUT_MS);
  }

  const stormBug = STRICT ? undefined : 'each refusal followed by response.done makes the proxy ask again, without a cap';
  it(`${invariants.boundedCreates} (a peer that refuses every response.create)${stormBug ? ` [known bug: ${stormBug}]` : ''}`, async () => {
    const property = fc.asyncProperty(refusalStorm, async (storm) => {
      const run = await runPeerSteps(stormProxyPlan, refusalStormSteps(storm));
      const broken = [...checks.boundedCreates(run), ...checks.noUncaught(run)];
      if (broken.length > 0) throw new Error(describeViolation('boundedCreates', broken, run));
    });
    await checkProperty(property, stormBug !== undefined);
  }, TEST_TIMEOUT_MS);
});
