/**
 * The sideband against a real WebSocket server on 127.0.0.1 that plays the Realtime endpoint of a
 * call: the handshake (`?call_id=`, the bearer key), events both ways, audio appends refused before
 * the wire, hostile ids and ek_ keys refused before any connection; and createNodeRealtimeMcpProxy
 * attached to a call with `sideband: { callId }`.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { ProxyError } from '../errors.js';
import { createNodeRealtimeMcpProxy } from './realtimeMcpProxy.js';
import { createNodeSidebandTransport } from './sidebandTransport.js';

const KEY = 'sk-test-key';

interface Handshake {
  url: string;
  authorization: string | undefined;
}

/** A call's Realtime endpoint: records each handshake and client frame, answers session.update with session.updated. */
let server: WebSocketServer;
let baseUrl: string;
let handshakes: Handshake[];
let received: string[];
const sockets = new Set<WebSocket>();

beforeEach(async () => {
  handshakes = [];
  received = [];
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  baseUrl = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/v1/realtime`;
  server.on('connection', (socket, req) => {
    sockets.add(socket);
    handshakes.push({ url: req.url ?? '', authorization: req.headers.authorization });
    socket.send(JSON.stringify({ type: 'session.created', event_id: 'event_1', session: { type: 'realtime', object: 'realtime.session', id: 'sess_1', model: 'gpt-realtime' } }));
    socket.on('message', (data) => {
      const text = String(data);
      received.push(text);
      const event = JSON.parse(text) as { type: string; session?: Record<string, unknown> };
      if (event.type === 'session.update') socket.send(JSON.stringify({ type: 'session.updated', event_id: 'event_2', session: { ...event.session, object: 'realtime.session', id: 'sess_1' } }));
    });
  });
});

afterEach(async () => {
  for (const socket of sockets) socket.terminate();
  sockets.clear();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('createNodeSidebandTransport', () => {
  it('attaches with ?call_id= and the bearer key, hears the call’s events and sends client events', async () => {
    const transport = createNodeSidebandTransport({ callId: 'rtc_abc123', apiKey: KEY, baseUrl });
    expect(transport.callId).toBe('rtc_abc123');
    expect(transport.audio).toBe('media');
    const heard: string[] = [];
    const first = new Promise<void>((resolve) =>
      transport.on('event', (event) => {
        heard.push(event.type);
        resolve();
      }),
    );
    await transport.connect();
    await first;
    expect(handshakes).toEqual([{ url: '/v1/realtime?call_id=rtc_abc123', authorization: `Bearer ${KEY}` }]);
    expect(heard).toEqual(['session.created']);
    expect(transport.send({ type: 'response.create' })).toEqual({ ok: true });
    await expect.poll(() => received).toEqual(['{"type":"response.create"}']);
    await transport.close();
    expect(transport.state).toBe('closed');
  });

  it('refuses input_audio_buffer.append (the call’s audio is on its own media) with not_supported, and sends nothing', async () => {
    const transport = createNodeSidebandTransport({ callId: 'rtc_abc123', apiKey: async () => KEY, baseUrl: `${baseUrl}?model=gpt-realtime` });
    await transport.connect();
    expect(handshakes[0]!.url).toBe('/v1/realtime?call_id=rtc_abc123');
    const result = transport.send({ type: 'input_audio_buffer.append', audio: 'AAAA' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatchObject({ code: 'not_supported', message: expect.stringMatching(/^Failed to send input_audio_buffer\.append on the sideband of call rtc_abc123: .+\. Please .+\.$/) });
    expect(transport.send({ type: 'input_audio_buffer.clear' })).toEqual({ ok: true });
    await expect.poll(() => received).toEqual(['{"type":"input_audio_buffer.clear"}']);
    await transport.close();
  });

  it.each(['../admin', 'rtc_1&model=x', 'rtc 1', '', 'a'.repeat(129), 7])('a hostile call id %j is refused before any connection', (callId) => {
    expect(() => createNodeSidebandTransport({ callId: callId as string, apiKey: KEY, baseUrl })).toThrow(expect.objectContaining({ code: 'invalid_options', message: expect.stringMatching(/^Failed to attach to the call: the call id is/) }));
    expect(handshakes).toEqual([]);
  });

  it('an ek_ client secret is refused (OpenAI would answer call_id_not_found), given as a string or by a function', async () => {
    expect(() => createNodeSidebandTransport({ callId: 'rtc_1', apiKey: 'ek_test123', baseUrl })).toThrow(expect.objectContaining({ code: 'invalid_options' }));
    const transport = createNodeSidebandTransport({ callId: 'rtc_1', apiKey: () => 'ek_test123', baseUrl });
    const error = (await transport.connect().catch((e: unknown) => e)) as ProxyError;
    expect(error).toMatchObject({ code: 'invalid_options', message: expect.stringContaining('an ek_ client secret cannot attach a sideband') });
    expect(error.message).not.toContain('ek_test123');
    expect(handshakes).toEqual([]);
  });
});

describe('createNodeRealtimeMcpProxy({ sideband })', () => {
  it('attaches to the call with the standard key and configures the session over it', async () => {
    const proxy = createNodeRealtimeMcpProxy({ sideband: { callId: 'rtc_sip1', baseUrl }, apiKey: KEY, servers: [], instructions: 'Answer the phone.' });
    await proxy.start();
    expect(handshakes).toEqual([{ url: '/v1/realtime?call_id=rtc_sip1', authorization: `Bearer ${KEY}` }]);
    await expect.poll(() => received.map((text) => (JSON.parse(text) as { type: string }).type)).toContain('session.update');
    await proxy.close();
  });

  it('refuses sideband beside url or transport, or without apiKey', () => {
    const transport = createNodeSidebandTransport({ callId: 'rtc_1', apiKey: KEY, baseUrl });
    expect(() => createNodeRealtimeMcpProxy({ sideband: { callId: 'rtc_1' }, url: baseUrl, apiKey: KEY, servers: [] })).toThrow(expect.objectContaining({ code: 'invalid_options', message: expect.stringContaining('both `sideband` and `url`') }));
    expect(() => createNodeRealtimeMcpProxy({ sideband: { callId: 'rtc_1' }, transport, apiKey: KEY, servers: [] })).toThrow(expect.objectContaining({ message: expect.stringContaining('both `sideband` and `transport`') }));
    expect(() => createNodeRealtimeMcpProxy({ sideband: { callId: 'rtc_1' }, servers: [] })).toThrow(expect.objectContaining({ message: expect.stringContaining('`sideband` needs `apiKey`') }));
    expect(handshakes).toEqual([]);
  });
});
