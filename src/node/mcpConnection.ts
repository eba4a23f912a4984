/**
 * MCP connections that may spawn a local server over stdio: the SDK's stdio transport needs
 * node:child_process, so it lives behind `realtime-mcp-proxy/node`. The child's stderr is read into
 * a bounded tail, and when the child ends without us closing it, the transport reports how (exit
 * code or signal, and that tail) to `onerror` just before `onclose`: the connection quotes it in the
 * error ("the server exited (code 1). Its last output: "Stripe API key not provided"").
 */
import type { ChildProcess } from 'node:child_process';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { McpConnection, type McpConnectionOptions } from '../mcp/connection.js';
import { McpServerExit, type StdioTransportFactory } from '../mcp/transports.js';
import type { McpServerConfig } from '../mcp/types.js';
import { StderrTail } from './stderrTail.js';

/** How long the exit report waits for the last of stderr after the process closed, in ms. */
const STDERR_DRAIN_MS = 200;

export interface StdioTransportFactoryOptions {
  /** Default for servers whose config has no `stderr`. Default `capture`. */
  stderr?: 'capture' | 'inherit';
  /** Where `inherit` passes the server's stderr. Default: this process's stderr. */
  inheritTo?: { write(chunk: Buffer): unknown };
  /** How many of the last stderr lines are kept. Default 20. */
  tailLines?: number;
}

/** Spawns `config.command` with `config.args`; see the module comment for what becomes of its stderr. */
export function createStdioTransportFactory(options: StdioTransportFactoryOptions = {}): StdioTransportFactory {
  return (config: McpServerConfig) => new TailedStdioTransport(config, options);
}

export function createNodeMcpConnection(config: McpServerConfig, options: McpConnectionOptions = {}): McpConnection {
  return new McpConnection(config, { stdioTransport: createStdioTransportFactory(), ...options });
}

class TailedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  readonly #inner: StdioClientTransport;
  readonly #tail: StderrTail;
  #child: ChildProcess | undefined;
  #closing = false;
  readonly #stderrEnded: Promise<void>;

  constructor(config: McpServerConfig, options: StdioTransportFactoryOptions) {
    this.#inner = new StdioClientTransport({
      command: config.command!,
      args: [...(config.args ?? [])],
      // Without env the SDK passes only a safe allow-list (HOME, PATH, …), never the proxy's secrets.
      ...(config.env ? { env: config.env } : {}),
      ...(config.cwd ? { cwd: config.cwd } : {}),
      stderr: 'pipe',
    });
    this.#tail = new StderrTail(options.tailLines === undefined ? {} : { maxLines: options.tailLines });
    const inherit = (config.stderr ?? options.stderr) === 'inherit' ? (options.inheritTo ?? process.stderr) : undefined;
    // The SDK hands out the pipe before start: nothing the server writes first is missed. Read
    // always, so a chatty server never blocks on a full pipe.
    const stderr = this.#inner.stderr!;
    stderr.on('data', (chunk: Buffer) => {
      this.#tail.write(chunk);
      inherit?.write(chunk);
    });
    this.#stderrEnded = new Promise((done) => {
      stderr.once('end', done);
      stderr.once('close', done);
    });
    this.#inner.onmessage = (message) => this.onmessage?.(message);
    this.#inner.onerror = (error) => this.onerror?.(error);
    this.#inner.onclose = () => void this.#closed();
  }

  get pid(): number | null {
    return this.#inner.pid;
  }

  async start(): Promise<void> {
    await this.#inner.start();
    // The exit code is not in the SDK's API; its child process is (a private field, hence the guard).
    const child = (this.#inner as unknown as { _process?: unknown })._process;
    if (typeof child === 'object' && child !== null && 'exitCode' in child) this.#child = child as ChildProcess;
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.#inner.send(message);
  }

  async close(): Promise<void> {
    this.#closing = true;
    await this.#inner.close();
  }

  /** The process ended: unless we ended it, say how, with its last stderr lines, then close. */
  async #closed(): Promise<void> {
    if (!this.#closing) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([this.#stderrEnded, new Promise((done) => (timer = setTimeout(done, STDERR_DRAIN_MS)))]);
      clearTimeout(timer);
      const child = this.#child;
      this.onerror?.(new McpServerExit(child?.exitCode ?? null, child?.signalCode ?? null, this.#tail.lines()));
    }
    this.onclose?.();
  }
}
