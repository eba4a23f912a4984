/**
 * The simulator's REST endpoints: `POST /v1/realtime/client_secrets`, `POST /v1/realtime/calls`
 * (an SDP offer as `application/sdp`, or `multipart/form-data` with `sdp` and `session`), and
 * `POST /v1/realtime/calls/{call_id}/accept|reject|refer|hangup`. Every request is authenticated
 * like the WebSocket and validated as the API does; failures answer with an API-style error body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RealtimeSessionConfig } from '../../src/protocol/generated/types.js';
import { authenticate, presentedKey, type Caller } from './auth.js';
import type { CallRegistry } from './calls.js';
import type { ClientSecretStore } from './clientSecrets.js';
import { badRequest, HttpFailure, jsonObject, parseSessionConfig, readBody, refuseUnknownKeys, requireMediaType, sendEmpty, sendJson, sendProblem } from './http.js';

export interface RouteContext {
  apiKey: string | undefined;
  secrets: ClientSecretStore;
  calls: CallRegistry;
  maxBodyBytes: number;
  log(line: string): void;
}

type CallAction = 'accept' | 'reject' | 'refer' | 'hangup';
const CALL_ACTIONS: readonly string[] = ['accept', 'reject', 'refer', 'hangup'];
/** SIP sessions refuse VAD tuning (agents-js notes the Calls API rejects these for SIP). */
const SIP_REFUSED_VAD_FIELDS = ['threshold', 'prefix_padding_ms', 'silence_duration_ms'];

/** Answers one HTTP request (not an upgrade). */
export async function handleRequest(req: IncomingMessage, res: ServerResponse, context: RouteContext): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const method = req.method ?? 'GET';
  if (url.pathname === '/v1/realtime/calls' && allowBrowsers(req, res, method)) return;
  try {
    if (url.pathname === '/v1/realtime' && method === 'GET') {
      res.writeHead(426, { 'content-type': 'application/json', upgrade: 'websocket' });
      res.end(JSON.stringify({ error: { type: 'invalid_request_error', code: null, param: null, message: 'Connect to /v1/realtime with a WebSocket.' } }));
      return;
    }
    const action = callAction(url.pathname);
    if (method !== 'POST' || (url.pathname !== '/v1/realtime/client_secrets' && url.pathname !== '/v1/realtime/calls' && action === undefined)) {
      throw new HttpFailure({ status: 404, message: `Invalid URL (${method} ${url.pathname}).`, code: null });
    }
    const caller = callerOf(req, context);
    if (url.pathname === '/v1/realtime/client_secrets') {
      standardOnly(caller, 'mint client secrets');
      requireMediaType(req, ['application/json']);
      const answer = context.secrets.issue(jsonObject(await readBody(req, context.maxBodyBytes)));
      context.log(`client secret issued (expires at ${answer.expires_at})`);
      return sendJson(res, 200, answer);
    }
    if (url.pathname === '/v1/realtime/calls') return await createCall(req, res, url, caller, context);
    if (action) {
      standardOnly(caller, 'control calls');
      await callControl(req, action.callId, action.action, context);
      return sendEmpty(res);
    }
  } catch (error) {
    if (error instanceof HttpFailure) return sendProblem(res, error.problem);
    context.log(`the simulator failed on ${method} ${url.pathname}: ${(error as Error).message}`);
    return sendProblem(res, { status: 500, message: `The simulator failed: ${(error as Error).message}`, code: null });
  }
}

/**
 * CORS on `/v1/realtime/calls`, as OpenAI's endpoint answers a browser that posts its SDP offer
 * with a client secret: the Origin echoed (answers and errors alike, so the page can read either),
 * `Location` exposed (the call id). Answers a preflight (`OPTIONS`) and returns true; false otherwise.
 */
function allowBrowsers(req: IncomingMessage, res: ServerResponse, method: string): boolean {
  const origin = req.headers.origin;
  if (typeof origin === 'string' && origin !== '') {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-expose-headers', 'Location');
    res.setHeader('vary', 'Origin');
  }
  if (method !== 'OPTIONS') return false;
  res.writeHead(204, {
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'Authorization, Content-Type',
    'access-control-max-age': '600',
    'content-length': '0',
  });
  res.end();
  return true;
}

function callAction(pathname: string): { callId: string; action: CallAction } | undefined {
  const match = /^\/v1\/realtime\/calls\/([^/]+)\/([a-z]+)$/.exec(pathname);
  if (!match || !CALL_ACTIONS.includes(match[2] as string)) return undefined;
  try {
    return { callId: decodeURIComponent(match[1] as string), action: match[2] as CallAction };
  } catch {
    return undefined;
  }
}

function callerOf(req: IncomingMessage, context: RouteContext): Caller {
  const auth = authenticate(presentedKey(req, false), context.apiKey, context.secrets);
  if (!auth.ok) throw new HttpFailure(auth.problem);
  return auth.caller;
}

