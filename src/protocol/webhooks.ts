/**
 * OpenAI webhooks (Standard Webhooks scheme): `verifyRealtimeWebhook` checks the signature of the raw
 * body and the timestamp, then reads the event. Browser-safe (the `standardwebhooks` package is pure
 * JS: @stablelib/base64 and fast-sha256), though it belongs on a server.
 *
 * Why not `Webhook.verify` alone: the package fixes its tolerance at 300 s and offers no option. So the
 * timestamp is checked here against `toleranceSeconds`, and the signature the package computes with
 * `Webhook.sign` (its HMAC-SHA256 and base64) is compared with each one offered, in constant time —
 * what `verify` does inside, with the tolerance the caller chose.
 */
import { Webhook } from 'standardwebhooks';
import { ProxyError } from '../errors.js';
import { isJsonObject } from '../isJsonObject.js';
import { isValidCallId } from './calls.js';

export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

export interface VerifyRealtimeWebhookOptions {
  /** The endpoint's signing secret, `whsec_…` (the prefix may be left out). */
  readonly secret: string;
  /** The raw request body, exactly as it arrived (before any JSON parsing). */
  readonly body: string | Uint8Array;
  /** The request headers: a `Headers`, or an object such as Node's `req.headers` (names in any case). */
  readonly headers: Headers | Readonly<Record<string, string | readonly string[] | undefined>>;
  /** How far the `webhook-timestamp` may be from now, either way. Default 300 s. */
  readonly toleranceSeconds?: number;
}

/** A SIP call is ringing: accept it (acceptCall), reject it, or let it ring out. */
export interface RealtimeCallIncomingEvent {
  readonly id: string;
  readonly type: 'realtime.call.incoming';
  /** Unix seconds. */
  readonly createdAt: number;
  readonly data: { readonly callId: string; readonly sipHeaders: ReadonlyArray<{ readonly name: string; readonly value: string }> };
}

/** Any other event (`realtime.call.ended`…, names vary): its `data` as it came. */
export interface RealtimeOtherWebhookEvent {
  readonly id: string;
  readonly type: string;
  readonly createdAt: number;
  readonly data: unknown;
}

export type RealtimeWebhookEvent = RealtimeCallIncomingEvent | RealtimeOtherWebhookEvent;

/** Why a webhook was refused (`data.reason` of the `webhook_invalid` error). */
export type WebhookInvalidReason = 'missing_header' | 'invalid_timestamp' | 'stale_timestamp' | 'bad_signature' | 'not_json' | 'unknown_shape';

export function isRealtimeCallIncoming(event: RealtimeWebhookEvent): event is RealtimeCallIncomingEvent {
  return event.type === 'realtime.call.incoming';
}

const REFUSE = 'refuse the request (answer 400) and do not act on it';

/**
 * Verifies an OpenAI webhook and returns its event, or throws `ProxyError('webhook_invalid')` with
 * `data.reason`. Pass the raw body: a body parsed and written again no longer matches its signature.
 *
 * @example
 * const event = verifyRealtimeWebhook({ secret: process.env.OPENAI_WEBHOOK_SECRET!, body: rawBody, headers: req.headers });
 * if (isRealtimeCallIncoming(event)) await acceptCall({ apiKey, callId: event.data.callId, session });
 */
export function verifyRealtimeWebhook(options: VerifyRealtimeWebhookOptions): RealtimeWebhookEvent {
  const tolerance = options.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance <= 0) {
    throw new ProxyError('invalid_options', `Failed to verify the webhook: toleranceSeconds is ${String(tolerance)}. Please pass a positive number of seconds (default ${DEFAULT_WEBHOOK_TOLERANCE_SECONDS}).`);
  }
  const webhook = signer(options.secret);
  const body = options.body;
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw new ProxyError('invalid_options', `Failed to verify the webhook: the body is ${body === null ? 'null' : typeof body}. Please pass the raw body as a string or bytes, before any JSON parsing.`);
  }

  const id = header(options.headers, 'webhook-id');
  const timestampText = header(options.headers, 'webhook-timestamp');
  const signatures = header(options.headers, 'webhook-signature');
  const timestamp = Number(timestampText);
  if (!/^\d{1,12}$/.test(timestampText)) refuse('invalid_timestamp', 'its webhook-timestamp header is not Unix seconds');
  const skew = Math.floor(Date.now() / 1000) - timestamp;
  if (Math.abs(skew) > tolerance) {
    refuse(
      'stale_timestamp',
      `its timestamp is ${Math.abs(skew)} s in the ${skew > 0 ? 'past' : 'future'}, beyond the tolerance of ${tolerance} s (a replay, a late delivery, or a clock that is off)`,
    );
  }
  const expected = utf8(webhook.sign(id, new Date(timestamp * 1000), body));
  // Several signatures may be offered (space-separated, `v1,<base64>`), e.g. while a secret is rotated.
  const matches = signatures
    .split(' ')
    .filter((candidate) => candidate !== '')
    .some((candidate) => constantTimeEqual(utf8(candidate), expected));
  if (!matches) refuse('bad_signature', 'no signature in its webhook-signature header matches the body (the body was changed, or the secret is not this endpoint’s)');

  let payload: unknown;
  try {
    payload = JSON.parse(typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    refuse('not_json', 'its body is not JSON');
  }
  return readEvent(payload);
}

