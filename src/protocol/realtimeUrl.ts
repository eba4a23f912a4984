import { ProxyError } from '../errors.js';
import { redactUrl } from '../redaction/index.js';

export const DEFAULT_REALTIME_URL = 'wss://api.openai.com/v1/realtime?model=gpt-realtime';

/** What a Realtime WebSocket attaches to: exactly one of a model, an existing call, or transcription. */
export type RealtimeTarget =
  | { readonly model: string }
  /** Attach to an existing WebRTC or SIP call (`rtc_…`): the server-side "sideband" connection. */
  | { readonly callId: string }
  | { readonly intent: 'transcription' };

export interface RealtimeUrlOptions {
  /** Default `wss://api.openai.com/v1/realtime`. */
  readonly baseUrl?: string;
}

/**
 * Builds the URL of a Realtime WebSocket.
 *
 * @example
 * realtimeUrl({ model: 'gpt-realtime' }); // wss://api.openai.com/v1/realtime?model=gpt-realtime
 * realtimeUrl({ callId: 'rtc_123' });     // wss://api.openai.com/v1/realtime?call_id=rtc_123
 */
export function realtimeUrl(target: RealtimeTarget, options: RealtimeUrlOptions = {}): string {
  const url = parseWebSocketUrl(options.baseUrl ?? 'wss://api.openai.com/v1/realtime');
  if ('model' in target) url.searchParams.set('model', target.model);
  else if ('callId' in target) url.searchParams.set('call_id', target.callId);
  else url.searchParams.set('intent', target.intent);
  return url.toString();
}

/**
 * Builds the URL of an Azure OpenAI Realtime WebSocket (GA path): `wss://<resource>/openai/v1/realtime?model=<deployment>`.
 *
 * @example
 * azureRealtimeUrl({ endpoint: 'https://my-resource.openai.azure.com', deployment: 'gpt-realtime' });
 */
export function azureRealtimeUrl(options: { readonly endpoint: string; readonly deployment: string }): string {
  const endpoint = parseUrl(options.endpoint.replace(/^http/, 'ws'), 'the Azure endpoint');
  const url = parseWebSocketUrl(`wss://${endpoint.host}/openai/v1/realtime`);
  url.searchParams.set('model', options.deployment);
  return url.toString();
}

/** Azure OpenAI hosts authenticate a key with an `api-key` header rather than a bearer token. */
export function isAzureHost(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host.endsWith('.openai.azure.com') || host.endsWith('.cognitiveservices.azure.com') || host.endsWith('.services.ai.azure.com');
  } catch {
    return false;
  }
}

/** Parses and checks a ws:// or wss:// URL, or fails with a ProxyError that says how to fix it. */
export function parseWebSocketUrl(text: string): URL {
  const url = parseUrl(text, 'the Realtime URL');
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new ProxyError(
      'invalid_options',
      `Failed to use the Realtime URL "${redactUrl(url.toString())}": it is ${url.protocol}, not ws: or wss:. Please pass a WebSocket URL such as ${DEFAULT_REALTIME_URL}.`,
    );
  }
  return url;
}

function parseUrl(text: string, what: string): URL {
  try {
    return new URL(text);
  } catch {
    // Redacted before it is clipped: a clipped credential would no longer look like one.
    throw new ProxyError('invalid_options', `Failed to use ${what}: "${redactUrl(text).slice(0, 200)}" is not a URL. Please pass an absolute URL such as ${DEFAULT_REALTIME_URL}.`);
  }
}
