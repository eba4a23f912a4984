/**
 * Runs the Realtime simulator until SIGTERM/SIGINT, with a script or as the rehearsal model:
 *   tsx harness/simulator/main.ts <script.json> [--port <n>] [--api-key <key>] [--every-connection]
 *   tsx harness/simulator/main.ts --rehearsal [--port <n>] [--api-key <key>] [--seed <n>] [--speech auto|espeak|tone]
 * Prints one JSON line, `{"url":"ws://127.0.0.1:<port>/v1/realtime","httpUrl":"http://127.0.0.1:<port>"}`, once it listens; the script's
 * outcome and the simulator's log go to stderr.
 */
import type { SpeechMode } from './speech.js';
import { loadSimulatorScript } from './script.js';
import { startRealtimeSimulator } from './server.js';

const USAGE = 'main.ts <script.json> [--port <n>] [--api-key <key>] [--every-connection], or main.ts --rehearsal [--port <n>] [--api-key <key>] [--seed <n>] [--speech auto|espeak|tone]';
const VALUED = new Set(['--port', '--api-key', '--seed', '--speech']);
const FLAGS = new Set(['--every-connection', '--rehearsal']);

function option(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at >= 0 ? (argv[at + 1] ?? '') : undefined;
}

function usageError(why: string): Error {
  return new Error(`Failed to start the Realtime simulator: ${why}. Please run: ${USAGE}`);
}

async function main(argv: string[]): Promise<void> {
  const positional = argv.filter((arg, i) => !arg.startsWith('--') && !VALUED.has(argv[i - 1] ?? ''));
  const unknown = argv.find((arg) => arg.startsWith('--') && !VALUED.has(arg) && !FLAGS.has(arg));
  if (unknown !== undefined) throw usageError(`unknown option ${unknown}`);
  const rehearsal = argv.includes('--rehearsal');
  const file = positional[0];
  const port = Number(option(argv, '--port') ?? 0);
  const apiKey = option(argv, '--api-key');
  const seed = Number(option(argv, '--seed') ?? 1);
  const speech = option(argv, '--speech') ?? 'auto';
  if (rehearsal && file !== undefined) throw usageError('both a script file and --rehearsal');
  if (!rehearsal && file === undefined) throw usageError('no script file (or --rehearsal)');
  if (positional.length > 1) throw usageError(`more than one script file (${positional.join(', ')})`);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw usageError('a bad --port');
  if (apiKey === '') throw usageError('an empty --api-key');
  if (!Number.isSafeInteger(seed)) throw usageError('a bad --seed (a whole number)');
  if (!['auto', 'espeak', 'tone'].includes(speech)) throw usageError(`a bad --speech ${JSON.stringify(speech)} (auto, espeak or tone)`);
  const simulator = await startRealtimeSimulator({
    ...(rehearsal ? { rehearsal: { seed, speech: speech as SpeechMode } } : { script: await loadSimulatorScript(file as string) }),
    port,
    ...(apiKey === undefined ? {} : { apiKey }),
    playOn: argv.includes('--every-connection') ? 'every' : 'first',
  });
  process.stdout.write(`${JSON.stringify({ url: simulator.url, httpUrl: simulator.httpUrl })}\n`);
  if (!rehearsal) void simulator.done.then((result) => process.stderr.write(`${JSON.stringify({ script: result })}\n`));
  const stop = (): void => void simulator.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
