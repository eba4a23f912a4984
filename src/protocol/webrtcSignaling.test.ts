/**
 * The WebRTC transport's SDP exchange over real HTTP (a node:http server on 127.0.0.1 plays OpenAI
 * and the app's signaling server): the request it makes, the answers it takes, the ones it refuses,
 * and what is left behind when it fails (nothing). The peer connection is the test fake.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ANSWER_SDP, FakeStream, fakePeerConnections } from '../../test/support/fakeWebRtc.js';
import { freePort } from '../../test/support/mcpServers.js';
import { ProxyError } from '../errors.js';
import { createWebRtcTransport, type WebRtcTransportOptions } from './webrtcTransport.js';
import { callIdOfLocation } from './webrtcSignaling.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Answer = (request: Received, response: ServerResponse) => void;

const servers: Array<{ close(): void }> = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A real HTTP server on loopback that records each request and answers as `answer` says. */
async function startServer(answer: Answer): Promise<{ url: string; requests: Received[]; aborted: Promise<void> }> {
  const requests: Received[] = [];
  let markAborted!: () => void;
  const aborted = new Promise<void>((resolve) => (markAborted = resolve));
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(received);
      response.on('close', () => {
        if (!response.writableEnded) markAborted();
      });
      answer(received, response);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  servers.push({ close: () => (server.closeAllConnections(), server.close()) });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, aborted };
}

const sdpAnswer =
  (status = 201, headers: Record<string, string> = { Location: '/v1/realtime/calls/rtc_abc123' }): Answer =>
  (_request, response) => {
    response.writeHead(status, { 'Content-Type': 'application/sdp', ...headers });
    response.end(ANSWER_SDP);
  };

const refusal =
  (status: number, body: string, type = 'application/json'): Answer =>
  (_request, response) => {
    response.writeHead(status, { 'Content-Type': type });
    response.end(body);
  };

/** A transport whose fakes are kept for the test to inspect. */
function transportWith(options: Partial<WebRtcTransportOptions> & Record<string, unknown>) {
  const peers = fakePeerConnections();
  const microphone = new FakeStream();
  let asked = 0;
  const transport = createWebRtcTransport({
    createPeerConnection: peers.create,
    microphone: async () => {
      asked += 1;
      return microphone;
    },
    audioElement: null,
    ...options,
  } as WebRtcTransportOptions);
  return { transport, peers, microphone, asked: () => asked };
}

async function failure(promise: Promise<unknown>): Promise<ProxyError> {
  const error = await promise.then(
    () => undefined,
    (cause: unknown) => cause,
  );
  if (!ProxyError.isInstance(error)) throw new Error(`expected a ProxyError, got ${String(error)}`);
  return error;
}

