/**
 * `startServe`: the serve app on a Node HTTP server (@hono/node-server), bound to 127.0.0.1 unless
 * told otherwise, with a graceful `close()`. Signals are the caller's (the CLI stops on SIGTERM and
 * SIGINT).
 */
import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProxyError } from '../errors.js';
import { isLoopback } from '../isLoopback.js';
import { createServeApp, type ServeApp } from './app.js';
import type { ServeOptions } from './serveOptions.js';
import { gracefulShutdown, type ShutdownResult } from './shutdown.js';

export interface StartServeOptions extends ServeOptions {
  /** Default 127.0.0.1. Anything that is not loopback is warned about (put TLS in front of it). */
  host?: string;
  /** Default 8787; 0 for any free port. */
  port?: number;
}

export interface RunningServe {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly accessToken: string;
  readonly generatedToken: boolean;
  readonly app: ServeApp;
  /** Graceful: stop accepting, let tool calls in flight finish within `deadlineMs` (default shutdownTimeoutMs), close sessions and connections. */
  close(options?: { deadlineMs?: number }): Promise<ShutdownResult>;
}

export const DEFAULT_SERVE_PORT = 8787;

export async function startServe(options: StartServeOptions): Promise<RunningServe> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? DEFAULT_SERVE_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ProxyError('invalid_options', `Failed to configure serve: the port ${String(port)} is not 0–65535. Please give a port number.`);
  if (options.openAiKeyFromBrowser === true && !isLoopback(host)) {
    // A page's key crosses the wire to serve in clear: only on this machine.
    throw new ProxyError('invalid_options', `Failed to configure serve: openAiKeyFromBrowser takes the page's OpenAI key over plain http, and serve binds ${host}, which other machines reach. Please bind 127.0.0.1 (or give serve its own key).`);
  }
  const app = createServeApp(options);
  if (!isLoopback(host)) {
    options.log?.({
      level: 'warn',
      message: `serve listens on ${host}, reachable from other machines: the access token and ephemeral keys travel in clear over plain http. Please put TLS in front of it (a reverse proxy), or bind 127.0.0.1.`,
    });
  }
  await app.ready();
  const server = createAdaptorServer({ fetch: app.app.fetch, hostname: host }) as Server;
  // A slow client cannot hold a connection forever before sending its request.
  server.headersTimeout = 15_000;
  server.requestTimeout = 60_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await app.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new ProxyError('invalid_options', `Failed to listen on ${host}:${port}: ${code === 'EADDRINUSE' ? 'the port is in use' : code === 'EACCES' ? 'permission denied' : (error as Error).message}. Please choose another --port or --host.`, { cause: error });
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<ShutdownResult> | undefined;
  return {
    url: `http://${shownHost}:${address.port}`,
    host: address.address,
    port: address.port,
    accessToken: app.accessToken,
    generatedToken: app.generatedToken,
    app,
    close: (closeOptions = {}) => (closing ??= gracefulShutdown(server, app, closeOptions.deadlineMs ?? app.options.shutdownTimeoutMs)),
  };
}
