/**
 * Typed, validated codecs for Realtime events. Decoders never throw, on any input: they return
 * `{ ok: true, event }` or `{ ok: false, error }`. Dispatch is a Map from `type` to a validator
 * compiled ahead of time (scripts/codegen.ts), so one event is checked against one schema only.
 */
import type { ProxyErrorCode } from '../errors.js';
import { unescapePointerToken } from '../jsonPointer.js';
import { toGaClientEvent, toGaServerEvent, type Dialect } from './dialects.js';
import type { ClientEvent, ServerEvent } from './generated/types.js';
import { findNotPlainJson } from './notPlainJson.js';
import {
  clientEventValidators,
  serverEventValidators,
  type EventValidator,
  type SchemaViolation,
} from './generated/validators.js';

export type CodecErrorCode = Extract<
  ProxyErrorCode,
  'invalid_json' | 'invalid_input' | 'missing_type' | 'invalid_event' | 'unknown_event' | 'not_serializable'
>;

/** Why a value could not be decoded or encoded. A plain value (no stack), cheap to return per frame. */
export interface CodecError {
  readonly code: CodecErrorCode;
  /** "Failed to X: why. Please Y." */
  readonly message: string;
  /** JSON pointer to the offending value ("" for the whole event), e.g. "/response/output/0/status". */
  readonly path: string;
  /** The event's `type`, when it had one. */
  readonly eventType?: string;
}

/** A server event whose `type` this version does not know. Not an error: the API keeps adding events. */
export interface UnknownServerEvent {
  readonly type: 'proxy.unknown_event';
  /** The event as received. */
  readonly raw: { readonly type: string; readonly [field: string]: unknown };
}

export type DecodedServerEvent = ServerEvent | UnknownServerEvent;

export type DecodeResult<Event> =
  | {
      readonly ok: true;
      readonly event: Event;
      /** The `type` as it came over the wire (a beta name such as "response.audio.delta" before mapping). */
      readonly wireType: string;
      /** "beta" when a beta-era name or shape was upgraded to GA. */
      readonly dialect: Dialect;
    }
  | { readonly ok: false; readonly error: CodecError };

export type EncodeResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly error: CodecError };

export type CodecInput = string | ArrayBuffer | ArrayBufferView | object;

const serverValidators = new Map<string, EventValidator<ServerEvent>>(Object.entries(serverEventValidators));
const clientValidators = new Map<string, EventValidator<ClientEvent>>(Object.entries(clientEventValidators));
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes and validates one server event (GA, or beta-era names and shapes upgraded to GA). */
export function decodeServerEvent(input: CodecInput): DecodeResult<DecodedServerEvent> {
  const parsed = parseEvent(input, 'server');
  if (!parsed.ok) return parsed;
  const { event, dialect } = toGaServerEvent(parsed.value, parsed.type);
  const type = event.type as string;
  const validate = serverValidators.get(type);
  if (validate === undefined) {
    return { ok: true, event: { type: 'proxy.unknown_event', raw: parsed.value as UnknownServerEvent['raw'] }, wireType: parsed.type, dialect };
  }
  if (!validate(event)) return { ok: false, error: violationError('decode the server event', type, validate.errors, event) };
  return { ok: true, event, wireType: parsed.type, dialect };
}

export interface DecodeClientEventOptions {
  /**
   * Upgrade beta-era shapes (the flat session of session.update, `modalities`/`voice` in
   * response.create) to GA before validating, as for replaying beta-era recordings. Off by default:
   * the GA API rejects beta shapes, and so does a strict decoder.
   */
  readonly acceptBeta?: boolean;
}

/**
 * Decodes and validates one client event, strict (no unknown fields, no unknown types): for servers
 * that receive client events, such as the Realtime simulator, and for checking recordings.
 */
export function decodeClientEvent(input: CodecInput, options: DecodeClientEventOptions = {}): DecodeResult<ClientEvent> {
  const parsed = parseEvent(input, 'client');
  if (!parsed.ok) return parsed;
  const { event, dialect } = options.acceptBeta ? toGaClientEvent(parsed.value, parsed.type) : { event: parsed.value, dialect: 'ga' as const };
  const checked = checkClientEvent(event, parsed.type, 'decode the client event');
  return checked.ok ? { ok: true, event: checked.event, wireType: parsed.type, dialect } : checked;
}

