/**
 * Realtime calls over REST: create a WebRTC call from an SDP offer (`POST /v1/realtime/calls`), and
 * control a call (accept, reject, refer, hang up). A call id is checked before it is put in a path.
 */
import { ProxyError } from '../errors.js';
import { invalidAnswer, realtimeApiRequest, type RealtimeApiOptions } from './realtimeApi.js';
import { sessionBody, type RealtimeSessionConfigInput } from './sessionBody.js';

/** What a call id may look like (`rtc_…`): safe as a path segment and a query value. */
export const CALL_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export function isValidCallId(value: unknown): value is string {
  return typeof value === 'string' && CALL_ID_PATTERN.test(value);
}

export interface CreateCallOptions extends RealtimeApiOptions {
  /** The SDP offer of the peer connection (the browser's, relayed by your server). */
  readonly sdp: string;
  /** Sent as `multipart/form-data` with the SDP (the unified interface, with a standard key). Without it the SDP goes alone as `application/sdp` (an `ek_` key whose session is set). */
  readonly session?: RealtimeSessionConfigInput;
}

export interface CreatedCall {
  /** The SDP answer, for the peer connection that made the offer. */
  readonly sdp: string;
  /** From the `Location` header: attach the sideband with it. */
  readonly callId: string;
}

/**
 * Creates a WebRTC call from an SDP offer and returns the SDP answer and the call id.
 *
 * @example
 * // On your server: the browser posted its offer; the key and the tools stay here.
 * const { sdp, callId } = await createCall({ apiKey, sdp: offer, session: { model: 'gpt-realtime' } });
 * const sideband = createNodeSidebandTransport({ callId, apiKey });
 */
export async function createCall(options: CreateCallOptions): Promise<CreatedCall> {
  const action = 'create the call';
  if (typeof options.sdp !== 'string' || !looksLikeSdp(options.sdp)) {
    throw new ProxyError('invalid_options', `Failed to ${action}: the SDP offer is ${typeof options.sdp === 'string' ? 'not an SDP description (it must start with "v=")' : typeof options.sdp}. Please pass the offer's \`sdp\` text.`);
  }
  let body: string | FormData = options.sdp;
  if (options.session !== undefined) {
    const session = sessionBody(options.session, action);
    if (typeof FormData !== 'function') {
      throw new ProxyError('invalid_options', `Failed to ${action}: there is no global FormData here to send the session with the SDP. Please use Node 18 or later, or a browser.`);
    }
    body = new FormData();
    body.append('sdp', options.sdp);
    body.append('session', JSON.stringify(session));
  }
  const answer = await realtimeApiRequest(options, {
    action,
    path: '/realtime/calls',
    body,
    ...(typeof body === 'string' ? { contentType: 'application/sdp' } : {}),
    accept: 'application/sdp',
    advice: { 401: 'check the key: a standard OpenAI key, or an ek_ client secret that has not expired' },
  });
  if (!looksLikeSdp(answer.text)) throw invalidAnswer(action, answer.status, 'its answer is not an SDP description');
  const callId = callIdFrom(answer.headers.get('location'), action, answer.status);
  return { sdp: answer.text, callId };
}

/**
 * The call id in a `Location` header (`/v1/realtime/calls/rtc_…`, relative or absolute): the path
 * segment after `calls/`, the last one. Throws `realtime_api_error` when the header is absent or its last segment is not a
 * call id.
 *
 * @example
 * callIdFromLocation('/v1/realtime/calls/rtc_abc123'); // 'rtc_abc123'
 */
export function callIdFromLocation(location: string | null | undefined): string {
  return callIdFrom(location, 'read the call id', null);
}

function callIdFrom(location: string | null | undefined, action: string, status: number | null): string {
  if (typeof location !== 'string' || location.trim() === '') {
    throw invalidAnswer(action, status, 'the answer has no Location header', 'check the base URL; a proxy in between may drop the header');
  }
  let path: string;
  try {
    path = new URL(location.trim(), 'https://location.invalid/').pathname;
  } catch {
    throw invalidAnswer(action, status, 'the Location header is not a URL');
  }
  const segments = path.replace(/\/+$/, '').split('/');
  const id = segments.at(-1);
  // Never quoted: a Location that is not a call id is not ours to repeat.
  if (segments.at(-2) !== 'calls' || !isValidCallId(id)) throw invalidAnswer(action, status, 'the Location header does not end with calls/<call id>');
  return id;
}