function standardOnly(caller: Caller, what: string): void {
  if (caller.kind === 'ephemeral') {
    throw new HttpFailure({ status: 401, message: `A client secret (ek_…) cannot ${what}. Please use a standard API key on your server.`, code: 'invalid_api_key' });
  }
}

async function createCall(req: IncomingMessage, res: ServerResponse, url: URL, caller: Caller, context: RouteContext): Promise<void> {
  const type = requireMediaType(req, ['application/sdp', 'multipart/form-data']);
  const body = await readBody(req, context.maxBodyBytes);
  const configs: RealtimeSessionConfig[] = caller.kind === 'ephemeral' ? [caller.secret.config] : [];
  let sdp: string;
  if (type === 'application/sdp') sdp = body.toString('utf8');
  else {
    const form = await parseForm(req.headers['content-type'] ?? '', body);
    sdp = await formText(form, 'sdp');
    if (form.has('session')) {
      let value: unknown;
      try {
        value = JSON.parse(await formText(form, 'session'));
      } catch (error) {
        throw badRequest(`The 'session' field is not JSON: ${(error as Error).message}. Please send the session config as a JSON string.`, 'invalid_json', 'session');
      }
      configs.push(parseSessionConfig(value, 'session'));
    }
  }
  checkOffer(sdp);
  const model = url.searchParams.get('model') ?? [...configs].reverse().find((config) => config.model !== undefined)?.model;
  const { id, answerSdp } = await context.calls.startWebRtc(sdp, configs, model);
  res.writeHead(201, { 'content-type': 'application/sdp', location: `/v1/realtime/calls/${id}`, 'content-length': String(Buffer.byteLength(answerSdp)) });
  res.end(answerSdp);
}

async function parseForm(contentType: string, body: Buffer): Promise<FormData> {
  let form: FormData;
  try {
    form = await new Response(new Blob([new Uint8Array(body)]), { headers: { 'content-type': contentType } }).formData();
  } catch (error) {
    throw badRequest(`The multipart body could not be parsed: ${(error as Error).message}. Please send multipart/form-data with the fields sdp and session.`, 'invalid_multipart');
  }
  for (const name of new Set(form.keys())) {
    if (name !== 'sdp' && name !== 'session') throw badRequest(`Unknown parameter: '${name}'. Known: sdp, session.`, 'unknown_parameter', name);
    if (form.getAll(name).length > 1) throw badRequest(`The field '${name}' was sent more than once.`, 'invalid_value', name);
  }
  return form;
}

async function formText(form: FormData, name: string): Promise<string> {
  const value = form.get(name);
  if (value === null) throw badRequest(`Missing required parameter: '${name}'.`, 'missing_required_parameter', name);
  return typeof value === 'string' ? value : await value.text();
}

function checkOffer(sdp: string): void {
  if (sdp.trim() === '') throw badRequest("Missing required parameter: 'sdp'. Please send the SDP offer.", 'missing_required_parameter', 'sdp');
  if (!sdp.startsWith('v=0') || !/\r?\nm=/.test(sdp)) {
    throw badRequest('The SDP offer is not valid: it must start with "v=0" and hold at least one media section ("m=" line). Please send pc.localDescription.sdp.', 'invalid_offer', 'sdp');
  }
}

async function callControl(req: IncomingMessage, callId: string, action: CallAction, context: RouteContext): Promise<void> {
  const body = await readBody(req, context.maxBodyBytes);
  if (action === 'accept' || body.length > 0) requireMediaType(req, ['application/json']);
  const json = jsonObject(body, action !== 'accept');
  switch (action) {
    case 'accept': {
      const config = parseSessionConfig(json, '');
      const detection = config.audio?.input?.turn_detection;
      for (const field of SIP_REFUSED_VAD_FIELDS) {
        if (detection && field in detection) {
          throw badRequest(`Unknown parameter: 'audio.input.turn_detection.${field}'. SIP sessions do not accept it.`, 'unknown_parameter', `audio.input.turn_detection.${field}`);
        }
      }
      return context.calls.accept(callId, config);
    }
    case 'reject': {
      refuseUnknownKeys(json, ['status_code']);
      const status = json.status_code ?? 603;
      if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 699) {
        throw badRequest(`Invalid value: ${JSON.stringify(status)}. 'status_code' must be a SIP status from 400 to 699 (default 603).`, 'invalid_value', 'status_code');
      }
      return context.calls.reject(callId, status);
    }
    case 'refer': {
      refuseUnknownKeys(json, ['target_uri']);
      if (json.target_uri === undefined) throw badRequest("Missing required parameter: 'target_uri'.", 'missing_required_parameter', 'target_uri');
      if (typeof json.target_uri !== 'string' || !/^(tel|sips?):\S+$/.test(json.target_uri)) {
        throw badRequest("Invalid value for 'target_uri': expected a tel: or sip: URI such as tel:+14155550123.", 'invalid_value', 'target_uri');
      }
      return context.calls.refer(callId, json.target_uri);
    }
    case 'hangup':
      refuseUnknownKeys(json, []);
      return context.calls.hangup(callId);
  }
}
