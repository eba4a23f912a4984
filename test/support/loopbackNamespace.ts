/**
 * Runs a script in a child process inside a loopback-only network namespace (`unshare -rn`, then
 * `lo` up): libwebrtc opens sockets on every interface, so WebRTC tests run where only 127.0.0.1
 * exists. The child prints its result as the last line of stdout (one JSON object).
 */
import { spawn, spawnSync } from 'node:child_process';

const IN_NAMESPACE = ['-rn', 'bash', '-c', 'ip link set lo up && exec "$@"', '_'];

/** Why no loopback-only namespace can be made here, or undefined when it can. */
export function loopbackNamespaceProblem(): string | undefined {
  const check = spawnSync('unshare', [...IN_NAMESPACE, 'true'], {
    encoding: 'utf8',
  });
  if (check.status === 0) return undefined;
  return check.error?.message ?? (check.stderr.trim() || `exit ${check.status}`);
}

export interface NamespacedRun {
  /** The last stdout line, parsed; undefined when it was not JSON. */
  readonly result: Record<string, unknown> | undefined;
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly durationMs: number;
}

/** Runs `node --import tsx <script> ...args` in the namespace; killed after `timeoutMs`. */
export function runInLoopbackNamespace(script: string, options: { args?: readonly string[]; timeoutMs: number }): Promise<NamespacedRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', [...IN_NAMESPACE, process.execPath, '--import', 'tsx', script, ...(options.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let result: Record<string, unknown> | undefined;
      try {
        result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
      } catch {
        result = undefined;
      }
      resolve({
        result,
        stdout,
        stderr,
        code,
        signal,
        durationMs: Math.round(performance.now() - started),
      });
    });
  });
}

/** The failure message of a run that printed no result. */
export function describeRun(run: NamespacedRun): string {
  return `the child printed no result (exit ${run.code}, signal ${run.signal}, ${run.durationMs} ms):\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-4000)}`;
}

/**
 * A test's probe, run in the namespace: its result and the run, or the test skipped with a visible
 * `SKIPPED <what>: …` line where no loopback-only namespace can be made. A probe that printed no
 * result fails the test with its output.
 */
export async function runProbe(
  ctx: { skip(note?: string): void },
  what: string,
  script: string,
  timeoutMs: number,
): Promise<{ result: Record<string, unknown>; run: NamespacedRun }> {
  const problem = loopbackNamespaceProblem();
  if (problem !== undefined) {
    console.warn(`SKIPPED ${what}: no loopback-only network namespace here (unshare -rn: ${problem}).`);
    ctx.skip(`unshare -rn failed: ${problem}`);
  }
  const run = await runInLoopbackNamespace(script, { timeoutMs });
  if (run.result === undefined) throw new Error(describeRun(run));
  return { result: run.result, run };
}
