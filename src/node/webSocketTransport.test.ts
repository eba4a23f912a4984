import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { ProxyError } from '../errors.js';
import { createWebSocketTransport, type WebSocketInit } from '../protocol/websocketTransport.js';
import type { RealtimeTransport, TransportCloseInfo } from '../protocol/transport.js';
import { createNodeWebSocket } from './webSocketFactory.js';
import { createNodeWebSocketTransport } from './webSocketTransport.js';

const API_KEY = 'sk-test-0123456789abcdefghijkl';
const EPHEMERAL_KEY = 'ek_test_0123456789abcdefghijklmnop';

const sessionCreated = {
  type: 'session.created',
  event_id: 'event_1',
  session: { type: 'realtime', object: 'realtime.session', id: 'sess_1', model: 'gpt-realtime', output_modalities: ['audio'] },
};

interface Peer {
  url: string;
  /** Handshakes seen by the server. */
  requests: IncomingMessage[];
  /** Resolves with the server side of the next connection. */
  nextSocket(): Promise<ServerSocket>;
  /** Text frames the server received, in order. */
  received: string[];
  close(): Promise<void>;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A real WebSocket server on 127.0.0.1 playing the Realtime service. */
async function startPeer(options: { rejectWith?: number; closeReason?: string } = {}): Promise<Peer> {
  const http: Server = createServer();
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has('realtime') ? 'realtime' : false) });
  const requests: IncomingMessage[] = [];
  const received: string[] = [];
  const waiting: Array<(socket: ServerSocket) => void> = [];
  const sockets: ServerSocket[] = [];
  http.on('upgrade', (request, socket: Socket, head) => {
    requests.push(request);
    if (options.rejectWith !== undefined) {
      socket.end(`HTTP/1.1 ${options.rejectWith} Unauthorized\r\nContent-Type: application/json\r\n\r\n{"error":{"message":"Incorrect API key provided: ${API_KEY}"}}`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      sockets.push(ws);
      ws.on('message', (data, isBinary) => {
        if (!isBinary) received.push(data.toString());
      });
      waiting.shift()?.(ws);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const peer: Peer = {
    url: `ws://127.0.0.1:${port}/v1/realtime?model=gpt-realtime`,
    requests,
    received,
    nextSocket: () => new Promise((resolve) => waiting.push(resolve)),
    close: async () => {
      for (const s of sockets) s.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  cleanups.push(() => peer.close());
  return peer;
}

function track(transport: RealtimeTransport): RealtimeTransport {
  cleanups.push(() => void transport.close().catch(() => undefined));
  return transport;
}

function nextEvent<T>(transport: RealtimeTransport, name: 'event' | 'error' | 'close'): Promise<T> {
  return new Promise((resolve) => {
    const off = transport.on(name, (...args: unknown[]) => {
      off();
      resolve(args[0] as T);
    });
  });
}

describe('createNodeWebSocketTransport', () => {
  it('authenticates with an Authorization: Bearer header and offers no sub-protocol', async () => {
    const peer = await startPeer();
    const transport = track(createNodeWebSocketTransport({ url: peer.url, apiKey: API_KEY }));
    await transport.connect();
    expect(transport.state).toBe('open');
    expect(peer.requests[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(peer.requests[0]?.headers['sec-websocket-protocol']).toBeUndefined();
    expect(peer.requests[0]?.url).toBe('/v1/realtime?model=gpt-realtime');
  });

  it('fetches the key from a function at connect time', async () => {
    const peer = await startPeer();
    const transport = track(createNodeWebSocketTransport({ url: peer.url, apiKey: async () => EPHEMERAL_KEY }));
    await transport.connect();
    expect(peer.requests[0]?.headers.authorization).toBe(`Bearer ${EPHEMERAL_KEY}`);
  });

  it('uses an api-key header for Azure OpenAI hosts', () => {
    const seen: WebSocketInit[] = [];
    const transport = createNodeWebSocketTransport({
      url: 'wss://my-resource.openai.azure.com/openai/v1/realtime?model=my-deployment',
      apiKey: API_KEY,
      createWebSocket: (_url, init) => {
        seen.push(init);
        throw new Error('no network in tests');
      },
    });
    return transport.connect().then(
      () => expect.fail('connect should fail'),
      (error: ProxyError) => {
        expect(seen[0]?.headers['api-key']).toBe(API_KEY);
        expect(seen[0]?.headers.Authorization).toBeUndefined();
        expect(error.code).toBe('connect_failed');
      },
    );
  });

  it('receives decoded server events and sends validated client events', async () => {
    const peer = await startPeer();
    const transport = track(createNodeWebSocketTransport({ url: peer.url, apiKey: API_KEY }));
    const serverSide = peer.nextSocket();
    await transport.connect();
    const ws = await serverSide;
    const received = nextEvent<{ type: string; session: { id: string } }>(transport, 'event');
    ws.send(JSON.stringify(sessionCreated));
    expect((await received).session.id).toBe('sess_1');

    const arrived = new Promise<string>((resolve) => ws.once('message', (data) => resolve(data.toString())));
    expect(transport.send({ type: 'response.create', event_id: 'cli_1' })).toEqual({ ok: true });
    expect(JSON.parse(await arrived)).toEqual({ type: 'response.create', event_id: 'cli_1' });
  });

  it('never sends an invalid client event, and says why', async () => {
    const peer = await startPeer();
    const transport = track(createNodeWebSocketTransport({ url: peer.url, apiKey: API_KEY }));
    const serverSide = peer.nextSocket();
    await transport.connect();
    const ws = await serverSide;
    const bad = transport.send({ type: 'response.create', response: { modalities: ['audio'] } } as never);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.code).toBe('invalid_event');
    expect(!bad.ok && bad.error.message).toContain('/response/modalities');

    const arrived = new Promise<string>((resolve) => ws.once('message', (data) => resolve(data.toString())));
    transport.send({ type: 'input_audio_buffer.commit' });
    expect(JSON.parse(await arrived).type).toBe('input_audio_buffer.commit');
    expect(peer.received).toHaveLength(1);
  });

  it('reports an undecodable frame as an error and keeps the connection up', async () => {
    const peer = await startPeer();
    const transport = track(createNodeWebSocketTransport({ url: peer.url, apiKey: API_KEY }));
    const serverSide = peer.nextSocket();
    await transport.connect();
    const ws = await serverSide;
    const errors: ProxyError[] = [];
    transport.on('error', (error) => errors.push(error));
    const received = nextEvent<{ type: string }>(transport, 'event');
    ws.send('{"type": "response.done", "response": ');
    ws.send(JSON.stringify({ type: 'response.done', event_id: 'event_2', response: { id: 'resp_1', status: 'bogus' } }));
    ws.send(Buffer.from(JSON.stringify(sessionCreated)), { binary: true });
    expect((await received).type).toBe('session.created');
    expect(errors.map((e) => e.code)).toEqual(['invalid_json', 'invalid_event']);
    expect(errors[1]?.message).toContain('/response/status');
    expect(transport.state).toBe('open');
    expect(transport.send({ type: 'input_audio_buffer.clear' })).toEqual({ ok: true });
  });

  it('reports every frame, both directions, to frame listeners', async () => {
    const peer = await startPeer();
    const transport = track(createNodeWebSocketTransport({ url: peer.url, apiKey: API_KEY }));
    const frames: Array<[string, string]> = [];
    transport.on('frame', (direction, text) => frames.push([direction, text]));
    const serverSide = peer.nextSocket();
    await transport.connect();
    const ws = await serverSide;
    const received = nextEvent(transport, 'event');
    ws.send(JSON.stringify(sessionCreated));
    await received;
    transport.send({ type: 'response.cancel' });
    expect(frames).toEqual([
      ['in', JSON.stringify(sessionCreated)],
      ['out', '{"type":"response.cancel"}'],
    ]);
  });

  it('surfaces the close code and reason of the server, and does not reconnect', async () => {
    const peer = await startPeer();
    const transport = track(createNodeWebSocketTransport({ url: peer.url, apiKey: API_KEY }));
    const serverSide = peer.nextSocket();
    await transport.connect();
    const ws = await serverSide;
    const closed = nextEvent<TransportCloseInfo>(transport, 'close');
    ws.close(4000, 'session_expired');
    expect(await closed).toEqual({ code: 4000, reason: 'session_expired', wasClean: true });
    expect(transport.state).toBe('closed');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(peer.requests).toHaveLength(1);
    const retry = await transport.connect().catch((error: ProxyError) => error);
    expect(ProxyError.isInstance(retry) && retry.code).toBe('not_open');
    expect(transport.send({ type: 'response.create' }).ok).toBe(false);
  });

  it('redacts the key from a close reason that echoes it', async () => {
    const peer = await startPeer();
    const transport = track(createNodeWebSocketTransport({ url: peer.url, apiKey: API_KEY }));
    const serverSide = peer.nextSocket();
    await transport.connect();
    const closed = nextEvent<TransportCloseInfo>(transport, 'close');
    (await serverSide).close(4001, `bad key ${API_KEY}`);
    const info = await closed;
    expect(info.reason).toBe('bad key <redacted>');
  });

  it('closes with the code it is given and resolves with how the connection ended', async () => {
    const peer = await startPeer();
    const transport = track(createNodeWebSocketTransport({ url: peer.url, apiKey: API_KEY }));
    const serverSide = peer.nextSocket();
    await transport.connect();
    const ws = await serverSide;
    const seenByServer = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    const info = await transport.close(1000, 'done');
    expect(info.code).toBe(1000);
    expect(await seenByServer).toBe(1000);
  });

  it('fails to connect on a rejected handshake without ever showing the key', async () => {
    const peer = await startPeer({ rejectWith: 401 });
    const transport = track(createNodeWebSocketTransport({ url: peer.url, apiKey: API_KEY }));
    const errors: ProxyError[] = [];
    const closes: TransportCloseInfo[] = [];
    transport.on('error', (error) => errors.push(error));
    transport.on('close', (info) => closes.push(info));
    const error = await transport.connect().catch((e: ProxyError) => e);
    expect(ProxyError.isInstance(error) && error.code).toBe('connect_failed');
    expect((error as ProxyError).message).toContain('401');
    const everything = JSON.stringify([String(error), (error as Error).stack, errors.map(String), closes]);
    expect(everything).not.toContain(API_KEY);
  });

  it('times out a server that never answers the handshake', async () => {
    const silent = createServer();
    silent.on('upgrade', () => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    silent.on('connection', (socket) => cleanups.push(() => void socket.destroy()));
    const { port } = silent.address() as AddressInfo;
    const transport = track(createNodeWebSocketTransport({ url: `ws://127.0.0.1:${port}/`, apiKey: API_KEY, connectTimeoutMs: 200 }));
    const error = await transport.connect().catch((e: ProxyError) => e);
    expect((error as ProxyError).code).toBe('connect_failed');
    expect((error as ProxyError).message).toContain('200 ms');
  });
});

describe('createWebSocketTransport (browser-style authentication)', () => {
  it('puts an ephemeral key in the realtime sub-protocols, not in a header', async () => {
    const peer = await startPeer();
    const transport = track(
      createWebSocketTransport({ url: peer.url, apiKey: EPHEMERAL_KEY, createWebSocket: (url, init) => createNodeWebSocket(url, { ...init, headers: {} }) }),
    );
    await transport.connect();
    expect(peer.requests[0]?.headers['sec-websocket-protocol']?.split(/,\s*/)).toEqual(['realtime', `openai-insecure-api-key.${EPHEMERAL_KEY}`]);
    expect(peer.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('refuses a standard API key in a sub-protocol unless told otherwise, without echoing it', async () => {
    const transport = createWebSocketTransport({ url: 'ws://127.0.0.1:9/', apiKey: API_KEY, createWebSocket: createNodeWebSocket });
    const error = (await transport.connect().catch((e: ProxyError) => e)) as ProxyError;
    expect(error.code).toBe('invalid_options');
    expect(error.message).toContain('ek_');
    expect(error.message).not.toContain(API_KEY);

    const peer = await startPeer();
    const allowed = track(createWebSocketTransport({ url: peer.url, apiKey: API_KEY, createWebSocket: createNodeWebSocket, dangerouslyAllowApiKeyInBrowser: true }));
    await allowed.connect();
    expect(allowed.state).toBe('open');
  });

  it('explains what to do when the runtime has no global WebSocket', async () => {
    const hasGlobal = typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function';
    const transport = createWebSocketTransport({ url: 'ws://127.0.0.1:9/', apiKey: EPHEMERAL_KEY });
    const result = await transport.connect().catch((e: ProxyError) => e);
    if (hasGlobal) expect(result).toBeInstanceOf(Error);
    else expect((result as ProxyError).message).toContain('realtime-mcp-proxy/node');
  });

  it('rejects a URL that is not ws: or wss:', () => {
    expect(() => createWebSocketTransport({ url: 'https://api.openai.com/v1/realtime?api_key=secret' })).toThrowError(/not ws: or wss:/);
    try {
      createWebSocketTransport({ url: 'https://api.openai.com/v1/realtime?api_key=secret' });
    } catch (error) {
      expect((error as ProxyError).message).not.toContain('secret');
    }
  });

  it('needs a key unless authentication is none', async () => {
    const peer = await startPeer();
    const missing = createWebSocketTransport({ url: peer.url, createWebSocket: createNodeWebSocket });
    expect(((await missing.connect().catch((e: ProxyError) => e)) as ProxyError).code).toBe('invalid_options');
    const local = track(createWebSocketTransport({ url: peer.url, createWebSocket: createNodeWebSocket, authentication: 'none' }));
    await local.connect();
    expect(peer.requests.at(-1)?.headers.authorization).toBeUndefined();
  });
});
