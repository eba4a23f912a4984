/**
 * `npm run demo [-- --offline] [--port N] [--no-open]`: serve and the demo page (Vite's dev server) on
 * 127.0.0.1, printing the page's URL with serve's access token in the fragment. `--offline` adds the
 * simulator (it plays the model: no OpenAI key) and server-everything as an MCP server, its URL
 * pre-filled. Ctrl-C stops everything (a second Ctrl-C ends at once).
 */
import { parseArgs } from 'node:util';
import { startDemoStack, type DemoStack } from './demoStack.js';

const usage = `Usage: npm run demo [-- --offline] [--port N] [--no-open]

  --offline   no OpenAI key: the local simulator plays the model, and server-everything runs as an
              MCP server on 127.0.0.1 (pre-filled in the page)
  --port N    the page's port (default: a free one)
  --no-open   accepted for scripts; the demo never opens a browser itself: open the printed URL`;

let values: { offline?: boolean; port?: string; 'no-open'?: boolean; help?: boolean };
try {
  ({ values } = parseArgs({ options: { offline: { type: 'boolean' }, port: { type: 'string' }, 'no-open': { type: 'boolean' }, help: { type: 'boolean' } }, strict: true }));
} catch (error) {
  console.error(`Failed to start the demo: ${(error as Error).message}. Please see the usage.\n\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const port = values.port === undefined ? undefined : Number(values.port);
if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
  console.error(`Failed to start the demo: --port ${values.port} is not a port number. Please give 1–65535.`);
  process.exit(2);
}

// Signals are handled from the start: a Ctrl-C while the servers start stops them once they are up.
let stopping = false;
let stackReady: Promise<DemoStack | undefined> = Promise.resolve(undefined);
const stop = (signal: string) => {
  if (stopping) process.exit(130);
  stopping = true;
  console.error(`${signal}: stopping the demo (Ctrl-C again ends at once)`);
  // Bounded: whatever still hangs after 10 s is ended with the process.
  setTimeout(() => process.exit(1), 10_000).unref();
  void stackReady.then((stack) => stack?.close()).then(() => process.exit(0));
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

stackReady = startDemoStack({
  offline: values.offline === true,
  ...(port !== undefined ? { port } : {}),
  log: (line) => console.error(line),
}).catch((error: unknown) => {
  console.error(`Failed to start the demo: ${(error as Error).message}`);
  process.exit(1);
});
const stack = await stackReady;
if (stack && !stopping) console.log(`Demo${values.offline ? ' (offline: the simulator plays the model)' : ''}: open ${stack.pageUrl}`);