describe('with an ephemeral key, straight to OpenAI', () => {
  it('POSTs the offer (gathered candidates included) as application/sdp with the bearer key, reads the call id from Location, sets the answer', async () => {
    const server = await startServer(sdpAnswer());
    const { transport, peers } = transportWith({ clientSecret: 'ek_test123', baseUrl: `${server.url}/v1/` });
    await transport.connect();
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('/v1/realtime/calls');
    expect(request!.headers['content-type']).toBe('application/sdp');
    expect(request!.headers.authorization).toBe('Bearer ek_test123');
    expect(request!.body).toBe(peers.last.localDescription!.sdp);
    expect(request!.body).toMatch(/^v=0\r\n[\s\S]*a=candidate:/);
    expect(peers.last.remoteDescription).toEqual({ type: 'answer', sdp: ANSWER_SDP });
    expect(transport.callId).toBe('rtc_abc123');
    expect(transport.state).toBe('open');
    await transport.close();
  });

  it('takes the key from a function at connect time, through the injected fetch', async () => {
    const server = await startServer(sdpAnswer());
    const fetched: string[] = [];
    const { transport } = transportWith({
      clientSecret: async () => 'ek_fresh456',
      baseUrl: `${server.url}/v1`,
      fetch: (input: string | URL | Request, init?: RequestInit) => (fetched.push(String(input)), fetch(input, init)),
    });
    await transport.connect();
    expect(fetched).toEqual([`${server.url}/v1/realtime/calls`]);
    expect(server.requests[0]!.headers.authorization).toBe('Bearer ek_fresh456');
    await transport.close();
  });

  it('refuses a standard key before the microphone is asked for, unless dangerouslyAllowApiKeyInBrowser', async () => {
    const server = await startServer(sdpAnswer());
    const refused = transportWith({ clientSecret: 'sk-test-key', baseUrl: `${server.url}/v1` });
    const error = await failure(refused.transport.connect());
    expect(error.code).toBe('invalid_options');
    expect(error.message).toMatch(/^Failed to open the WebRTC session: the key is not an ephemeral key.*Please mint an ephemeral key \(ek_…\) on your server/);
    expect(error.message).not.toContain('sk-test-key');
    expect(refused.asked()).toBe(0);
    expect(refused.peers.made).toHaveLength(0);
    expect(server.requests).toHaveLength(0);

    const allowed = transportWith({ clientSecret: 'sk-test-key', baseUrl: `${server.url}/v1`, dangerouslyAllowApiKeyInBrowser: true });
    await allowed.transport.connect();
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-test-key');
    await allowed.transport.close();
  });

  it('a key function that gives a standard key is refused too, and the microphone it opened is stopped', async () => {
    const server = await startServer(sdpAnswer());
    const { transport, microphone, peers } = transportWith({ clientSecret: () => 'sk-test-key', baseUrl: `${server.url}/v1` });
    const error = await failure(transport.connect());
    expect(error.code).toBe('invalid_options');
    expect(microphone.tracks[0]!.readyState).toBe('ended');
    expect(peers.last.closed).toBe(true);
    expect(server.requests).toHaveLength(0);
  });

  it('a 401 says what OpenAI said, with the key redacted even when the answer echoes it, and leaves nothing open', async () => {
    const body = JSON.stringify({ error: { message: 'Invalid ephemeral key ek_test123 (expired).', type: 'invalid_request_error', code: 'invalid_api_key' } });
    const server = await startServer(refusal(401, body));
    const { transport, peers, microphone } = transportWith({ clientSecret: 'ek_test123', baseUrl: `${server.url}/v1` });
    const closes: unknown[] = [];
    transport.on('close', (info) => closes.push(info));
    const error = await failure(transport.connect());
    expect(error.code).toBe('connect_failed');
    expect(error.message).toBe(
      'Failed to open the WebRTC session: OpenAI answered 401 (invalid_api_key): Invalid ephemeral key <redacted> (expired). Please mint a fresh ephemeral key on your server (they expire, 10 minutes by default).',
    );
    expect(error.data).toEqual({ status: 401, apiCode: 'invalid_api_key' });
    expect(JSON.stringify({ error, message: error.message, closes })).not.toContain('ek_test123');
    expect(microphone.tracks[0]!.readyState).toBe('ended');
    expect(peers.last.closed).toBe(true);
    expect(peers.last.channel.readyState).not.toBe('open');
    expect(transport.state).toBe('closed');
    expect(await transport.close()).toMatchObject({ code: 1006, wasClean: false });
  });

  it('a 5xx with a text body is quoted (clipped) and asks to try later', async () => {
    const server = await startServer(refusal(503, `upstream overloaded ${'x'.repeat(1000)}`, 'text/plain'));
    const { transport } = transportWith({ clientSecret: 'ek_test123', baseUrl: `${server.url}/v1` });
    const error = await failure(transport.connect());
    expect(error.message).toMatch(/^Failed to open the WebRTC session: OpenAI answered 503: upstream overloaded x+\. Please try again later\.$/);
    expect(error.message.length).toBeLessThan(450);
  });

  it('a network error names the URL and the cause', async () => {
    const url = `http://127.0.0.1:${await freePort()}/v1`;
    const { transport, peers, microphone } = transportWith({ clientSecret: 'ek_test123', baseUrl: url });
    const error = await failure(transport.connect());
    expect(error.code).toBe('connect_failed');
    expect(error.message).toMatch(
      new RegExp(`^Failed to open the WebRTC session: the request to ${url}/realtime/calls failed \\(TypeError: fetch failed \\(ECONNREFUSED\\)\\)\\. Please check the network and the URL\\.$`),
    );
    expect(microphone.tracks[0]!.readyState).toBe('ended');
    expect(peers.last.closed).toBe(true);
  });

  it('a server that never answers: connect() fails at the deadline and the request is aborted', async () => {
    const server = await startServer(() => undefined);
    const { transport, peers, microphone } = transportWith({ clientSecret: 'ek_test123', baseUrl: `${server.url}/v1`, connectTimeoutMs: 200 });
    const error = await failure(transport.connect());
    expect(error.message).toBe('Failed to open the WebRTC session: no session within 200 ms. Please check the network and the signaling server.');
    await server.aborted;
    expect(microphone.tracks[0]!.readyState).toBe('ended');
    expect(peers.last.closed).toBe(true);
  });

  it('close() while the exchange hangs: connect() rejects with not_open, close resolves with the host code, the request is aborted', async () => {
    const server = await startServer(() => undefined);
    const { transport, peers } = transportWith({ clientSecret: 'ek_test123', baseUrl: `${server.url}/v1` });
    const connecting = failure(transport.connect());
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const info = await transport.close(1000, 'user left');
    expect(info).toEqual({ code: 1000, reason: 'user left', wasClean: true });
    expect((await connecting).code).toBe('not_open');
    await server.aborted;
    expect(peers.last.closed).toBe(true);
  });
});

