/**
 * A small fake of OpenAI's Realtime REST side on 127.0.0.1 (client secrets, calls, accept, reject,
 * hangup), recording every request, and a `ServeOpenAi` that talks to it over real HTTP, with the
 * sideband on the Realtime simulator's WebSocket. Stands in until the library's REST client and the
 * simulator's HTTP side are merged.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { ProxyError } from '../../src/errors.js';
import { createNodeWebSocketTransport } from '../../src/node/webSocketTransport.js';
import { realtimeUrl } from '../../src/protocol/realtimeUrl.js';
import type { ServeApiOptions, ServeOpenAi, ServeWebhookEvent } from '../../src/serve/openAi.js';

export interface FakeOpenAiRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeOpenAi {
  readonly url: string;
  readonly requests: FakeOpenAiRequest[];
  /** The next answer of a path fails with this status (once). */
  failNext(path: RegExp, status: number, body: unknown): void;
  close(): Promise<void>;
}

export const ANSWER_SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
export const OFFER_SDP = 'v=0\r\no=- 42 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n';

export async function startFakeOpenAi(options: { apiKey: string }): Promise<FakeOpenAi> {
  const requests: FakeOpenAiRequest[] = [];
  const failures: Array<{ path: RegExp; status: number; body: unknown }> = [];
  let calls = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      requests.push({ method: req.method ?? '', path, headers: req.headers, body });
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(value));
      };
      if (req.headers.authorization !== `Bearer ${options.apiKey}`) return json(401, { error: { code: 'invalid_api_key', message: 'Incorrect API key provided.' } });
      const failure = failures.findIndex((entry) => entry.path.test(path));
      if (failure >= 0) {
        const [entry] = failures.splice(failure, 1);
        return json(entry!.status, entry!.body);
      }
      if (req.method === 'POST' && path === '/v1/realtime/client_secrets') return json(200, { value: 'ek_test123', expires_at: 1_900_000_000, session: { type: 'realtime' } });
      if (req.method === 'POST' && path === '/v1/realtime/calls') {
        const callId = `rtc_fake${++calls}`;
        res.writeHead(201, { 'content-type': 'application/sdp', location: `/v1/realtime/calls/${callId}` });
        return res.end(ANSWER_SDP);
      }
      if (req.method === 'POST' && /^\/v1\/realtime\/calls\/[\w-]+\/(accept|reject|hangup)$/.test(path)) return json(200, {});
      json(404, { error: { code: 'not_found', message: 'No such route.' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    failNext: (path, status, body) => void failures.push({ path, status, body }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function post(options: ServeApiOptions, path: string, body: string | FormData | undefined, contentType?: string): Promise<Response> {
  const key = typeof options.apiKey === 'function' ? await options.apiKey() : options.apiKey;
  options.redactor?.add(key);
  const response = await fetch(`${options.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, ...(contentType ? { 'content-type': contentType } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
  if (!response.ok) {
    const text = await response.text();
    throw new ProxyError('realtime_api_error', `Failed to call ${path}: OpenAI answered ${response.status}: ${(options.redactor?.text(text) ?? text).slice(0, 200)}. Please check the request.`, { data: { status: response.status } });
  }
  return response;
}

/** A ServeOpenAi over real HTTP to the fake, with the sideband on the simulator (`simUrl`: ws://127.0.0.1:<port>/v1/realtime). */
export function fakeOpenAiClient(simUrl: string): ServeOpenAi {
  return {
    async createClientSecret(options) {
      const response = await post(options, '/realtime/client_secrets', JSON.stringify({ expires_after: { anchor: 'created_at', seconds: options.expiresAfterSeconds ?? 600 }, session: options.session }), 'application/json');
      const body = (await response.json()) as { value: string; expires_at: number };
      return { value: body.value, expiresAt: body.expires_at };
    },
    async createCall(options) {
      const form = new FormData();
      form.append('sdp', options.sdp);
      if (options.session) form.append('session', JSON.stringify(options.session));
      const response = await post(options, '/realtime/calls', form);
      const location = response.headers.get('location') ?? '';
      return { sdp: await response.text(), callId: location.slice(location.lastIndexOf('/') + 1) };
    },
    async acceptCall(options) {
      await post(options, `/realtime/calls/${options.callId}/accept`, JSON.stringify(options.session), 'application/json');
    },
    async rejectCall(options) {
      await post(options, `/realtime/calls/${options.callId}/reject`, JSON.stringify(options.statusCode ? { status_code: options.statusCode } : {}), 'application/json');
    },
    async hangupCall(options) {
      await post(options, `/realtime/calls/${options.callId}/hangup`, undefined);
    },
    verifyRealtimeWebhook({ secret, body, headers }): ServeWebhookEvent {
      let parsed: { id: string; type: string; created_at: number; data: { call_id?: string; sip_headers?: Array<{ name: string; value: string }> } };
      try {
        parsed = new Webhook(secret).verify(body, headers) as typeof parsed;
      } catch (error) {
        throw new ProxyError('webhook_invalid', `Failed to verify the webhook: ${(error as Error).message}. Please check the secret.`);
      }
      if (parsed.type === 'realtime.call.incoming') {
        return { id: parsed.id, type: 'realtime.call.incoming', createdAt: parsed.created_at, data: { callId: parsed.data.call_id ?? '', sipHeaders: parsed.data.sip_headers ?? [] } };
      }
      return { id: parsed.id, type: parsed.type, createdAt: parsed.created_at, data: parsed.data };
    },
    createNodeSidebandTransport({ callId, apiKey }) {
      return createNodeWebSocketTransport({ url: realtimeUrl({ callId }, { baseUrl: simUrl }), apiKey: apiKey as string });
    },
  };
}

/** A signed `realtime.call.incoming` as OpenAI sends it (Standard Webhooks headers). */
export function signedWebhook(secret: string, event: { id: string; type?: string; callId?: string; sipHeaders?: Array<{ name: string; value: string }> }, at = new Date()): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({
    object: 'event',
    id: event.id,
    type: event.type ?? 'realtime.call.incoming',
    created_at: Math.floor(at.getTime() / 1000),
    data: { call_id: event.callId ?? 'rtc_sip1', sip_headers: event.sipHeaders ?? [{ name: 'From', value: '"Alice" <sip:+15550001111@example.com>' }] },
  });
  const signature = new Webhook(secret).sign(event.id, at, body);
  return { body, headers: { 'content-type': 'application/json', 'webhook-id': event.id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature } };
}
