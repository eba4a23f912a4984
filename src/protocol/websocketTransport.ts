import { ProxyError } from '../errors.js';
import { Redactor } from '../redaction/index.js';
import { emitInboundFrame, encodeOutbound } from './transportFrames.js';
import { Emitter } from '../emitter.js';
import type { ClientEvent } from './generated/types.js';
import { DEFAULT_REALTIME_URL, parseWebSocketUrl } from './realtimeUrl.js';
import type { RealtimeTransport, RealtimeTransportEventMap, SendResult, TransportCloseInfo, TransportState } from './transport.js';

/** The part of the WHATWG WebSocket this transport uses; the browser's WebSocket and `ws` both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string; wasClean?: boolean }) => void): void;
  addEventListener(type: 'error', listener: (event: { message?: string; error?: unknown }) => void): void;
}

export interface WebSocketInit {
  /** Sub-protocols to offer (browser authentication puts the key here). */
  readonly protocols: string[];
  /** Headers for the handshake. A browser WebSocket cannot send them; a Node factory must. */
  readonly headers: Record<string, string>;
}

export type WebSocketFactory = (url: string, init: WebSocketInit) => WebSocketLike;

/**
 * How the key reaches the server:
 * - `bearer`: `Authorization: Bearer <key>` (Node; an API key or an `ek_` client secret);
 * - `api-key`: `api-key: <key>` (Azure OpenAI keys);
 * - `subprotocol`: `openai-insecure-api-key.<key>` sub-protocol (browsers, which cannot set headers; use an `ek_` key);
 * - `none`: nothing (local servers, or auth already in a custom factory).
 */
export type Authentication = 'bearer' | 'api-key' | 'subprotocol' | 'none';

export interface WebSocketTransportOptions {
  /** Default `wss://api.openai.com/v1/realtime?model=gpt-realtime`. See realtimeUrl() for `call_id=` and Azure. */
  readonly url?: string;
  /** An API key or an ephemeral `ek_` client secret, or a function that fetches one at connect time. */
  readonly apiKey?: string | (() => string | Promise<string>);
  /** Default: `subprotocol` (this entry point targets browsers); `realtime-mcp-proxy/node` defaults to `bearer` (`api-key` for Azure hosts). */
  readonly authentication?: Authentication;
  /** Default: the global WebSocket. Node 20 has none: use `realtime-mcp-proxy/node`. */
  readonly createWebSocket?: WebSocketFactory;
  /** Extra handshake headers (Node factories only). */
  readonly headers?: Record<string, string>;
  /** Fail `connect()` when the socket is not open after this long. Default 15 000 ms. */
  readonly connectTimeoutMs?: number;
  /**
   * A standard API key in a browser sub-protocol is readable by any script on the page. Refused unless
   * this is set: mint an ephemeral `ek_` key on your server instead.
   */
  readonly dangerouslyAllowApiKeyInBrowser?: boolean;
}

const OPEN = 1;

function defaultWebSocketFactory(): WebSocketFactory | undefined {
  const Native = (globalThis as { WebSocket?: new (url: string, protocols?: string[]) => WebSocketLike }).WebSocket;
  return Native === undefined ? undefined : (url, init) => new Native(url, init.protocols);
}

/**
 * A Realtime transport over one WebSocket. Frames are decoded and validated on arrival; a frame that
 * fails is reported as an `error` event and the connection stays up. There is no silent reconnect.
 *
 * @example
 * const transport = createWebSocketTransport({ apiKey: ephemeralKey });
 * transport.on('event', (event) => console.log(event.type));
 * await transport.connect();
 * transport.send({ type: 'response.create' });
 */
