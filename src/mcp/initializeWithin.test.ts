/**
 * `initialize` past its deadline, against a real HTTP server on 127.0.0.1 that takes every request
 * and answers none: the connection gives up by closing its transport, and never sends
 * `notifications/cancelled` for `initialize` (the MCP spec: initialize is not cancellable).
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { McpConnection } from './connection.js';
import type { FetchLike } from './transports.js';

let silent: Server;
let url: string;
const sockets = new Set<Socket>();
beforeEach(async () => {
  silent = createServer(() => undefined);
  silent.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(silent.address() as { port: number }).port}/mcp`;
});
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await new Promise((done) => silent.close(done));
});

/** A fetch that notes the JSON-RPC methods of every request as it is made. */
function notingFetch(methods: string[]): FetchLike {
  return (input, init) => {
    if (typeof init?.body === 'string') {
      const parsed = JSON.parse(init.body) as { method?: string } | Array<{ method?: string }>;
      for (const message of Array.isArray(parsed) ? parsed : [parsed]) if (message.method) methods.push(message.method);
    }
    return fetch(input, init);
  };
}

describe('initialize past its deadline', () => {
  it('fails as a timeout, closes the transport, and sends no notifications/cancelled', async () => {
    const methods: string[] = [];
    const connection = new McpConnection({ label: 'silent', url, transport: 'streamable-http' }, { fetch: notingFetch(methods), connectTimeoutMs: 300 });
    const startedAt = Date.now();
    const failure = await connection.connect().then(
      () => expect.fail('connect() resolved'),
      (error: unknown) => error as Error & { cause?: unknown },
    );
    expect(Date.now() - startedAt).toBeLessThan(3_000);
    // The cause is the timeout the doctor and the call classifier recognize (-32001).
    expect(failure.cause).toBeInstanceOf(McpError);
    expect((failure.cause as McpError).code).toBe(-32001);
    await connection.close();
    // A cancellation would have been sent right at the deadline, before connect() rejected.
    expect(methods).toEqual(['initialize']);
  });
});
