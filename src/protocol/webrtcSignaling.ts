/**
 * The SDP exchange of the WebRTC transport, three ways: straight to OpenAI with an ephemeral key,
 * through the app's own server (the unified interface), or the host's own function. Each gives back
 * the answer SDP and, when known, the call id (what a server needs to attach a sideband).
 */
import { callIdFromLocation, isValidCallId } from './calls.js';
import { ProxyError } from '../errors.js';
import { isJsonObject } from '../isJsonObject.js';
import type { Redactor } from '../redaction/index.js';

import { DEFAULT_REALTIME_API_BASE_URL as DEFAULT_OPENAI_BASE_URL } from './realtimeApi.js';

export interface WebRtcSdpAnswer {
  readonly sdp: string;
  /** `rtc_…`: the last segment of OpenAI's `Location` header. */
  readonly callId?: string;
}

/** The host's own exchange: send the offer wherever it goes, give back the answer. */
export type ExchangeSdp = (offerSdp: string, context: { readonly signal: AbortSignal }) => Promise<WebRtcSdpAnswer>;

/** Straight to OpenAI: `POST {baseUrl}/realtime/calls` with `Authorization: Bearer ek_…`. */
export interface ClientSecretSignaling {
  /** An ephemeral `ek_…` key minted by your server (POST /v1/realtime/client_secrets), or a function that fetches one at connect time. */
  readonly clientSecret: string | (() => string | Promise<string>);
  /** Default 'https://api.openai.com/v1'. The simulator: `sim.httpUrl + '/v1'`. Azure: its /openai/v1 base. */
  readonly baseUrl?: string;
  /** A standard API key in a page is readable by every script on it: refused unless this is set. */
  readonly dangerouslyAllowApiKeyInBrowser?: boolean;
  readonly signalingUrl?: never;
  readonly exchangeSdp?: never;
}

/**
 * Through your server (the unified interface): the offer is POSTed as `application/sdp`; the server
 * answers JSON `{ sdp, callId }` (or `call_id`), or the SDP itself with a `Location` header.
 */
export interface ServerSignaling {
  /** Absolute, or relative to the page. */
  readonly signalingUrl: string;
  /** E.g. your app's session cookie is sent by the browser; a bearer token goes here. */
  readonly headers?: Record<string, string>;
  readonly clientSecret?: never;
  readonly exchangeSdp?: never;
}

export interface CustomSignaling {
  readonly exchangeSdp: ExchangeSdp;
  readonly clientSecret?: never;
  readonly signalingUrl?: never;
}

export type WebRtcSignaling = ClientSecretSignaling | ServerSignaling | CustomSignaling;

/** An answer larger than this is not an SDP (OpenAI's are a few KB). */
const MAX_ANSWER_LENGTH = 64 * 1024;
/** How much of a refusal's text an error quotes. */
const MAX_QUOTED = 300;

/** A connect failure in the transport's words. */
export function connectFailed(why: string, please: string, options: { data?: unknown; cause?: unknown } = {}): ProxyError {
  return new ProxyError('connect_failed', `Failed to open the WebRTC session: ${why}. Please ${please}.`, options);
}

/** The call id in a `Location` (`/v1/realtime/calls/rtc_…`): its last path segment, when it looks like an id. */
/** The call id of a `Location` header, or undefined when it has none: the session works without it (only a sideband needs it). */
export function callIdOfLocation(location: string | null | undefined): string | undefined {
  try {
    return callIdFromLocation(location);
  } catch {
    return undefined;
  }
}

export interface SdpExchange {
  /** Refuses a key given as a string that is not an ephemeral one, before the microphone is asked for. */
  checkKey(): void;
  exchange: ExchangeSdp;
}

/**
 * Which exchange the options ask for, checked now (a mistake fails at creation, not at connect).
 * Secrets it learns (the key, the headers, URL credentials) are registered in `redactor`.
 */
