/**
 * The CLI as it really runs: `tsx src/cli/main.ts …` in a child process from the repository root
 * (what `npm start` and the `realtime-mcp-proxy` bin do), with only the environment additions a
 * test gives (no OPENAI_API_KEY inherited).
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsx = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'tsx.cmd' : 'tsx');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Killed (and the promise rejected) after this long. Default 30 s. */
  timeoutMs?: number;
  /** Called once the child is spawned, with its pid and what it has printed on stdout so far. */
  onSpawn?: (pid: number, stdout: () => string) => void;
}

export function runCli(args: string[], env: Record<string, string> = {}, options: CliOptions = {}): Promise<CliRun> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const base = { ...process.env };
  delete base.OPENAI_API_KEY;
  const child = spawn(tsx, ['src/cli/main.ts', ...args], { cwd: root, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  if (child.pid !== undefined) options.onSpawn?.(child.pid, () => stdout);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`realtime-mcp-proxy ${args.join(' ')} did not exit within ${timeoutMs} ms.\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
