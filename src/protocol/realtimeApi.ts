/**
 * The one request helper under the OpenAI Realtime REST calls (client secrets, calls, call
 * control). Browser-safe: `fetch`, `AbortController` and `FormData` only. Every failure — an
 * answer that is not 2xx, a network error, a timeout, the caller's abort, a garbled answer, a key
 * function that threw — becomes one `ProxyError('realtime_api_error')` whose message and cause
 * never hold the key (it is registered in the redactor before the request leaves).
 */
import { untilAborted } from '../untilAborted.js';
import { ProxyError } from '../errors.js';
import { isJsonObject } from '../isJsonObject.js';
import { Redactor, redactUrl } from '../redaction/index.js';
import { isAzureHost } from './realtimeUrl.js';

export const DEFAULT_REALTIME_API_BASE_URL = 'https://api.openai.com/v1';
export const DEFAULT_REALTIME_API_TIMEOUT_MS = 15_000;
/** No Realtime REST answer is near this (an SDP answer is a few KB); a larger one is refused unread. */
export const MAX_REALTIME_API_ANSWER_BYTES = 1_048_576;

export interface RealtimeApiOptions {
  /** A standard API key (never sent to a browser), or a function that returns one when a request is made. */
  readonly apiKey: string | (() => string | Promise<string>);
  /** Default `https://api.openai.com/v1`. The simulator: `sim.httpUrl + '/v1'`. Azure: `https://<resource>.openai.azure.com/openai/v1`. */
  readonly baseUrl?: string;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** The whole request, answer body included, must finish within this. Default 15 000 ms. */
  readonly timeoutMs?: number;
  /** The key (and each value a key function returns, and the base URL's credentials) is registered here; errors are redacted with it. */
  readonly redactor?: Redactor;
  /** Aborting it ends the request with a `realtime_api_error` (`data.reason: 'aborted'`). */
  readonly signal?: AbortSignal;
  /** How the key is sent. Default `bearer` (`Authorization: Bearer`); `api-key` (an `api-key` header) for Azure OpenAI hosts. */
  readonly authentication?: 'bearer' | 'api-key';
}

/** Why a Realtime REST request failed: `status` when OpenAI answered an error, otherwise what happened instead. */
export type RealtimeApiFailure = 'status' | 'network' | 'timeout' | 'aborted' | 'invalid_response' | 'api_key';

export interface RealtimeApiErrorData {
  /** The HTTP status OpenAI answered (also set for `invalid_response`), or null when no answer came. */
  readonly status: number | null;
  /** `error.code` (else `error.type`) of OpenAI's error body, or null. */
  readonly apiCode: string | null;
  readonly reason: RealtimeApiFailure;
}

/** One request, described by what it is for (the error messages say it). */
export interface RealtimeApiRequest {
  /** What failed, after "Failed to": `create the client secret`, `accept call rtc_123`. */
  readonly action: string;
  /** Appended to the base URL's path: `/realtime/calls`. Path segments must be checked by the caller. */
  readonly path: string;
  readonly body?: string | FormData;
  /** Not set for FormData (fetch writes the multipart boundary). */
  readonly contentType?: string;
  readonly accept?: string;
  /** Advice by status where it differs per endpoint (a 404 for a call, a 401 with an ek_ key), after "Please". */
  readonly advice?: Readonly<Partial<Record<number, string>>>;
}

export interface RealtimeApiAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/**
 * Sends one Realtime REST request and reads the whole answer, or throws a redacted
 * `ProxyError('realtime_api_error')`. Used by createClientSecret and the call functions.
 *
 * @example
 * const answer = await realtimeApiRequest({ apiKey }, { action: 'hang up call rtc_1', path: '/realtime/calls/rtc_1/hangup' });
 */
