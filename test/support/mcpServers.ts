/**
 * Starts real MCP servers from npm as child processes on 127.0.0.1 for the integration tests, and
 * stops them. Each server gets its own free port; `bindLoopback.cjs` keeps servers that call
 * `listen(port)` without a host off the other interfaces.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bindLoopback = resolve(root, 'test/support/bindLoopback.cjs');

export const serverScripts = {
  everything: resolve(root, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js'),
  memory: resolve(root, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js'),
  filesystem: resolve(root, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js'),
  supergateway: resolve(root, 'node_modules/supergateway/dist/index.js'),
} as const;

export interface RunningServer {
  url: string;
  port: number;
  process: ChildProcess;
  /** What the server printed (stdout + stderr), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** server-everything in `streamableHttp` (endpoint /mcp) or `sse` (endpoint /sse) mode. */
export async function startEverything(mode: 'streamableHttp' | 'sse', port?: number): Promise<RunningServer> {
  const chosen = port ?? (await freePort());
  const path = mode === 'sse' ? '/sse' : '/mcp';
  return startServer(['--require', bindLoopback, serverScripts.everything, mode], { PORT: String(chosen) }, chosen, path);
}

/** supergateway bridging a stdio server to Streamable HTTP (`stateful`) or legacy SSE. */
export async function startSupergateway(
  stdioCommand: string,
  options: { port?: number; output: 'streamableHttp' | 'sse'; stateful?: boolean; sessionTimeoutMs?: number; env?: Record<string, string> },
): Promise<RunningServer> {
  const port = options.port ?? (await freePort());
  const args = ['--require', bindLoopback, serverScripts.supergateway, '--stdio', stdioCommand, '--port', String(port), '--outputTransport', options.output, '--logLevel', 'none'];
  if (options.stateful) args.push('--stateful');
  if (options.sessionTimeoutMs !== undefined) args.push('--sessionTimeout', String(options.sessionTimeoutMs));
  return startServer(args, options.env ?? {}, port, options.output === 'sse' ? '/sse' : '/mcp');
}

async function startServer(args: string[], env: Record<string, string>, port: number, path: string): Promise<RunningServer> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const server: RunningServer = {
    url: `http://127.0.0.1:${port}${path}`,
    port,
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Failed to start ${args.join(' ')}: it exited with ${child.exitCode}.\n${output}`);
    try {
      // Any HTTP answer (400 without a session, 405…) means the server is listening.
      const response = await fetch(`http://127.0.0.1:${port}${path === '/sse' ? '/' : path}`, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      return server;
    } catch {
      await new Promise((done) => setTimeout(done, 100));
    }
  }
  await server.stop();
  throw new Error(`Failed to start ${args.join(' ')}: nothing listened on port ${port} within 15 s.\n${output}`);
}