export function createWebSocketTransport(options: WebSocketTransportOptions = {}): RealtimeTransport {
  const emitter = new Emitter<RealtimeTransportEventMap>();
  const url = parseWebSocketUrl(options.url ?? DEFAULT_REALTIME_URL);
  const authentication = options.authentication ?? 'subprotocol';
  let state: TransportState = 'idle';
  let socket: WebSocketLike | undefined;
  let secret: string | undefined;
  let closed: Promise<TransportCloseInfo> | undefined;

  // The key (once a key function resolves it) and the URL's credentials never show in messages or close reasons.
  const redactor = new Redactor([typeof options.apiKey === 'string' ? options.apiKey : undefined]).addUrl(url.toString());
  const clean = (text: string) => redactor.text(text);
  const shownUrl = redactor.url(url);

  async function handshake(): Promise<WebSocketInit> {
    const headers: Record<string, string> = { ...options.headers };
    const protocols: string[] = [];
    if (authentication === 'none') return { headers, protocols };
    secret = typeof options.apiKey === 'function' ? await options.apiKey() : options.apiKey;
    redactor.add(secret);
    if (!secret) {
      throw new ProxyError('invalid_options', 'Failed to connect to the Realtime API: no API key was given. Please pass apiKey (or authentication: "none" for a local server).');
    }
    if (authentication === 'bearer') headers.Authorization = `Bearer ${secret}`;
    else if (authentication === 'api-key') headers['api-key'] = secret;
    else {
      if (!secret.startsWith('ek_') && !options.dangerouslyAllowApiKeyInBrowser) {
        throw new ProxyError(
          'invalid_options',
          'Failed to connect to the Realtime API: a standard API key in a WebSocket sub-protocol is readable by every script on the page. Please mint an ephemeral key (ek_…) on your server with POST /v1/realtime/client_secrets, or set dangerouslyAllowApiKeyInBrowser.',
        );
      }
      protocols.push('realtime', `openai-insecure-api-key.${secret}`);
    }
    return { headers, protocols };
  }

  function connect(): Promise<void> {
    if (state !== 'idle') {
      return Promise.reject(
        new ProxyError('not_open', `Failed to connect: this transport is ${state}. Please create a new transport for a new session (a Realtime session cannot be resumed).`),
      );
    }
    state = 'connecting';
    const createWebSocket = options.createWebSocket ?? defaultWebSocketFactory();
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let lastError = '';
      const fail = (error: ProxyError) => {
        if (settled) return;
        settled = true;
        reject(error);
      };
      if (createWebSocket === undefined) {
        state = 'closed';
        fail(new ProxyError('invalid_options', 'Failed to connect: this runtime has no global WebSocket. Please pass createWebSocket, or on Node import createNodeWebSocketTransport from "realtime-mcp-proxy/node".'));
        return;
      }
      let resolveClosed!: (info: TransportCloseInfo) => void;
      closed = new Promise((r) => (resolveClosed = r));
      const timer = setTimeout(() => {
        fail(new ProxyError('connect_failed', `Failed to connect to ${shownUrl}: no answer within ${options.connectTimeoutMs ?? 15_000} ms. Please check the URL and the network.`));
        socket?.close();
      }, options.connectTimeoutMs ?? 15_000);
      handshake()
        .then((init) => {
          if (settled) return;
          if (state !== 'connecting') {
            // close() was called while the key was being fetched: never open the socket.
            clearTimeout(timer);
            state = 'closed';
            resolveClosed({ code: 1000, reason: 'closed before connecting', wasClean: true });
            fail(new ProxyError('not_open', 'Failed to connect: close() was called before the connection opened. Please create a new transport to connect again.'));
            return;
          }
          socket = createWebSocket(url.toString(), init);
          socket.addEventListener('open', () => {
            clearTimeout(timer);
            if (settled) return;
            settled = true;
            state = 'open';
            resolve();
            emitter.emit('open');
          });
          socket.addEventListener('message', (event) => emitInboundFrame(emitter, event.data));
          socket.addEventListener('error', (event) => {
            lastError = clean(event.message ?? (event.error instanceof Error ? event.error.message : 'WebSocket error'));
            if (state === 'open') {
              emitter.emit('error', new ProxyError('socket_error', `Failed to keep the Realtime connection: ${lastError}. Please check the network; the session cannot be resumed.`));
            }
          });
          socket.addEventListener('close', (event) => {
            clearTimeout(timer);
            const info: TransportCloseInfo = { code: event.code, reason: clean(event.reason ?? ''), wasClean: event.wasClean ?? event.code === 1000 };
            const why = lastError || `closed with code ${info.code}${info.reason ? ` (${info.reason})` : ''}`;
            fail(new ProxyError('connect_failed', `Failed to connect to ${shownUrl}: ${why}. Please check the URL and the API key.`, { data: info }));
            state = 'closed';
            resolveClosed(info);
            emitter.emit('close', info);
          });
        })
        .catch((cause: unknown) => {
          clearTimeout(timer);
          state = 'closed';
          const error = ProxyError.isInstance(cause) ? cause : new ProxyError('connect_failed', `Failed to connect to ${shownUrl}: ${clean(String(cause))}. Please check the URL and the WebSocket factory.`, { cause });
          resolveClosed({ code: 1006, reason: error.message, wasClean: false });
          fail(error);
        });
    });
  }

  function send(event: ClientEvent): SendResult {
    if (state !== 'open' || socket === undefined || socket.readyState !== OPEN) {
      return { ok: false, error: new ProxyError('not_open', `Failed to send "${String((event as { type?: unknown })?.type)}": the transport is ${state}. Please wait for connect() to resolve, and do not send after close.`) };
    }
    const encoded = encodeOutbound(event);
    if (!encoded.ok) return encoded;
    emitter.emit('frame', 'out', encoded.text);
    socket.send(encoded.text);
    return { ok: true };
  }

  function close(code = 1000, reason = ''): Promise<TransportCloseInfo> {
    if (state === 'idle') {
      state = 'closed';
      return Promise.resolve({ code, reason, wasClean: true });
    }
    if (state === 'connecting' || state === 'open') {
      state = 'closing';
      socket?.close(code, reason);
    }
    return closed ?? Promise.resolve({ code, reason, wasClean: true });
  }

  return {
    get state() {
      return state;
    },
    connect,
    send,
    close,
    on: (event, listener) => emitter.on(event, listener),
  };
}

