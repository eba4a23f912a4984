/**
 * Runs the official MCP conformance suite (`@modelcontextprotocol/conformance`, client mode)
 * against test/conformance/client.ts, a client built on our McpConnection.
 *
 *   npm run test:conformance            (tsx test/conformance/run.ts)
 *   tsx test/conformance/run.ts --keep  (keep the results directory even on success)
 *   tsx test/conformance/run.ts --tsx   (run client.ts through tsx instead of a bundle)
 *   tsx test/conformance/run.ts --verbose (echo the runner's own output)
 *
 * 0.1.16 needs Node ≥ 22, so the runner comes from npx together with Node 22 from the npm
 * registry (`npx -p node@22 -p @modelcontextprotocol/conformance@0.1.16`); both land in the npx
 * cache, never in package.json. The client then runs on that Node 22 as well (`node` on the npx
 * PATH). By default client.ts is first bundled with esbuild into the temp directory: 18 clients
 * start at once, and under tsx each spends ~1.2 s of CPU compiling (~20 s before the first request
 * on 2 cores, close to the runner's 30 s client timeout) against ~0.2 s for the bundle.
 *
 * Two invocations:
 *  1. `--suite core` (18 scenarios in parallel). The runner cannot leave a scenario out, so the
 *     per-scenario summary lines are parsed and `sse-retry` is not gated here: it measures the
 *     reconnect delay against a 450–700 ms window, which 18 parallel clients on 2 cores easily
 *     push past (observed 721, 822 and 1181 ms). An `--expected-failures` baseline does not fit
 *     either: when sse-retry passes, the runner fails the run as a "stale baseline".
 *  2. `--scenario sse-retry` on its own, retried once if it fails or warns.
 * Each scenario's client must also have finished (`conformance-client: ok` in its saved stdout),
 * except where the scenario expects the client to give up.
 *
 * Prints one line per invocation and, last, `conformance core: N scenarios, P passed, F failed,
 * W warnings`. Exit 0 only when nothing failed or warned. Results go to a temp directory, removed on
 * success and kept (path printed) on failure.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONFORMANCE_PACKAGE = '@modelcontextprotocol/conformance@0.1.16';
const NODE_PACKAGE = 'node@22';
const SUITE = 'core';
/** Gated by its own invocation (with one retry), not by the parallel suite run. */
const TIMING_SCENARIO = 'sse-retry';
/** Scenarios whose client is expected to give up (the runner's `allowClientError`). */
const CLIENT_MAY_FAIL = new Set(['auth/scope-retry-limit']);
/** Per invocation, including npx start-up; the whole run normally takes 20–30 s. */
const INVOCATION_TIMEOUT_MS = 100_000;
/** The runner's per-client timeout (its default is 30 s). */
const CLIENT_TIMEOUT_MS = 45_000;

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const argv = new Set(process.argv.slice(2));
const verbose = argv.has('--verbose');
const keep = argv.has('--keep');
const viaTsx = argv.has('--tsx');

interface Counts {
  passed: number;
  failed: number;
  warnings: number;
}

interface ScenarioResult extends Counts {
  scenario: string;
}

interface Invocation {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

const stripAnsi = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, '');

/** Single-quotes a shell word when needed (the runner runs its --command through a shell). */
const shellWord = (word: string): string => (/^[\w./:=@+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

let running: { pid: number } | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (running) killGroup(running.pid);
    process.exit(130);
  });
}

/** The runner starts servers and clients of its own: end the whole process group we started. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function conformance(args: string[]): Promise<Invocation> {
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn('npx', ['-y', '-p', NODE_PACKAGE, '-p', CONFORMANCE_PACKAGE, '--', 'conformance', 'client', ...args], {
      cwd: root,
      env: {
        ...process.env,
        npm_config_loglevel: 'error',
        npm_config_update_notifier: 'false',
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    if (child.pid !== undefined) running = { pid: child.pid };
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (verbose) process.stdout.write(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (verbose) process.stderr.write(chunk);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) killGroup(child.pid);
    }, INVOCATION_TIMEOUT_MS);
    const finish = (exitCode: number | null, extra = ''): void => {
      clearTimeout(timer);
      running = undefined;
      done({
        exitCode,
        stdout: stripAnsi(stdout),
        stderr: stripAnsi(stderr + extra),
        ms: Date.now() - started,
        timedOut,
      });
    };
    child.on('error', (error) => finish(null, `\nfailed to start npx: ${error.message}`));
    child.on('close', (code) => finish(code));
  });
}

/** `✓ auth/metadata-default: 15 passed, 0 failed[, 1 warnings]` lines of a suite run. */
function parseSuite(stdout: string): {
  declared: number | undefined;
  scenarios: ScenarioResult[];
  total: Counts | undefined;
} {
  const declared = /^Running \S+ suite \((\d+) scenarios\)/m.exec(stdout);
  const scenarios = [...stdout.matchAll(/^[✓✗] (\S+): (\d+) passed, (\d+) failed(?:, (\d+) warnings)?\s*$/gm)].map((m) => ({
    scenario: m[1]!,
    passed: Number(m[2]),
    failed: Number(m[3]),
    warnings: Number(m[4] ?? 0),
  }));
  const total = /^Total: (\d+) passed, (\d+) failed, (\d+) warnings\s*$/m.exec(stdout);
  return {
    declared: declared ? Number(declared[1]) : undefined,
    scenarios,
    total: total
      ? {
          passed: Number(total[1]),
          failed: Number(total[2]),
          warnings: Number(total[3]),
        }
      : undefined,
  };
}

