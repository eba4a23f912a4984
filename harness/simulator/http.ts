/**
 * The simulator's REST side, the plumbing: API-style error bodies, request bodies read with a size
 * limit, content types, JSON, and the session config of a request checked with our strict codec
 * (the same checks as a `session.update`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeClientEvent } from '../../src/protocol/codec.js';
import type { RealtimeSessionConfig } from '../../src/protocol/generated/types.js';
import { codecErrorEvent } from './wire.js';

/** What the API answers with an error status: `{ error: { message, type, param, code } }`. */
export interface HttpProblem {
  readonly status: number;
  readonly message: string;
  readonly code: string | null;
  readonly param?: string | null;
}

/** Thrown by a route handler: the request is answered with the problem. */
export class HttpFailure extends Error {
  constructor(readonly problem: HttpProblem) {
    super(problem.message);
  }
}

export function badRequest(message: string, code: string | null = 'invalid_request_error', param: string | null = null): HttpFailure {
  return new HttpFailure({ status: 400, message, code, param });
}

export function sendProblem(res: ServerResponse, problem: HttpProblem): void {
  const type = problem.status >= 500 ? 'server_error' : 'invalid_request_error';
  sendJson(res, problem.status, { error: { message: problem.message, type, param: problem.param ?? null, code: problem.code } });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** An empty 200, as the call-control endpoints answer. */
export function sendEmpty(res: ServerResponse): void {
  res.writeHead(200, { 'content-length': '0' });
  res.end();
}

/** The media type of the request, lowercase, without parameters (`""` when absent). */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Stops reading (and closes the connection) past this many bytes of an oversize body. */
const DRAIN_LIMIT_FACTOR = 4;

/**
 * Reads the whole body, at most `limit` bytes. An oversize body is read to its end (up to a few
 * times the limit, so the client reads the answer instead of a reset) and refused.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const pieces: Buffer[] = [];
    let size = 0;
    const tooLarge = (): HttpFailure => badRequest(`The request body is too large: the simulator accepts at most ${limit} bytes. Please send a smaller body.`, 'request_too_large');
    req.on('data', (piece: Buffer) => {
      size += piece.length;
      if (size <= limit) pieces.push(piece);
      else if (size > limit * DRAIN_LIMIT_FACTOR + 65_536) {
        req.destroy();
        reject(tooLarge());
      }
    });
    req.on('end', () => (size > limit || declared > limit ? reject(tooLarge()) : resolve(Buffer.concat(pieces))));
    req.on('error', (error) => reject(badRequest(`The request body could not be read: ${error.message}.`)));
  });
}

/** Parses a JSON body that must be an object (an empty body is `{}` when `emptyIsObject`). */
export function jsonObject(body: Buffer, emptyIsObject = false): Record<string, unknown> {
  const text = body.toString('utf8');
  if (text.trim() === '' && emptyIsObject) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badRequest(`We could not parse the JSON body of your request: ${(error as Error).message}. Please send valid JSON.`, 'invalid_json');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest(`The JSON body must be an object, not ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}.`, 'invalid_json');
  }
  return value as Record<string, unknown>;
}

export function requireMediaType(req: IncomingMessage, allowed: readonly string[]): string {
  const type = mediaType(req);
  if (!allowed.includes(type)) {
    const got = type === '' ? 'no Content-Type' : `'${type}'`;
    throw badRequest(`Unsupported content type: ${got}. This endpoint accepts ${allowed.map((t) => `'${t}'`).join(' or ')}. Please set the Content-Type header.`, 'unsupported_content_type');
  }
  return type;
}

export function refuseUnknownKeys(object: Record<string, unknown>, known: readonly string[], prefix = ''): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) throw badRequest(`Unknown parameter: '${prefix}${key}'. Known: ${known.join(', ')}.`, 'unknown_parameter', `${prefix}${key}`);
  }
}

/**
 * A session config from a request (`param` names where it sits: `session`, or `''` when it is the
 * whole body), checked as strictly as a `session.update`; only `type: "realtime"` sessions.
 */
export function parseSessionConfig(value: unknown, param: string): RealtimeSessionConfig {
  const at = (field: string): string => (param === '' ? field : `${param}.${field}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest(`Invalid type for '${param || 'body'}': expected a session config object.`, 'invalid_type', param || null);
  }
  const type = (value as { type?: unknown }).type;
  if (type === undefined) throw badRequest(`Missing required parameter: '${at('type')}'. Please set it to "realtime".`, 'missing_required_parameter', at('type'));
  if (type !== 'realtime') throw badRequest(`Invalid value: ${JSON.stringify(type)}. '${at('type')}' must be "realtime" (the simulator has no transcription sessions).`, 'invalid_value', at('type'));
  const decoded = decodeClientEvent({ type: 'session.update', session: value });
  if (decoded.ok && decoded.event.type === 'session.update') return decoded.event.session as RealtimeSessionConfig; // type was checked above
  if (decoded.ok) throw badRequest('The session config is not valid.', 'invalid_value', param || null);
  const error = codecErrorEvent(decoded.error, null).error;
  const where = error.param?.replace(/^session\.?/, '') ?? '';
  const named = where === '' ? param || null : at(where);
  // The codec speaks of a session.update event; say it of the request's field instead.
  const headline = error.message.split(' Failed to ')[0]?.replaceAll(`'${error.param}'`, `'${named ?? 'body'}'`) ?? '';
  const detail = /^Failed to decode the client event "session\.update": (.*?)\. Please /.exec(decoded.error.message)?.[1]?.replace(/\/session(\/[^\s]*)?/, named ?? 'the session')
    .replace(/ \([^)]*\)$/, '');
  const message = `${headline} The session config is not valid${detail ? `: ${detail}` : ''}. Please check it against the Realtime API reference.`;
  throw badRequest(message, error.code ?? 'invalid_value', named);
}