export async function realtimeApiRequest(options: RealtimeApiOptions, request: RealtimeApiRequest): Promise<RealtimeApiAnswer> {
  const redactor = options.redactor ?? new Redactor();
  const url = realtimeApiUrl(options.baseUrl, request.path, redactor);
  const timeoutMs = checkTimeout(options.timeoutMs);
  const doFetch = options.fetch ?? globalThis.fetch;
  if (typeof doFetch !== 'function') {
    throw new ProxyError('invalid_options', `Failed to ${request.action}: there is no global fetch here. Please pass \`fetch\`.`);
  }
  const fail = (why: string, advice: string, data: RealtimeApiErrorData, cause?: unknown): ProxyError<RealtimeApiErrorData> =>
    new ProxyError<RealtimeApiErrorData>('realtime_api_error', redactor.text(`Failed to ${request.action}: ${why}. Please ${advice}.`), {
      data,
      ...(cause === undefined ? {} : { cause: redactor.error(cause) }),
    });

  if (options.signal?.aborted) throw fail('it was aborted before it was sent', 'send it again if it is still needed', { status: null, apiCode: null, reason: 'aborted' }, options.signal.reason);

  // One controller for the whole request: the deadline covers the key function and reading the answer too.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = () => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const interrupted = (error: unknown): ProxyError<RealtimeApiErrorData> => {
    if (timedOut) return fail(`OpenAI did not answer within ${timeoutMs} ms`, 'try again, or raise `timeoutMs`', { status: null, apiCode: null, reason: 'timeout' }, error);
    if (options.signal?.aborted) return fail('it was aborted', 'send it again if it is still needed', { status: null, apiCode: null, reason: 'aborted' }, options.signal.reason);
    return fail(`the request did not reach OpenAI (${describeNetworkError(error, redactor)})`, `check the network and the base URL ${redactor.url(url.origin)}`, { status: null, apiCode: null, reason: 'network' }, error);
  };

  try {
    const key = await untilAborted(resolveKey(options.apiKey, redactor), controller.signal).catch((error: unknown) => {
      if (controller.signal.aborted) throw timedOut ? fail(`the API key function did not return within ${timeoutMs} ms`, 'check the function that returns the key', { status: null, apiCode: null, reason: 'timeout' }) : interrupted(error);
      throw ProxyError.isInstance(error) ? error : fail('the API key function threw', 'check the function that returns the key', { status: null, apiCode: null, reason: 'api_key' }, error);
    });
    const headers: Record<string, string> = {};
    if ((options.authentication ?? (isAzureHost(url.href) ? 'api-key' : 'bearer')) === 'api-key') headers['api-key'] = key;
    else headers.Authorization = `Bearer ${key}`;
    if (request.contentType !== undefined) headers['Content-Type'] = request.contentType;
    if (request.accept !== undefined) headers.Accept = request.accept;

    let response: Response;
    try {
      response = await doFetch(url.href, { method: 'POST', headers, ...(request.body === undefined ? {} : { body: request.body }), signal: controller.signal, redirect: 'error' });
    } catch (error) {
      throw interrupted(error);
    }
    let text: string;
    try {
      text = await readBounded(response);
    } catch (error) {
      if (error instanceof AnswerTooLarge) {
        throw fail(`OpenAI answered ${response.status} with more than ${MAX_REALTIME_API_ANSWER_BYTES} bytes`, 'check the base URL', { status: response.status, apiCode: null, reason: 'invalid_response' });
      }
      throw interrupted(error);
    }
    if (response.status < 200 || response.status > 299) {
      const { apiCode, message } = apiError(text, redactor);
      throw fail(
        `OpenAI answered ${response.status}${apiCode === null ? '' : ` (${apiCode})`}: ${message}`,
        request.advice?.[response.status] ?? adviceFor(response.status),
        { status: response.status, apiCode, reason: 'status' },
      );
    }
    return { status: response.status, headers: response.headers, text };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * A `realtime_api_error` for a 2xx answer that does not hold what it should (no `ek_` value, no SDP,
 * no call id). `why` must not quote the answer: it may hold a secret.
 */
export function invalidAnswer(action: string, status: number | null, why: string, advice = 'check the base URL: it may not point at the OpenAI API'): ProxyError<RealtimeApiErrorData> {
  const answered = status === null ? why : `OpenAI answered ${status} but ${why}`;
  return new ProxyError<RealtimeApiErrorData>('realtime_api_error', `Failed to ${action}: ${answered}. Please ${advice}.`, {
    data: { status, apiCode: null, reason: 'invalid_response' },
  });
}

/** The base URL (default https://api.openai.com/v1, trailing slashes dropped, its query kept) with `path` appended. */
export function realtimeApiUrl(baseUrl: string | undefined, path: string, redactor: Redactor = new Redactor()): URL {
  const text = baseUrl ?? DEFAULT_REALTIME_API_BASE_URL;
  if (typeof text !== 'string') throw new ProxyError('invalid_options', `Failed to use the Realtime API base URL: it is ${typeof text}, not a string. Please pass a URL such as ${DEFAULT_REALTIME_API_BASE_URL}.`);
  redactor.addUrl(text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ProxyError('invalid_options', `Failed to use the Realtime API base URL "${redactUrl(redactor.text(text)).slice(0, 200)}": it is not a URL. Please pass an absolute URL such as ${DEFAULT_REALTIME_API_BASE_URL}.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ProxyError('invalid_options', `Failed to use the Realtime API base URL "${redactor.url(url)}": it is ${url.protocol}, not http: or https:. Please pass a URL such as ${DEFAULT_REALTIME_API_BASE_URL}.`);
  }
  url.pathname = url.pathname.replace(/\/+$/, '') + path;
  url.hash = '';
  return url;
}

async function resolveKey(apiKey: RealtimeApiOptions['apiKey'], redactor: Redactor): Promise<string> {
  const key = typeof apiKey === 'function' ? await apiKey() : apiKey;
  if (typeof key !== 'string' || key.trim() === '') {
    throw new ProxyError('invalid_options', `Failed to call the Realtime API: the API key is ${typeof key === 'string' ? 'empty' : typeof key}. Please pass \`apiKey\` (a standard OpenAI key, kept on the server).`);
  }
  redactor.add(key);
  return key;
}

function checkTimeout(timeoutMs: number | undefined): number {
  if (timeoutMs === undefined) return DEFAULT_REALTIME_API_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ProxyError('invalid_options', `Failed to call the Realtime API: timeoutMs is ${String(timeoutMs)}. Please pass a positive number of milliseconds.`);
  }
  return timeoutMs;
}