/** Validates a client event (strict) and serializes it. An invalid event is never turned into text. */
export function encodeClientEvent(event: ClientEvent): EncodeResult {
  if (!isJsonObject(event)) {
    return failure('invalid_input', '', `Failed to encode the client event: it is ${describe(event)}, not an object. Please pass an event object such as { type: "response.create" }.`);
  }
  const type = (event as { type?: unknown }).type;
  if (typeof type !== 'string') {
    return failure('missing_type', '/type', 'Failed to encode the client event: it has no string "type". Please set type to a client event name such as "response.create".');
  }
  const checked = checkClientEvent(event, type, 'encode the client event');
  if (!checked.ok) return checked;
  let text: string;
  try {
    text = JSON.stringify(event);
  } catch (cause) {
    return failure('not_serializable', '', `Failed to encode the client event "${type}": ${(cause as Error).message}. Please pass plain JSON data (no cycles, no BigInt).`, type);
  }
  // Validation read the object; the text is what leaves. Only plain data is sure to say the same.
  const notPlain = findNotPlainJson(event);
  if (notPlain !== undefined) {
    return failure('not_serializable', notPlain.path, `Failed to encode the client event "${type}": ${notPlain.path || 'the event'} is not plain data (${notPlain.what}): JSON would write it differently from what was validated. Please pass plain JSON data (objects, arrays, strings, numbers, booleans, null).`, type);
  }
  return { ok: true, text };
}

function checkClientEvent(value: object, type: string, action: string): { ok: true; event: ClientEvent } | { ok: false; error: CodecError } {
  const validate = clientValidators.get(type);
  if (validate === undefined) {
    return failure('unknown_event', '/type', `Failed to ${action}: "${type}" is not a Realtime client event. Please use one of ${[...clientValidators.keys()].join(', ')}.`, type);
  }
  if (!validate(value)) return { ok: false, error: violationError(action, type, validate.errors, value) };
  return { ok: true, event: value };
}

type Parsed = { ok: true; value: Record<string, unknown>; type: string } | { ok: false; error: CodecError };

function parseEvent(input: CodecInput, side: 'server' | 'client'): Parsed {
  const action = `decode the ${side} event`;
  let value: unknown = input;
  if (typeof input === 'string' || input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    let text: string;
    try {
      text = typeof input === 'string' ? input : utf8.decode(input);
    } catch {
      return failure('invalid_json', '', `Failed to ${action}: the frame is not valid UTF-8. Please send events as UTF-8 JSON text.`);
    }
    try {
      value = JSON.parse(text);
    } catch (cause) {
      return failure('invalid_json', '', `Failed to ${action}: the frame is not JSON (${(cause as Error).message}). Please send one JSON object per frame.`);
    }
  }
  if (!isJsonObject(value)) {
    const code = value === input ? 'invalid_input' : 'invalid_event';
    return failure(code, '', `Failed to ${action}: it is ${describe(value)}, not a JSON object. Please send one event object per frame.`);
  }
  const type = value.type;
  if (typeof type !== 'string') {
    return failure('missing_type', '/type', `Failed to ${action}: it has no string "type" (found ${describe(type)}). Please send events with a "type" field.`);
  }
  return { ok: true, value, type };
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer);
}

function failure(code: CodecErrorCode, path: string, message: string, eventType?: string): { ok: false; error: CodecError } {
  return { ok: false, error: eventType === undefined ? { code, path, message } : { code, path, message, eventType } };
}

function violationError(action: string, type: string, violations: SchemaViolation[] | null | undefined, event: object): CodecError {
  const violation = violations?.[0];
  if (violation === undefined) {
    return { code: 'invalid_event', path: '', eventType: type, message: `Failed to ${action} "${type}": it does not match its schema. Please check it against the Realtime API reference.` };
  }
  const { path, problem } = explain(violation, event);
  return {
    code: 'invalid_event',
    path,
    eventType: type,
    message: `Failed to ${action} "${type}": ${path || 'the event'} ${problem}. Please check the event against the Realtime API reference (src/protocol/schemas has the shapes this library accepts).`,
  };
}

/** Turns ajv's first violation into a path and a sentence a person can act on. */
function explain(violation: SchemaViolation, event: object): { path: string; problem: string } {
  const { keyword, instancePath, params } = violation;
  if (keyword === 'discriminator' && typeof params.tag === 'string') {
    const path = `${instancePath}/${params.tag}`;
    return params.error === 'mapping'
      ? { path, problem: `is ${JSON.stringify(params.tagValue)}, which is not one of the kinds allowed here` }
      : { path, problem: 'is missing or not a string' };
  }
  if (keyword === 'required' && typeof params.missingProperty === 'string') {
    return { path: `${instancePath}/${params.missingProperty}`, problem: 'is required but missing' };
  }
  if (keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    return { path: `${instancePath}/${params.additionalProperty}`, problem: 'is not a known field (client events are strict: a misspelt field would be ignored by the server)' };
  }
  if ((keyword === 'enum' || keyword === 'const') && ('allowedValues' in params || 'allowedValue' in params)) {
    const allowed = (params.allowedValues ?? [params.allowedValue]) as unknown[];
    return { path: instancePath, problem: `must be ${allowed.map((v) => JSON.stringify(v)).join(' or ')}` };
  }
  const actual = valueAt(event, instancePath);
  const found = actual === undefined ? ' (it is undefined: leave the field out instead)' : '';
  return { path: instancePath, problem: `${violation.message ?? `fails "${keyword}"`}${found}` };
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const token of pointer.split('/').slice(1)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[unescapePointerToken(token)];
  }
  return node;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'a binary buffer';
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}