function readEvent(payload: unknown): RealtimeWebhookEvent {
  if (!isJsonObject(payload)) refuse('unknown_shape', 'its body is not a JSON object');
  const { id, type, created_at: createdAt, data } = payload;
  if (typeof id !== 'string' || id === '') refuse('unknown_shape', 'its event has no string `id`');
  if (typeof type !== 'string' || type === '') refuse('unknown_shape', 'its event has no string `type`');
  if (typeof createdAt !== 'number' || !Number.isFinite(createdAt)) refuse('unknown_shape', 'its event has no numeric `created_at`');
  if (type !== 'realtime.call.incoming') return { id, type, createdAt, data };

  if (!isJsonObject(data)) refuse('unknown_shape', 'its realtime.call.incoming event has no `data` object');
  if (!isValidCallId(data.call_id)) refuse('unknown_shape', 'its realtime.call.incoming event has no valid `data.call_id`');
  const rawHeaders = data.sip_headers ?? [];
  if (!Array.isArray(rawHeaders)) refuse('unknown_shape', 'its `data.sip_headers` is not a list');
  const sipHeaders = rawHeaders.map((entry: unknown, index) => {
    if (!isJsonObject(entry) || typeof entry.name !== 'string' || typeof entry.value !== 'string') {
      refuse('unknown_shape', `its \`data.sip_headers[${index}]\` is not { name, value } strings`);
    }
    return { name: entry.name, value: entry.value };
  });
  return { id, type, createdAt, data: { callId: data.call_id, sipHeaders } };
}

function signer(secret: unknown): Webhook {
  const advice = 'Please pass the signing secret of this webhook endpoint (whsec_…) from the OpenAI dashboard';
  if (typeof secret !== 'string' || secret.trim() === '') {
    throw new ProxyError('invalid_options', `Failed to verify the webhook: the secret is ${typeof secret === 'string' ? 'empty' : typeof secret}. ${advice}.`);
  }
  try {
    return new Webhook(secret);
  } catch {
    // The package's message is not quoted: it could describe the secret.
    throw new ProxyError('invalid_options', `Failed to verify the webhook: the secret is not base64 after its whsec_ prefix. ${advice}.`);
  }
}

/** One header's value, whatever the casing of its name; absent, empty or repeated → refused. */
function header(headers: VerifyRealtimeWebhookOptions['headers'], name: string): string {
  let value: string | readonly string[] | null | undefined;
  if (typeof (headers as Headers | undefined)?.get === 'function' && typeof (headers as Headers).forEach === 'function') {
    value = (headers as Headers).get(name);
  } else if (isJsonObject(headers)) {
    for (const [key, found] of Object.entries(headers)) if (key.toLowerCase() === name) value = found as string | readonly string[] | undefined;
  }
  if (Array.isArray(value)) {
    if (name === 'webhook-signature') value = value.join(' ');
    else refuse('missing_header', `its ${name} header came ${value.length} times`);
  }
  if (typeof value !== 'string' || value.trim() === '') refuse('missing_header', `its ${name} header is missing`);
  return value.trim();
}

function refuse(reason: WebhookInvalidReason, why: string): never {
  throw new ProxyError<{ reason: WebhookInvalidReason }>('webhook_invalid', `Failed to verify the webhook: ${why}. Please ${REFUSE}.`, { data: { reason } });
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Compares without stopping at the first difference, so the time taken does not tell how much of a guess was right. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}