/** `Passed: 3/3, 0 failed, 0 warnings` of a single-scenario run (on stderr). */
function parseSingle(output: string): Counts | undefined {
  const m = /^Passed: (\d+)\/(\d+), (\d+) failed, (\d+) warnings\s*$/m.exec(output);
  return m ? { passed: Number(m[1]), failed: Number(m[3]), warnings: Number(m[4]) } : undefined;
}

/** The runner saves each scenario to `<out>/<scenario>-<timestamp>/`. */
function resultDir(outDir: string, scenario: string): string | undefined {
  const parent = dirname(join(outDir, scenario));
  const prefix = `${basename(scenario)}-`;
  if (!existsSync(parent)) return undefined;
  const found = readdirSync(parent)
    .filter((name) => name.startsWith(prefix) && /^\d{4}-\d{2}-\d{2}T[\d-]+Z$/.test(name.slice(prefix.length)))
    .sort()
    .at(-1);
  return found === undefined ? undefined : join(parent, found);
}

function readText(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** Why a scenario's client did not finish, or undefined when it printed its ok line. */
function clientProblem(outDir: string, scenario: string): string | undefined {
  const dir = resultDir(outDir, scenario);
  if (dir === undefined) return 'the runner saved no results for it';
  if (readText(join(dir, 'stdout.txt')).includes('conformance-client: ok')) return undefined;
  const stderr = readText(join(dir, 'stderr.txt')).trim().split('\n').slice(0, 8).join('\n      ');
  return `the client did not finish${stderr ? `:\n      ${stderr}` : ''}`;
}

/** The FAILURE and WARNING checks of a scenario, from its checks.json. */
function badChecks(outDir: string, scenario: string): string[] {
  const dir = resultDir(outDir, scenario);
  if (dir === undefined) return [];
  try {
    type Check = {
      id: string;
      status: string;
      errorMessage?: string;
      description?: string;
      details?: { message?: unknown };
    };
    const checks = JSON.parse(readText(join(dir, 'checks.json'))) as Check[];
    const why = (c: Check): string => c.errorMessage ?? (typeof c.details?.message === 'string' ? c.details.message : (c.description ?? ''));
    return checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING').map((c) => `${c.status} ${c.id}: ${why(c)}`);
  } catch {
    return [];
  }
}

const format = (c: Counts): string => `${c.passed} passed, ${c.failed} failed, ${c.warnings} warnings`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const add = (a: Counts, b: Counts): Counts => ({
  passed: a.passed + b.passed,
  failed: a.failed + b.failed,
  warnings: a.warnings + b.warnings,
});
const zero: Counts = { passed: 0, failed: 0, warnings: 0 };

async function clientCommand(workDir: string): Promise<string> {
  const client = join(here, 'client.ts');
  if (viaTsx) return ['node', '--import', fileURLToPath(import.meta.resolve('tsx')), client].map(shellWord).join(' ');
  const { build } = await import('esbuild');
  const bundle = join(workDir, 'client.mjs');
  await build({
    entryPoints: [client],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  return ['node', bundle].map(shellWord).join(' ');
}

async function main(): Promise<number> {
  const started = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), 'mcp-conformance-'));
  const problems: string[] = [];
  const command = await clientCommand(workDir);
  const common = ['--command', command, '--timeout', String(CLIENT_TIMEOUT_MS)];

  // 1. The core suite, sse-retry left out of the gate.
  const suiteDir = join(workDir, 'suite');
  const suite = await conformance([...common, '--suite', SUITE, '-o', suiteDir]);
  writeFileSync(join(workDir, 'suite.stdout.txt'), suite.stdout);
  writeFileSync(join(workDir, 'suite.stderr.txt'), suite.stderr);
  const parsed = parseSuite(suite.stdout);
  const gated = parsed.scenarios.filter((s) => s.scenario !== TIMING_SCENARIO);
  const gatedCounts = gated.reduce<Counts>(add, zero);
  const inSuite = parsed.scenarios.find((s) => s.scenario === TIMING_SCENARIO);

  if (suite.timedOut) problems.push(`the ${SUITE} suite did not finish within ${seconds(INVOCATION_TIMEOUT_MS)}`);
  if (parsed.total === undefined || parsed.declared === undefined || parsed.scenarios.length !== parsed.declared) {
    problems.push(
      `could not read the ${SUITE} suite's summary (exit ${suite.exitCode}; ${parsed.scenarios.length} scenario lines, ${parsed.declared ?? '?'} declared):\n    ${(suite.stderr || suite.stdout).trim().split('\n').slice(-15).join('\n    ')}`,
    );
  } else if (parsed.scenarios.reduce<Counts>(add, zero).passed !== parsed.total.passed) {
    problems.push(`the ${SUITE} suite's scenario lines do not add up to its Total line`);
  }
  if (parsed.scenarios.length > 0 && inSuite === undefined) problems.push(`the ${SUITE} suite no longer contains ${TIMING_SCENARIO}`);
  for (const s of gated) {
    if (s.failed > 0 || s.warnings > 0) {
      const details = badChecks(suiteDir, s.scenario)
        .map((line) => `\n      ${line}`)
        .join('');
      problems.push(`${s.scenario}: ${format(s)}${details}`);
    }
    const client = CLIENT_MAY_FAIL.has(s.scenario) ? undefined : clientProblem(suiteDir, s.scenario);
    if (client !== undefined) problems.push(`${s.scenario}: ${client}`);
  }
  console.log(
    `conformance ${SUITE} suite (parallel, ${TIMING_SCENARIO} not gated here): ${gated.length} scenarios, ${format(gatedCounts)}; exit ${suite.exitCode}, ${seconds(suite.ms)}` +
      (inSuite ? ` [${TIMING_SCENARIO} in this run: ${format(inSuite)}]` : ''),
  );

  // 2. sse-retry alone, one retry.
  let timing: Counts | undefined;
  for (let attempt = 1; attempt <= 2; attempt++) {
    const outDir = join(workDir, `${TIMING_SCENARIO}-${attempt}`);
    const run = await conformance([...common, '--scenario', TIMING_SCENARIO, '-o', outDir]);
    writeFileSync(join(workDir, `${TIMING_SCENARIO}-${attempt}.stderr.txt`), run.stderr);
    const counts = parseSingle(run.stderr);
    const client = clientProblem(outDir, TIMING_SCENARIO);
    const ok = run.exitCode === 0 && counts !== undefined && counts.failed === 0 && counts.warnings === 0 && counts.passed > 0 && client === undefined;
    console.log(
      `conformance ${TIMING_SCENARIO} (alone, attempt ${attempt} of 2): 1 scenario, ${counts ? format(counts) : 'no summary'}; exit ${run.exitCode}, ${seconds(run.ms)}`,
    );
    if (!ok) {
      for (const line of badChecks(outDir, TIMING_SCENARIO)) console.log(`    ${line}`);
      if (client !== undefined) console.log(`    ${client}`);
      if (run.timedOut) console.log(`    did not finish within ${seconds(INVOCATION_TIMEOUT_MS)}`);
    }
    timing = counts;
    if (ok) break;
    if (attempt === 2) problems.push(`${TIMING_SCENARIO}: failed twice in a row (last: ${counts ? format(counts) : `no summary, exit ${run.exitCode}`})`);
  }

  const total = add(gatedCounts, timing ?? zero);
  if (total.passed === 0) problems.push('no check passed');
  const scenarioCount = gated.length + (timing ? 1 : 0);
  for (const problem of problems) console.log(`  ✗ ${problem}`);
  if (problems.length > 0 || keep) console.log(`  results: ${workDir}`);
  else rmSync(workDir, { recursive: true, force: true });
  const verdict = problems.length > 0 ? `; FAILED (${problems.length} problem${problems.length === 1 ? '' : 's'} above)` : '';
  console.log(`conformance ${SUITE}: ${scenarioCount} scenarios, ${format(total)} (${seconds(Date.now() - started)})${verdict}`);
  return problems.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`conformance: FAILED to run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
