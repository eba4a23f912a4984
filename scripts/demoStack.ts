/**
 * Everything the demo page talks to, on 127.0.0.1: serve (the page's OpenAI key, recordings, a big
 * event log, run-time MCP servers on loopback, approvals `auto`), and offline also the simulator in
 * rehearsal mode as serve's OpenAI and server-everything over Streamable HTTP as a bundled MCP
 * server. The page comes from Vite's dev server (`npm run demo`) or, built, from serve itself
 * (`demo: { dir }`, as the browser tests use it). `close()` stops it all, bounded.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ViteDevServer } from 'vite';
import { startRealtimeSimulator, type RealtimeSimulator, type StartRealtimeSimulatorOptions } from '../harness/simulator/index.js';
import { startServe, type RunningServe, type ServeLogEntry, type StartServeOptions } from '../src/node/index.js';
import { freePort, startEverything, type RunningServer } from '../test/support/mcpServers.js';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

export interface DemoStackOptions {
  /** Start the simulator (rehearsal) as OpenAI and server-everything as a bundled MCP server. */
  offline: boolean;
  /** Serve the built page from this folder (serve's `demo`), instead of starting Vite's dev server. */
  builtDir?: string;
  /** Vite's port (default: a free one). */
  port?: number;
  /** Where serve and the stack say what they do (redacted by serve). Default: nowhere. */
  log?: (line: string) => void;
  /** serve options to add or override (tests: a simulator with a key as `openaiBaseUrl`, tool limits…). */
  serve?: Partial<StartServeOptions>;
  /** Simulator options to add (tests: `rehearsal` seed). */
  simulator?: Partial<StartRealtimeSimulatorOptions>;
}

export interface DemoStack {
  /** `http://127.0.0.1:<port>/#token=<token>[&mcp=<url>]`: the page, its access token in the fragment. */
  readonly pageUrl: string;
  /** The page's origin. */
  readonly origin: string;
  readonly serve: RunningServe;
  readonly simulator: RealtimeSimulator | undefined;
  /** The bundled MCP server's URL (offline). */
  readonly mcpUrl: string | undefined;
  close(): Promise<void>;
}

const CLOSE_DEADLINE_MS = 3_000;

export async function startDemoStack(options: DemoStackOptions): Promise<DemoStack> {
  const log = options.log ?? (() => undefined);
  const stops: Array<() => Promise<unknown>> = [];
  const close = async () => {
    // Last started, first stopped; each bounded, none may keep the others from stopping.
    for (const stop of stops.reverse()) {
      await Promise.race([stop().catch((error: unknown) => log(`stopping: ${(error as Error).message}`)), new Promise((done) => setTimeout(done, CLOSE_DEADLINE_MS).unref())]);
    }
  };
  try {
    let simulator: RealtimeSimulator | undefined;
    let everything: RunningServer | undefined;
    if (options.offline) {
      simulator = await startRealtimeSimulator({ rehearsal: true, deltaDelayMs: 20, ...options.simulator });
      stops.push(() => simulator!.close());
      everything = await startEverything('streamableHttp');
      stops.push(() => everything!.stop());
      log(`simulator (rehearsal) ${simulator.httpUrl}; MCP server-everything ${everything.url}`);
    }
    const vitePort = options.builtDir ? undefined : (options.port ?? (await freePort()));
    const serveOptions: StartServeOptions = {
      port: 0,
      openAiKeyFromBrowser: true,
      recordSessions: true,
      events: { capacity: 5000 },
      runtimeMcp: { enabled: true, allowAddresses: ['127.0.0.1'] },
      approval: { mode: 'auto' },
      // The dev page calls serve through Vite's proxy, which keeps the page's Origin.
      ...(vitePort !== undefined ? { allowedOrigins: [`http://127.0.0.1:${vitePort}`] } : {}),
      ...(simulator ? { openaiBaseUrl: `${simulator.httpUrl}/v1` } : {}),
      ...(options.builtDir ? { demo: { dir: options.builtDir } } : {}),
      log: (entry: ServeLogEntry) => log(`serve ${entry.level} ${entry.message}`),
      ...options.serve,
    };
    // No apiKey: the page sends its own (openAiKeyFromBrowser), or the simulator takes any.
    const serve = await startServe(serveOptions);
    stops.push(() => serve.close({ deadlineMs: 2_000 }));
    let origin = serve.url;
    if (vitePort !== undefined) {
      const vite = await startVite(vitePort, serve.url);
      stops.push(() => vite.close());
      origin = `http://127.0.0.1:${vitePort}`;
    }
    const fragment = new URLSearchParams({ token: serve.accessToken });
    if (everything) fragment.append('mcp', everything.url);
    return { pageUrl: `${origin}/#${fragment.toString()}`, origin, serve, simulator, mcpUrl: everything?.url, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Vite's dev server for demo/, proxying serve's routes to `serveUrl` (demo/vite.config.ts reads DEMO_SERVE_URL). */
async function startVite(port: number, serveUrl: string): Promise<ViteDevServer> {
  process.env.DEMO_SERVE_URL = serveUrl;
  const { createServer } = await import('vite');
  const vite = await createServer({
    configFile: resolve(REPO_ROOT, 'demo/vite.config.ts'),
    server: { host: '127.0.0.1', port, strictPort: true, open: false },
    clearScreen: false,
    logLevel: 'warn',
  });
  await vite.listen();
  return vite;
}
