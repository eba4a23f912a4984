/**
 * Runs the Realtime simulator with a script until SIGTERM/SIGINT:
 *   tsx harness/simulator/main.ts <script.json> [--port <n>] [--api-key <key>] [--every-connection]
 * Prints one JSON line, `{"url":"ws://127.0.0.1:<port>/v1/realtime","httpUrl":"http://127.0.0.1:<port>"}`, once it listens; the script's
 * outcome and the simulator's log go to stderr.
 */
import { loadSimulatorScript } from './script.js';
import { startRealtimeSimulator } from './server.js';

function option(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at >= 0 ? (argv[at + 1] ?? '') : undefined;
}

async function main(argv: string[]): Promise<void> {
  const valued = new Set(['--port', '--api-key']);
  const file = argv.find((arg, i) => !arg.startsWith('--') && !valued.has(argv[i - 1] ?? ''));
  const port = Number(option(argv, '--port') ?? 0);
  const apiKey = option(argv, '--api-key');
  if (file === undefined || !Number.isInteger(port) || port < 0 || apiKey === '') {
    throw new Error('Failed to start the Realtime simulator: no script file, a bad --port or an empty --api-key. Please run: main.ts <script.json> [--port <n>] [--api-key <key>] [--every-connection]');
  }
  const script = await loadSimulatorScript(file);
  const simulator = await startRealtimeSimulator({
    script,
    port,
    ...(apiKey === undefined ? {} : { apiKey }),
    playOn: argv.includes('--every-connection') ? 'every' : 'first',
  });
  process.stdout.write(`${JSON.stringify({ url: simulator.url, httpUrl: simulator.httpUrl })}\n`);
  void simulator.done.then((result) => process.stderr.write(`${JSON.stringify({ script: result })}\n`));
  const stop = (): void => void simulator.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