describe('hostile or garbled answers', () => {
  it.each([
    ['an HTML page', 'text/html', '<html>login</html>', 'OpenAI answered text that is not an SDP (it does not start with "v=0")'],
    ['an empty body', 'application/sdp', '', 'OpenAI answered text that is not an SDP (it does not start with "v=0")'],
    ['a huge body', 'application/sdp', `v=0\r\n${'a=x\r\n'.repeat(20_000)}`, 'OpenAI answered 100005 characters, not an SDP'],
  ])('%s is refused before setRemoteDescription', async (_name, type, body, why) => {
    const server = await startServer(refusal(201, body, type));
    const { transport, peers } = transportWith({ clientSecret: 'ek_test123', baseUrl: `${server.url}/v1` });
    const error = await failure(transport.connect());
    expect(error.message).toBe(`Failed to open the WebRTC session: ${why}. Please check that the SDP answer is passed on as it came from OpenAI.`);
    expect(peers.last.remoteDescription).toBeNull();
    expect(peers.last.closed).toBe(true);
  });

  it('an SDP the peer connection cannot parse fails connect() with its reason', async () => {
    const server = await startServer(refusal(201, 'v=0\r\nnothing else\r\n', 'application/sdp'));
    const { transport, peers } = transportWith({ clientSecret: 'ek_test123', baseUrl: `${server.url}/v1` });
    const error = await failure(transport.connect());
    expect(error.message).toMatch(/^Failed to open the WebRTC session: the peer connection refused the SDP answer \(Error: OperationError: Failed to parse SessionDescription/);
    expect(peers.last.closed).toBe(true);
  });

  it('a garbled Location leaves the call id unknown, and the session still opens', async () => {
    const server = await startServer(sdpAnswer(201, { Location: '/v1/realtime/calls/<script>alert(1)</script>' }));
    const { transport } = transportWith({ clientSecret: 'ek_test123', baseUrl: `${server.url}/v1` });
    await transport.connect();
    expect(transport.callId).toBeUndefined();
    await transport.close();
  });

  it('callIdOfLocation takes the last path segment when it looks like an id', () => {
    expect(callIdOfLocation('/v1/realtime/calls/rtc_u1_9xYz')).toBe('rtc_u1_9xYz');
    expect(callIdOfLocation('https://api.openai.com/v1/realtime/calls/rtc_abc/?x=1#f')).toBe('rtc_abc');
    expect(callIdOfLocation('/v1/realtime/calls/rtc abc')).toBeUndefined();
    expect(callIdOfLocation('/v1/realtime/calls/__proto__')).toBe('__proto__'); // data, never a key: the transport only stores it
    expect(callIdOfLocation('/v1/realtime/calls/')).toBeUndefined();
    expect(callIdOfLocation('')).toBeUndefined();
    expect(callIdOfLocation(null)).toBeUndefined();
  });
});

describe("through the app's own server (the unified interface)", () => {
  it('POSTs the offer with the given headers and takes JSON { sdp, callId }', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ sdp: ANSWER_SDP, callId: 'rtc_server1' }));
    });
    const { transport, peers } = transportWith({ signalingUrl: `${server.url}/call`, headers: { Authorization: 'Bearer app-token' } });
    await transport.connect();
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', url: '/call', body: peers.last.localDescription!.sdp });
    expect(request!.headers['content-type']).toBe('application/sdp');
    expect(request!.headers.authorization).toBe('Bearer app-token');
    expect(transport.callId).toBe('rtc_server1');
    await transport.close();
  });

  it('takes the SDP itself with a Location header, and call_id in JSON', async () => {
    const sdpServer = await startServer(sdpAnswer(201, { Location: '/calls/rtc_relay2' }));
    const relayed = transportWith({ signalingUrl: `${sdpServer.url}/call` });
    await relayed.transport.connect();
    expect(relayed.transport.callId).toBe('rtc_relay2');
    await relayed.transport.close();

    const jsonServer = await startServer(refusal(200, JSON.stringify({ sdp: ANSWER_SDP, call_id: 'rtc_snake3' })));
    const snake = transportWith({ signalingUrl: `${jsonServer.url}/call` });
    await snake.transport.connect();
    expect(snake.transport.callId).toBe('rtc_snake3');
    await snake.transport.close();
  });

  it("a refusal quotes the server's error with the app's token redacted; JSON without sdp is refused", async () => {
    const server = await startServer(refusal(403, JSON.stringify({ error: 'token app-token is not allowed here' })));
    const { transport } = transportWith({ signalingUrl: `${server.url}/call`, headers: { Authorization: 'Bearer app-token' } });
    const error = await failure(transport.connect());
    expect(error.message).toBe('Failed to open the WebRTC session: your signaling server answered 403: token <redacted> is not allowed here. Please check its logs.');

    const empty = await startServer(refusal(200, JSON.stringify({ answer: ANSWER_SDP })));
    const noSdp = transportWith({ signalingUrl: `${empty.url}/call` });
    expect((await failure(noSdp.transport.connect())).message).toBe(
      'Failed to open the WebRTC session: your signaling server answered no SDP (undefined). Please check that the SDP answer is passed on as it came from OpenAI.',
    );
  });
});

