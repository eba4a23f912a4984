/**
 * The whole proxy under a hostile Realtime peer (fast-check): codec, machines and router in memory,
 * a real MCP SDK server behind them. One property per promise of issue 10; see README.md for the
 * knobs, the environment variables and how to replay a counterexample.
 *
 * `npm test` runs a bounded slice with a fixed seed (the same cases every time); `npm run fuzz`
 * (`FUZZ_EXPLORE=1`) explores new seeds with many more cases. A failure prints the shrunk
 * counterexample, the seed and the path to replay it.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import { allKnobs, fuzzCase, type FuzzKnobs } from './arbitraries.js';
import { checks, describeViolation, invariants, type InvariantName } from './invariants.js';
import { refusalStorm, refusalStormSteps, stormProxyPlan } from './refusalStorm.js';
import { runFuzzCase, runPeerSteps } from './runFuzzCase.js';
import { configuredSeed } from '../support/fastCheckSeed.js';

// npm test replays the same cases every time; a FUZZ_EXPLORE run explores new ones unless given a seed.
// The seed is drawn here, not left to fast-check, so that the describe name can show it.
const SEED = configuredSeed(1010) ?? Math.floor(Math.random() * 2 ** 31);
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
}

const properties: FuzzProperty[] = [
  { invariant: 'noUncaught', knobs: allKnobs },
  { invariant: 'noUncaught', knobs: only('hostileHost') },
  { invariant: 'noUncaught', knobs: only('nativeApprovals') },
  { invariant: 'noUncaught', knobs: orderly },
  { invariant: 'exactlyOneOutput', knobs: allKnobs },
  { invariant: 'exactlyOneOutput', knobs: plain },
  { invariant: 'exactlyOneOutput', knobs: only('reorders') },
  { invariant: 'exactlyOneOutput', knobs: only('outOfBand') },
  { invariant: 'noCreateWhileActive', knobs: allKnobs },
  { invariant: 'noCreateWhileActive', knobs: plain },
  { invariant: 'noIncompleteExecution', knobs: plain },
  { invariant: 'noOutOfBandExecution', knobs: only('outOfBand') },
  { invariant: 'noUnapprovedExecution', knobs: only('hostileHost') },
  { invariant: 'noUnapprovedExecution', knobs: plain },
  { invariant: 'noDisallowedExecution', knobs: plain },
  { invariant: 'atMostOneExecution', knobs: plain },
  { invariant: 'boundedClose', knobs: allKnobs },
  { invariant: 'boundedClose', knobs: plain },
  { invariant: 'acceptedSends', knobs: only('nativeApprovals') },
  { invariant: 'acceptedSends', knobs: orderly },
  { invariant: 'nativeApprovals', knobs: only('nativeApprovals') },
];

const parameters = <Ts>(): fc.Parameters<Ts> => ({ seed: SEED, numRuns: RUNS, ...(PATH ? { path: PATH } : {}) });

function knobsLabel(knobs: FuzzKnobs): string {
  const on = Object.entries(knobs).filter(([, enabled]) => enabled).map(([knob]) => knob);
  if (on.length === Object.keys(knobs).length) return 'all inputs';
  return on.length === 0 ? 'plain inputs' : `plain inputs + ${on.join(', ')}`;
}

describe(`the proxy under a hostile Realtime peer (fast-check, ${RUNS} cases per property, seed ${SEED})`, () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  for (const { invariant, knobs } of properties) {
    it(`${invariants[invariant]} (${knobsLabel(knobs)})`, async () => {
      const property = fc.asyncProperty(fuzzCase(knobs), async (fuzz) => {
        const run = await runFuzzCase(fuzz);
        const broken = checks[invariant](run);
        if (broken.length > 0) throw new Error(describeViolation(invariant, broken, run));
      });
      await fc.assert(property, parameters());
    }, TEST_TIMEOUT_MS);
  }

  it(`${invariants.boundedCreates} (a peer that refuses every response.create)`, async () => {
    const property = fc.asyncProperty(refusalStorm, async (storm) => {
      const run = await runPeerSteps(stormProxyPlan, refusalStormSteps(storm));
      const broken = [...checks.boundedCreates(run), ...checks.noUncaught(run)];
      if (broken.length > 0) throw new Error(describeViolation('boundedCreates', broken, run));
    });
    await fc.assert(property, parameters());
  }, TEST_TIMEOUT_MS);
});