export function createSdpExchange(options: WebRtcSignaling, context: { fetch?: typeof fetch | undefined; redactor: Redactor }): SdpExchange {
  const given = (['clientSecret', 'signalingUrl', 'exchangeSdp'] as const).filter((key) => (options as unknown as Record<string, unknown>)[key] !== undefined);
  if (given.length !== 1) {
    throw new ProxyError(
      'invalid_options',
      `Failed to create the WebRTC transport: ${given.length === 0 ? 'no way to exchange the SDP was given' : `${given.join(' and ')} were both given`}. Please pass exactly one of clientSecret (an ek_ key), signalingUrl (your server) or exchangeSdp (a function).`,
    );
  }
  const { redactor } = context;
  const post = (url: string, body: string, headers: Record<string, string>, signal: AbortSignal) => {
    const fetchFn = context.fetch ?? globalThis.fetch;
    if (typeof fetchFn !== 'function') throw new ProxyError('invalid_options', 'Failed to open the WebRTC session: this runtime has no fetch. Please pass fetch.');
    return fetchFn(url, { method: 'POST', body, headers: { 'Content-Type': 'application/sdp', ...headers }, signal }).catch((cause: unknown) => {
      if (signal.aborted) throw cause;
      throw connectFailed(`the request to ${redactor.url(url)} failed (${redactor.text(describeCause(cause))})`, 'check the network and the URL', { cause: redactor.error(cause) });
    });
  };

  if (options.exchangeSdp !== undefined) {
    if (typeof options.exchangeSdp !== 'function')
      throw new ProxyError('invalid_options', 'Failed to create the WebRTC transport: exchangeSdp is not a function. Please pass (offerSdp) => Promise<{ sdp, callId? }>.');
    const custom = options.exchangeSdp;
    return {
      checkKey() {},
      exchange: async (offer, { signal }) => {
        let answer: unknown;
        try {
          answer = await custom(offer, { signal });
        } catch (cause) {
          if (signal.aborted) throw cause;
          throw connectFailed(`exchangeSdp threw (${redactor.text(describeCause(cause)).slice(0, MAX_QUOTED)})`, 'check the function that exchanges the SDP', { cause: redactor.error(cause) });
        }
        if (!isJsonObject(answer)) throw connectFailed('exchangeSdp did not give back { sdp, callId? }', 'return the answer SDP as { sdp }');
        return checkedAnswer(answer.sdp, answer.callId, 'exchangeSdp');
      },
    };
  }

  if (options.signalingUrl !== undefined) {
    const url = options.signalingUrl;
    if (typeof url !== 'string' || url === '')
      throw new ProxyError(
        'invalid_options',
        "Failed to create the WebRTC transport: signalingUrl is not a URL. Please pass the URL of your server's SDP endpoint (absolute, or relative to the page).",
      );
    redactor.addUrl(url).addHeaders(options.headers);
    const headers = { ...options.headers };
    return {
      checkKey() {},
      exchange: async (offer, { signal }) => {
        const response = await post(url, offer, headers, signal);
        if (!response.ok) throw await refusal(response, 'your signaling server', 'check its logs', redactor);
        if (/json/i.test(response.headers.get('content-type') ?? '')) {
          const body = await readJson(response);
          if (!isJsonObject(body))
            throw connectFailed('your signaling server answered JSON without { sdp, callId }', 'answer with JSON { sdp, callId } or with the SDP itself (application/sdp) and a Location header');
          return checkedAnswer(body.sdp, body.callId ?? body.call_id, 'your signaling server');
        }
        return checkedAnswer(await response.text(), callIdOfLocation(response.headers.get('location')), 'your signaling server');
      },
    };
  }

  const { clientSecret, dangerouslyAllowApiKeyInBrowser } = options;
  if (typeof clientSecret !== 'string' && typeof clientSecret !== 'function')
    throw new ProxyError('invalid_options', 'Failed to create the WebRTC transport: clientSecret is neither a string nor a function. Please pass an ek_ key or a function that fetches one.');
  const base = (options.baseUrl ?? DEFAULT_OPENAI_BASE_URL).replace(/\/+$/, '');
  if (!/^https?:\/\//i.test(base))
    throw new ProxyError(
      'invalid_options',
      `Failed to create the WebRTC transport: baseUrl "${redactor.url(base).slice(0, 200)}" is not an http(s) URL. Please pass a base such as ${DEFAULT_OPENAI_BASE_URL}.`,
    );
  redactor.add(typeof clientSecret === 'string' ? clientSecret : undefined).addUrl(base);
  const url = `${base}/realtime/calls`;
  const checkKey = (key: string) => {
    if (key.startsWith('ek_') || dangerouslyAllowApiKeyInBrowser) return;
    throw new ProxyError(
      'invalid_options',
      'Failed to open the WebRTC session: the key is not an ephemeral key, and a standard API key in a page is readable by every script on it. Please mint an ephemeral key (ek_…) on your server with POST /v1/realtime/client_secrets, or set dangerouslyAllowApiKeyInBrowser.',
    );
  };
  return {
    checkKey() {
      if (typeof clientSecret === 'string') checkKey(clientSecret);
    },
    exchange: async (offer, { signal }) => {
      const key = await resolveKey(clientSecret, redactor);
      checkKey(key);
      const response = await post(url, offer, { Authorization: `Bearer ${key}` }, signal);
      if (!response.ok) {
        const please =
          response.status === 401
            ? 'mint a fresh ephemeral key on your server (they expire, 10 minutes by default)'
            : response.status >= 500
              ? 'try again later'
              : 'check the session the key was minted with';
        throw await refusal(response, 'OpenAI', please, redactor);
      }
      return checkedAnswer(await response.text(), callIdOfLocation(response.headers.get('location')), 'OpenAI');
    },
  };
}

async function resolveKey(clientSecret: string | (() => string | Promise<string>), redactor: Redactor): Promise<string> {
  let key: unknown;
  try {
    key = typeof clientSecret === 'function' ? await clientSecret() : clientSecret;
  } catch (cause) {
    throw connectFailed(`the client secret could not be fetched (${redactor.text(describeCause(cause)).slice(0, MAX_QUOTED)})`, 'check the function that fetches it from your server', {
      cause: redactor.error(cause),
    });
  }
  if (typeof key !== 'string' || key === '')
    throw new ProxyError('invalid_options', 'Failed to open the WebRTC session: no client secret was given. Please pass clientSecret (an ek_ key minted by your server).');
  redactor.add(key);
  return key;
}

/** What a refusal says: the status, the API's error code and message (JSON `error.message`/`error` or the text), redacted and clipped. */
async function refusal(response: Response, who: string, please: string, redactor: Redactor): Promise<ProxyError> {
  const text = await response.text().catch(() => '');
  let code: string | undefined;
  let message = text;
  try {
    const body: unknown = JSON.parse(text);
    const error = isJsonObject(body) ? body.error : undefined;
    if (isJsonObject(error)) {
      if (typeof error.message === 'string') message = error.message;
      if (typeof error.code === 'string') code = redactor.text(error.code).slice(0, 100);
    } else if (typeof error === 'string') message = error;
  } catch {
    // Not JSON: the text as it is.
  }
  // Redacted before it is clipped (a clipped secret would no longer be recognised); the sentence supplies its own full stop.
  const shown =
    redactor
      .text(message.replace(/\s+/g, ' ').trim())
      .slice(0, MAX_QUOTED)
      .replace(/[.\s]+$/, '') || response.statusText;
  return connectFailed(`${who} answered ${response.status}${code ? ` (${code})` : ''}${shown ? `: ${shown}` : ''}`, please, { data: { status: response.status, ...(code ? { apiCode: code } : {}) } });
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return JSON.parse(await response.text()) as unknown;
  } catch {
    return undefined;
  }
}

/** Hostile input is normal input: the answer must be a plausible SDP before it reaches setRemoteDescription. */
function checkedAnswer(sdp: unknown, callId: unknown, who: string): WebRtcSdpAnswer {
  if (typeof sdp !== 'string' || !/^v=0\r?\n/.test(sdp) || sdp.length > MAX_ANSWER_LENGTH) {
    const what =
      typeof sdp !== 'string'
        ? `no SDP (${sdp === null ? 'null' : typeof sdp})`
        : sdp.length > MAX_ANSWER_LENGTH
          ? `${sdp.length} characters, not an SDP`
          : 'text that is not an SDP (it does not start with "v=0")';
    throw connectFailed(`${who} answered ${what}`, 'check that the SDP answer is passed on as it came from OpenAI');
  }
  return isValidCallId(callId) ? { sdp, callId } : { sdp };
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = (cause as { cause?: unknown }).cause;
  const code = isJsonObject(inner) && typeof inner.code === 'string' ? inner.code : undefined;
  return `${cause.name}: ${cause.message}${code ? ` (${code})` : ''}`;
}
