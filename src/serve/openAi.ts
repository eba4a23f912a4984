/**
 * The OpenAI side of `serve`, injected: the Realtime REST functions (client secrets, calls, call
 * control, webhook verification) and the sideband transport. `startServe` uses the library's own
 * functions by default; tests hand in fakes or point the real ones at the simulator.
 */
import type { RealtimeSessionConfigInput } from '../protocol/sessionBody.js';
import type { RealtimeWebhookEvent } from '../protocol/webhooks.js';
import type { RealtimeTransport } from '../protocol/transport.js';
import type { Redactor } from '../redaction/index.js';

/** A session config as the REST calls take it: `type: 'realtime'` may be left out. */
export type ServeSessionConfig = RealtimeSessionConfigInput;

/** What every REST function gets from serve. */
export interface ServeApiOptions {
  readonly apiKey: string | (() => string | Promise<string>);
  readonly baseUrl?: string;
  readonly redactor?: Redactor;
  readonly signal?: AbortSignal;
}

export type ServeWebhookEvent = RealtimeWebhookEvent;

export interface ServeOpenAi {
  createClientSecret(options: ServeApiOptions & { session: ServeSessionConfig; expiresAfterSeconds?: number }): Promise<{ value: string; expiresAt: number }>;
  createCall(options: ServeApiOptions & { sdp: string; session?: ServeSessionConfig }): Promise<{ sdp: string; callId: string }>;
  acceptCall(options: ServeApiOptions & { callId: string; session: ServeSessionConfig }): Promise<void>;
  rejectCall(options: ServeApiOptions & { callId: string; statusCode?: number }): Promise<void>;
  hangupCall(options: ServeApiOptions & { callId: string }): Promise<void>;
  /** Throws (a ProxyError `webhook_invalid`) when the signature, the timestamp or the body is wrong. */
  verifyRealtimeWebhook(options: { secret: string; body: string; headers: Record<string, string>; toleranceSeconds?: number }): ServeWebhookEvent;
  /** The server-side WebSocket on an existing call (`?call_id=`), with the standard key. */
  createNodeSidebandTransport(options: { callId: string; apiKey: ServeApiOptions['apiKey']; baseUrl?: string }): RealtimeTransport;
}

export { DEFAULT_REALTIME_API_BASE_URL as DEFAULT_OPENAI_BASE_URL } from '../protocol/realtimeApi.js';

/** The sideband's WebSocket base from the REST base: `https://host/v1` → `wss://host/v1/realtime` (http → ws). */
export function webSocketBaseUrl(restBaseUrl: string): string {
  const url = new URL(restBaseUrl);
  url.protocol = url.protocol === 'http:' ? 'ws:' : 'wss:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/realtime`;
  url.search = '';
  url.hash = '';
  return url.toString();
}
