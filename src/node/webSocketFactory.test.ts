import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import type { TransportCloseInfo } from '../protocol/transport.js';
import { taskPerEvent } from './webSocketFactory.js';
import { createNodeWebSocketTransport } from './webSocketTransport.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('taskPerEvent', () => {
  it('runs the first delivery at once and each next one after the continuations of the one before', async () => {
    const deliver = taskPerEvent();
    const log: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      deliver(() => {
        log.push(name);
        void Promise.resolve().then(() => log.push(`${name}:then`));
        process.nextTick(() => log.push(`${name}:tick`));
      });
    }
    expect(log).toEqual(['a']);
    for (let i = 0; i < 4; i++) await turn();
    // Each delivery's nextTick and promise continuation run before the next delivery.
    expect(log.map((entry) => entry[0])).toEqual(['a', 'a', 'a', 'b', 'b', 'b', 'c', 'c', 'c']);
    expect(new Set(log)).toEqual(new Set(['a', 'a:tick', 'a:then', 'b', 'b:tick', 'b:then', 'c', 'c:tick', 'c:then']));
  });

  it('opens again once the queue is empty: a lone event is never delayed', async () => {
    const deliver = taskPerEvent();
    const log: string[] = [];
    deliver(() => log.push('first'));
    for (let i = 0; i < 2; i++) await turn();
    deliver(() => log.push('later'));
    expect(log).toEqual(['first', 'later']);
  });

  it('keeps delivering after a delivery throws', async () => {
    const deliver = taskPerEvent();
    const log: string[] = [];
    deliver(() => log.push('a'));
    deliver(() => {
      throw new Error('listener failed');
    });
    deliver(() => log.push('c'));
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.prependListener('uncaughtException', onUncaught);
    try {
      for (let i = 0; i < 4; i++) await turn();
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(log).toEqual(['a', 'c']);
    expect(uncaught).toHaveLength(1);
  });
});

describe('createNodeWebSocket', () => {
  async function serverSocket(): Promise<{ url: string; socket: Promise<ServerSocket> }> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    const socket = new Promise<ServerSocket>((resolve) => wss.once('connection', resolve));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    });
    return { url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/v1/realtime`, socket };
  }

  it('lets the promise continuations of one frame run before the next frame of the same read, then delivers the close last', async () => {
    const { url, socket } = await serverSocket();
    const transport = createNodeWebSocketTransport({ url, apiKey: 'local-test-key-not-used-here' });
    cleanups.push(() => void transport.close().catch(() => undefined));
    await transport.connect();
    const ws = await socket;
    const log: string[] = [];
    transport.on('event', (event) => {
      const id = (event as { event_id?: string }).event_id ?? '?';
      log.push(id);
      void Promise.resolve().then(() => log.push(`${id}:then`));
    });
    const closed = new Promise<TransportCloseInfo>((resolve) => transport.on('close', (info) => (log.push('close'), resolve(info))));
    const frame = (id: string) => JSON.stringify({ type: 'rate_limits.updated', event_id: id, rate_limits: [] });
    // One TCP write: the client reads the three frames and the close frame in one go.
    const raw = (ws as unknown as { _socket: import('node:net').Socket })._socket;
    raw.cork();
    for (const id of ['e1', 'e2', 'e3']) ws.send(frame(id));
    ws.close(1000, 'done');
    raw.uncork();
    expect(await closed).toMatchObject({ code: 1000, reason: 'done' });
    expect(log).toEqual(['e1', 'e1:then', 'e2', 'e2:then', 'e3', 'e3:then', 'close']);
  });
});