describe("the host's own exchangeSdp", () => {
  it('gets the offer and an abort signal; its answer and call id are used', async () => {
    const offers: string[] = [];
    let signal: AbortSignal | undefined;
    const { transport, peers } = transportWith({
      exchangeSdp: async (offer: string, context: { signal: AbortSignal }) => {
        offers.push(offer);
        signal = context.signal;
        return { sdp: ANSWER_SDP, callId: 'rtc_custom' };
      },
    });
    await transport.connect();
    expect(offers).toEqual([peers.last.localDescription!.sdp]);
    expect(transport.callId).toBe('rtc_custom');
    expect(signal!.aborted).toBe(false);
    await transport.close();
    expect(signal!.aborted).toBe(true);
  });

  it('a throwing or lying exchange fails connect()', async () => {
    const thrower = transportWith({ exchangeSdp: async () => Promise.reject(new Error('relay down')) });
    expect((await failure(thrower.transport.connect())).message).toBe('Failed to open the WebRTC session: exchangeSdp threw (Error: relay down). Please check the function that exchanges the SDP.');
    const liar = transportWith({ exchangeSdp: async () => 'v=0' as never });
    expect((await failure(liar.transport.connect())).message).toBe('Failed to open the WebRTC session: exchangeSdp did not give back { sdp, callId? }. Please return the answer SDP as { sdp }.');
    expect(liar.peers.last.closed).toBe(true);
  });
});

describe('options', () => {
  it.each([
    [{}, 'no way to exchange the SDP was given'],
    [{ clientSecret: 'ek_test123', signalingUrl: '/call' }, 'clientSecret and signalingUrl were both given'],
  ])('refuses %j at creation', (signaling, why) => {
    expect(() => createWebRtcTransport(signaling as WebRtcTransportOptions)).toThrow(
      `Failed to create the WebRTC transport: ${why}. Please pass exactly one of clientSecret (an ek_ key), signalingUrl (your server) or exchangeSdp (a function).`,
    );
  });

  it('refuses a baseUrl that is not http(s), without its credentials', () => {
    expect(() => createWebRtcTransport({ clientSecret: 'ek_test123', baseUrl: 'ftp://user:pass1234@example.com' })).toThrow(
      /^Failed to create the WebRTC transport: baseUrl "ftp:\/\/<redacted>@example.com" is not an http\(s\) URL/,
    );
  });
});
