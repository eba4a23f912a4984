/**
 * The recording format: JSONL, a header line, then one record per frame in one total order (`seq`)
 * across every peer. Described in recordings/README.md, validated by recording.schema.json.
 */
import { createJsonSchemaValidator, describeProblems } from '../mcp/jsonSchemaValidator.js';
import type { JsonSchema } from '../mcp/types.js';
import schema from './recording.schema.json';

export const RECORDING_FORMAT = 'realtime-mcp-proxy/recording';
export const RECORDING_VERSION = 1;

/**
 * Events whose audio payload a recording may elide (`{ $elided: 'base64', bytes, sha256 }`), and the
 * field holding it: the recorder elides there, a replay puts silence of the same length back there.
 * A Map, as the type it is looked up by comes off the wire.
 */
export const ELIDED_AUDIO_FIELDS: ReadonlyMap<string, string> = new Map([
  ['response.output_audio.delta', 'delta'],
  ['response.audio.delta', 'delta'],
  ['input_audio_buffer.append', 'audio'],
]);

export type RecordingPeer = 'openai' | 'client' | 'host' | `mcp:${string}`;
export type RecordingDirection = 'in' | 'out';

export interface RecordingHeader {
  kind: 'header';
  format: typeof RECORDING_FORMAT;
  version: number;
  /** Wall-clock start; every record's `t` counts milliseconds from it on a monotonic clock. */
  startedAt: string;
  clock: 'monotonic-ms';
  model?: string | null;
  description?: string;
  redaction: { profile: string; ids: 'placeholders' | 'raw'; audio: 'elided' | 'sidecar' | 'kept' };
  servers?: Array<{ label: string; transport?: 'streamable-http' | 'sse' | 'stdio'; url?: string }>;
  /** The proxy options that shape behaviour, so that a replay runs the same configuration. */
  proxy?: RecordedProxyOptions;
  meta?: Record<string, unknown>;
}

/** The serializable part of the proxy's options (no functions, no secrets). */
export interface RecordedProxyOptions {
  approval?: { mode?: 'never' | 'always' | 'auto'; tools?: Record<string, 'never' | 'always'>; timeoutMs?: number };
  timeouts?: { defaultMs?: number; tools?: Record<string, number>; configureMs?: number };
  responseCreate?: { maxRetries?: number; backoffMs?: number };
  allowedTools?: string[];
  bargeIn?: Record<string, 'cancel' | 'finish'>;
  /** Function names carry their server label (`label__tool`). */
  prefixToolNames?: boolean;
  /** The cap on the tools in session.update (as given: the defaults apply to what is missing). */
  toolLimits?: { maxTools?: number; maxTokens?: number };
  instructions?: string;
  session?: Record<string, unknown>;
  nativeMcp?: unknown[];
}

interface RecordBase {
  /** One order across every peer, from 1. */
  seq: number;
  /** Milliseconds since `startedAt`. */
  t: number;
  peer: RecordingPeer;
  /** Seen from the proxy: `in` received, `out` sent. */
  dir: RecordingDirection;
}

export type RecordingRecord = RecordBase &
  (
    | { kind: 'ws.open'; url?: string; headers?: Record<string, string> }
    /** A frame: parsed JSON, or the text when it was not JSON. */
    | { kind: 'ws.message'; data: Record<string, unknown> | string }
    | { kind: 'ws.close'; code: number; reason?: string }
    | { kind: 'http.request'; rid: string; method: string; url: string; headers?: Record<string, string>; body?: unknown }
    | { kind: 'http.response'; rid: string; status: number; headers?: Record<string, string>; body?: unknown }
    | { kind: 'sse.event'; rid: string; event?: string; id?: string; data: unknown }
    /** A JSON-RPC message over a stdio MCP server. */
    | { kind: 'jsonrpc.message'; data: Record<string, unknown> }
    /** The host's answer to an approval request (peer `host`). */
    | { kind: 'approval.answer'; approvalId: string; approved: boolean; reason?: string; sticky?: boolean }
    /** The host replaced the allowlist mid-session (`setAllowedTools`, peer `host`): "server/tool" keys. */
    | { kind: 'allowedTools.set'; allowedTools: string[] }
  );

export type RecordingLine = RecordingHeader | RecordingRecord;

export type RecordingRecordOf<K extends RecordingRecord['kind']> = Extract<RecordingRecord, { kind: K }>;

export type ParsedLine = { ok: true; line: RecordingLine } | { ok: false; message: string };

const validator = createJsonSchemaValidator();
const definitions = (schema as { definitions: Record<string, unknown> }).definitions;
const headerSchema: JsonSchema = { $ref: '#/definitions/header', definitions };
const recordSchema: JsonSchema = { $ref: '#/definitions/record', definitions };
// One schema per kind, so that a record is checked against its own kind only (replays read 100k lines).
const kindSchemas = new Map(
  Object.keys(definitions.kinds as object).map((kind) => [kind, { allOf: [{ $ref: '#/definitions/recordCommon' }, { $ref: `#/definitions/kinds/${kind}` }], definitions } as JsonSchema]),
);

/**
 * Parses and validates one line. `lineNumber` (from 1) goes into the message: "Failed to read
 * recording line 12: … Please …". Line 1 must be the header; a header later is refused.
 */
export function parseRecordingLine(text: string, lineNumber: number): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return failedLine(lineNumber, `it is not JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return failedLine(lineNumber, 'it is not a JSON object');
  const isHeader = (value as { kind?: unknown }).kind === 'header';
  if (lineNumber === 1 && !isHeader) return failedLine(lineNumber, 'the first line must be the header ({"kind":"header","format":"realtime-mcp-proxy/recording",…})');
  if (lineNumber !== 1 && isHeader) return failedLine(lineNumber, 'a header may only be the first line');
  const kind = (value as { kind?: unknown }).kind;
  const kindSchema = typeof kind === 'string' ? kindSchemas.get(kind) : undefined;
  const checked = isHeader
    ? validator.validate(headerSchema, value, 'recording-header')
    : kindSchema
      ? validator.validate(kindSchema, value, `recording-${kind as string}`)
      : validator.validate(recordSchema, value, 'recording-record');
  if (!checked.ok) return failedLine(lineNumber, describeProblems(checked.problems, { root: 'the record', limit: 3 }));
  if (isHeader && (value as RecordingHeader).version > RECORDING_VERSION) {
    return failedLine(lineNumber, `format version ${(value as RecordingHeader).version} is newer than this library reads (${RECORDING_VERSION}); please upgrade realtime-mcp-proxy`);
  }
  return { ok: true, line: value as RecordingLine };
}

// Outside parseRecordingLine: a closure per line costs a replay of 100k lines measurable time.
function failedLine(lineNumber: number, why: string): ParsedLine {
  return { ok: false, message: `Failed to read recording line ${lineNumber}: ${why}. Please check the file, or record it again.` };
}

/** One line of JSONL for a header or record (no trailing newline). */
export function formatRecordingLine(line: RecordingLine): string {
  return JSON.stringify(line);
}
