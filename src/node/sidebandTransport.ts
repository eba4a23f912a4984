/**
 * The sideband: a server-side WebSocket attached to a WebRTC or SIP call (`?call_id=rtc_…`) with the
 * standard key. It hears the same events as the browser and sends `session.update`, tool outputs
 * and `response.create`, so tools run on the server and their credentials never reach the browser.
 */
import { ProxyError } from '../errors.js';
import { isValidCallId } from '../protocol/calls.js';
import { realtimeUrl } from '../protocol/realtimeUrl.js';
import type { RealtimeTransport } from '../protocol/transport.js';
import type { WebSocketFactory } from '../protocol/websocketTransport.js';
import { createNodeWebSocketTransport } from './webSocketTransport.js';

export const DEFAULT_SIDEBAND_BASE_URL = 'wss://api.openai.com/v1/realtime';

export interface NodeSidebandTransportOptions {
  /** The call to attach to: from createCall's `callId` or the `realtime.call.incoming` webhook. */
  readonly callId: string;
  /** A standard API key (an `ek_` client secret cannot attach: OpenAI answers `call_id_not_found`), or a function that returns one. */
  readonly apiKey: string | (() => string | Promise<string>);
  /** The Realtime WebSocket endpoint, without a query. Default `wss://api.openai.com/v1/realtime`; the simulator: `sim.url`. */
  readonly baseUrl?: string;
  /** Default: `ws` (createNodeWebSocket). */
  readonly webSocketFactory?: WebSocketFactory;
  /** Fail `connect()` when the socket is not open after this long. Default 15 000 ms. */
  readonly connectTimeoutMs?: number;
  /** Extra handshake headers. */
  readonly headers?: Record<string, string>;
}

export interface SidebandTransport extends RealtimeTransport {
  readonly callId: string;
}

/**
 * A transport attached to an existing call. Audio travels on the call's own media (WebRTC tracks or
 * the SIP leg), so `input_audio_buffer.append` is refused here (`not_supported`) and never sent.
 *
 * @example
 * import { createNodeSidebandTransport, createNodeRealtimeMcpProxy } from 'realtime-mcp-proxy/node';
 * const { sdp, callId } = await createCall({ apiKey, sdp: offer, session });
 * const transport = createNodeSidebandTransport({ callId, apiKey });
 * const proxy = createNodeRealtimeMcpProxy({ transport, servers });
 */
export function createNodeSidebandTransport(options: NodeSidebandTransportOptions): SidebandTransport {
  const { callId } = options;
  if (!isValidCallId(callId)) {
    throw new ProxyError(
      'invalid_options',
      `Failed to attach to the call: the call id is ${typeof callId === 'string' ? 'not a call id (letters, digits, _ and -, at most 128)' : typeof callId}. Please pass the id from createCall or the webhook (rtc_…).`,
    );
  }
  const refuseEphemeral = (key: string): string => {
    if (typeof key === 'string' && key.startsWith('ek_')) {
      throw new ProxyError(
        'invalid_options',
        `Failed to attach to call ${callId}: an ek_ client secret cannot attach a sideband (OpenAI answers call_id_not_found). Please use the standard API key, on the server.`,
      );
    }
    return key;
  };
  const { apiKey } = options;
  if (typeof apiKey === 'string') refuseEphemeral(apiKey);
  const inner = createNodeWebSocketTransport({
    url: sidebandUrl(callId, options.baseUrl),
    apiKey: typeof apiKey === 'function' ? async () => refuseEphemeral(await apiKey()) : apiKey,
    ...(options.webSocketFactory ? { createWebSocket: options.webSocketFactory } : {}),
    ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  });
  return {
    callId,
    // The call's audio is on the WebRTC tracks or the SIP leg, and OpenAI owns its output buffer.
    audio: 'media',
    get state() {
      return inner.state;
    },
    connect: () => inner.connect(),
    send: (event) => {
      if ((event as { type?: unknown } | null)?.type === 'input_audio_buffer.append') {
        return {
          ok: false,
          error: new ProxyError(
            'not_supported',
            `Failed to send input_audio_buffer.append on the sideband of call ${callId}: the call's audio travels on its own media (the WebRTC track or the SIP leg). Please send audio from the peer that holds the microphone.`,
          ),
        };
      }
      return inner.send(event);
    },
    close: (code, reason) => inner.close(code, reason),
    on: (event, listener) => inner.on(event, listener),
  };
}

/** `?call_id=` on the base URL; a `model=` or `intent=` it carries is dropped (the server takes exactly one target). */
function sidebandUrl(callId: string, baseUrl = DEFAULT_SIDEBAND_BASE_URL): string {
  const url = new URL(realtimeUrl({ callId }, { baseUrl }));
  url.searchParams.delete('model');
  url.searchParams.delete('intent');
  return url.toString();
}