export interface CallControlOptions extends RealtimeApiOptions {
  /** The call (`rtc_…`): from the `realtime.call.incoming` webhook or createCall. */
  readonly callId: string;
}

/**
 * Accepts an incoming SIP call with the session config, then attach the sideband to control it.
 *
 * @example
 * await acceptCall({ apiKey, callId: event.data.callId, session: { model: 'gpt-realtime', instructions: 'Answer the phone.' } });
 */
export async function acceptCall(options: CallControlOptions & { readonly session: RealtimeSessionConfigInput }): Promise<void> {
  const action = `accept call ${checkedCallId(options.callId, 'accept the call')}`;
  await control(options, action, 'accept', JSON.stringify(sessionBody(options.session, action)));
}

/**
 * Declines an incoming SIP call. `statusCode`: the SIP final response (400–699; OpenAI's default is 603 Decline).
 *
 * @example
 * await rejectCall({ apiKey, callId, statusCode: 486 }); // Busy Here
 */
export async function rejectCall(options: CallControlOptions & { readonly statusCode?: number }): Promise<void> {
  const action = `reject call ${checkedCallId(options.callId, 'reject the call')}`;
  const { statusCode } = options;
  if (statusCode !== undefined && (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 400 || statusCode > 699)) {
    throw new ProxyError('invalid_options', `Failed to ${action}: statusCode is ${String(statusCode)}. Please pass a SIP final response code from 400 to 699 (486 Busy Here, 603 Decline), or none.`);
  }
  await control(options, action, 'reject', JSON.stringify(statusCode === undefined ? {} : { status_code: statusCode }));
}

/**
 * Transfers a SIP call (SIP REFER) to `tel:…` or `sip:…`.
 *
 * @example
 * await referCall({ apiKey, callId, targetUri: 'tel:+14155550123' });
 */
export async function referCall(options: CallControlOptions & { readonly targetUri: string }): Promise<void> {
  const action = `transfer call ${checkedCallId(options.callId, 'transfer the call')}`;
  const { targetUri } = options;
  if (typeof targetUri !== 'string' || !/^(tel|sips?):\S+$/i.test(targetUri) || targetUri.length > 2048) {
    throw new ProxyError('invalid_options', `Failed to ${action}: the target is not a tel: or sip: URI. Please pass one such as tel:+14155550123 or sip:agent@example.com.`);
  }
  await control(options, action, 'refer', JSON.stringify({ target_uri: targetUri }));
}

/**
 * Ends a call (WebRTC or SIP).
 *
 * @example
 * await hangupCall({ apiKey, callId });
 */
export async function hangupCall(options: CallControlOptions): Promise<void> {
  const action = `hang up call ${checkedCallId(options.callId, 'hang up the call')}`;
  await control(options, action, 'hangup');
}

async function control(options: CallControlOptions, action: string, verb: 'accept' | 'reject' | 'refer' | 'hangup', json?: string): Promise<void> {
  await realtimeApiRequest(options, {
    action,
    path: `/realtime/calls/${options.callId}/${verb}`,
    ...(json === undefined ? {} : { body: json, contentType: 'application/json' }),
    advice: { 404: 'check the call id: the call may have ended or never existed' },
  });
}

/** The call id, or an `invalid_options` error before any request: an id that is not one never reaches a URL path. */
function checkedCallId(callId: unknown, action: string): string {
  if (isValidCallId(callId)) return callId;
  const what = typeof callId === 'string' ? `not a call id (letters, digits, _ and -, at most 128)` : typeof callId;
  throw new ProxyError('invalid_options', `Failed to ${action}: the call id is ${what}. Please pass the id from the webhook or from createCall (rtc_…).`);
}

function looksLikeSdp(text: string): boolean {
  return /^\s*v=0\r?\n/.test(text);
}
