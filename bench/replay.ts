/**
 * bench:replay: how fast does a long recording replay in fast mode, and does memory stay flat?
 *
 * Generates (once per run, in a temporary folder) a recording of a ~60-minute session with the real
 * pieces: the Node proxy with `record: { path }` against the local Realtime simulator and the mock
 * MCP server, playing 200 turns, each a user utterance, a function call and a long spoken reply
 * (one transcript delta and one 100 ms audio delta per word: about 66 minutes of model audio).
 * That is ≈100k recorded events and 200 tool calls. Then replays it with `replayRecording` in fast
 * mode (the recording is streamed line by line; MCP answers come from the mock generated from it):
 *   - time: wall clock of the whole replay (proxy start, every record, every comparison, close),
 *     beside the floor measured in the same run: only reading and validating the file's lines;
 *   - memory: with --expose-gc (the npm script passes it), heap used after a forced GC at 10%, 50%
 *     and 90% of the records, in a second replay (the GCs are not in the timed one).
 * Budgets: replay ≤ 2 s; heap growth from 10% to 90% ≤ 5% of the file's size (streamed, not loaded).
 * Exits 1 when a budget is missed. A benchmark: absolute figures describe this machine.
 * Flags: --turns N (default 200), --words N (words per reply, default 200), --keep (print the path
 * and leave the recording).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordScenario } from '../harness/recordings/recordScenario.js';
import type { SimulatorStep } from '../harness/simulator/index.js';
import { readRecordingBatches } from '../src/node/readRecording.js';
import { replayRecording } from '../src/node/replay.js';
import { positiveIntegerFlag } from './flags.js';

const TIME_BUDGET_MS = 2000;
const GROWTH_BUDGET = 0.05;

const flag = (name: string, fallback: number) => positiveIntegerFlag('bench:replay', name, fallback);

const WORDS = ['tea', 'leaves', 'steep', 'for', 'three', 'minutes', 'in', 'water', 'just', 'off', 'the', 'boil'];
const sentence = (n: number, offset: number) => Array.from({ length: n }, (_, i) => WORDS[(i + offset) % WORDS.length]).join(' ');

/** The long session, recorded by the library's own scenario recorder. */
async function generate(path: string, turns: number, words: number): Promise<{ ms: number; ok: boolean; error?: string }> {
  const started = performance.now();
  const steps: SimulatorStep[] = [];
  for (let turn = 0; turn < turns; turn++) {
    steps.push({ user: `Question ${turn}: ${sentence(8, turn)}?` });
    steps.push({ callTool: { name: 'lookup', arguments: { text: WORDS[turn % WORDS.length]! }, say: 'Let me check.', reply: `${sentence(words, turn)} {output}` } });
  }
  const outcome = await recordScenario(
    {
      name: 'long-session',
      description: `bench:replay, ${turns} turns`,
      label: 'bench',
      mock: { name: 'bench', tools: [{ name: 'lookup', description: 'Looks a word up.', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] }, annotations: { readOnlyHint: true } }] },
      script: { description: 'bench:replay', audioChunkMs: 100, toolTimeoutMs: 30_000, steps },
    },
    path,
  );
  return { ms: performance.now() - started, ...outcome };
}

const turns = flag('--turns', 200);
const words = flag('--words', 200);
const dir = mkdtempSync(join(tmpdir(), 'bench-replay-'));
const path = join(dir, 'long-session.jsonl');
const gc = (globalThis as { gc?: () => void }).gc;
try {
  const cpu = cpus()[0];
  console.log(`bench:replay — Node ${process.version}, ${availableParallelism()} cores, ${cpu?.model ?? '?'}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const made = await generate(path, turns, words);
  if (!made.ok) throw new Error(`bench:replay: the generating session failed: ${made.error}`);
  const size = statSync(path).size;
  // A first replay counts the records (and warms the code up, as a test runner would have).
  const counted = await replayRecording(path);
  if (!counted.ok) throw new Error(`bench:replay: the recording does not replay: ${counted.failure?.message}`);
  const records = counted.records;
  console.log(`Recording: ${records} records, ${(size / 1e6).toFixed(1)} MB, ${turns} tool calls, ${(counted.header.startedAt ?? '').slice(0, 19)}; generated in ${(made.ms / 1000).toFixed(1)} s`);

  const readStarted = performance.now();
  for await (const batch of readRecordingBatches(path)) void batch;
  const readMs = performance.now() - readStarted;
  const timed = await replayRecording(path);
  if (!timed.ok) throw new Error(`bench:replay: the timed replay failed: ${timed.failure?.message}`);
  console.log(`Reading and validating the lines alone: ${readMs.toFixed(0)} ms`);
  console.log(
    `Replay, fast mode: ${timed.durationMs.toFixed(0)} ms (${((records / timed.durationMs) * 1000).toFixed(0)} records/s; ${(timed.durationMs / readMs).toFixed(2)}× the reading alone), ${timed.matched} client events matched`,
  );

  let growth: number | undefined;
  if (gc) {
    const marks = [0.1, 0.5, 0.9].map((share) => Math.floor(records * share));
    const heap: number[] = [];
    let seen = 0;
    const measured = await replayRecording(path, {
      beforeRecord: () => {
        seen++;
        if (marks.includes(seen)) {
          gc();
          heap.push(process.memoryUsage().heapUsed);
        }
      },
    });
    if (!measured.ok) throw new Error(`bench:replay: the measured replay failed: ${measured.failure?.message}`);
    growth = heap[2]! - heap[0]!;
    console.log(`Heap used after GC at 10% / 50% / 90% of the records: ${heap.map((h) => (h / 1e6).toFixed(1)).join(' / ')} MB (growth 10%→90%: ${(growth / 1e6).toFixed(2)} MB, ${((growth / size) * 100).toFixed(1)}% of the file)`);
  } else {
    console.log('Memory: not measured (run with node --expose-gc; `npm run bench:replay` does).');
  }

  const checks = [
    { what: `replay ≤ ${TIME_BUDGET_MS} ms`, pass: timed.durationMs <= TIME_BUDGET_MS, value: `${timed.durationMs.toFixed(0)} ms` },
    ...(growth === undefined ? [] : [{ what: `heap growth ≤ ${GROWTH_BUDGET * 100}% of the file`, pass: growth <= GROWTH_BUDGET * size, value: `${((growth / size) * 100).toFixed(1)}%` }]),
  ];
  console.log('\nBudgets:');
  for (const check of checks) console.log(`  ${check.what.padEnd(36)} ${check.value.padStart(10)}  ${check.pass ? 'PASS' : 'FAIL'}`);
  if (!checks.every((check) => check.pass)) process.exitCode = 1;
  if (process.argv.includes('--keep')) console.log(`Kept: ${path}`);
} finally {
  if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
}