class AnswerTooLarge extends Error {}


/** The answer as text, refused once it passes MAX_REALTIME_API_ANSWER_BYTES (a hostile server may stream forever). */
async function readBounded(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > MAX_REALTIME_API_ANSWER_BYTES) {
      void reader.cancel().catch(() => undefined);
      throw new AnswerTooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
}

/** OpenAI's `{ error: { message, code, type } }`, or the start of whatever else came. */
function apiError(text: string, redactor: Redactor): { apiCode: string | null; message: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const error = isJsonObject(body) && isJsonObject(body.error) ? body.error : undefined;
  const code = error && typeof error.code === 'string' && error.code !== '' ? error.code : error && typeof error.type === 'string' && error.type !== '' ? error.type : null;
  const apiMessage = error && typeof error.message === 'string' && error.message.trim() !== '' ? error.message : undefined;
  const raw = apiMessage ?? (text.trim() === '' ? 'no error message' : text);
  // Redacted before it is clipped: a clipped secret would no longer be recognised.
  return { apiCode: code === null ? null : clip(oneLine(redactor.text(code)), 80), message: clip(oneLine(redactor.text(raw)), 300).replace(/[.\s]+$/, '') };
}

function adviceFor(status: number): string {
  if (status === 401) return 'check the API key (a standard OpenAI key; an ek_ client secret cannot call this)';
  if (status === 403) return "check that the key's project may use the Realtime API";
  if (status === 404) return 'check the base URL';
  if (status === 429) return 'wait and try again (rate limit or quota)';
  if (status >= 500) return 'try again later (OpenAI failed on its side)';
  return 'check the request (the session config, the SDP, the call id)';
}

function describeNetworkError(error: unknown, redactor: Redactor): string {
  // fetch in Node says "fetch failed" and keeps what happened in its cause (ECONNREFUSED…).
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  const code: unknown = cause === undefined ? undefined : (cause as Error & { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return clip(oneLine(redactor.text(typeof code === 'string' ? code : (cause?.message ?? message))), 200);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
