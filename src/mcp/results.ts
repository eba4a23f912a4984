/**
 * Turns an MCP tool result into the one `function_call_output` string the model reads: what it can
 * use (text, structured JSON), short placeholders for what it cannot (images, blobs, and base64,
 * `data:` URLs or binary anywhere in text or `structuredContent`: binaryPayloads.ts), and never
 * more than a size cap, since the SDK imposes none and a single result can be 64 MiB.
 */
import { binarySafeJson, replaceBinaryInText } from './binaryPayloads.js';
import { createJsonSchemaValidator, describeProblems } from './jsonSchemaValidator.js';
import type { JsonSchemaValidator, SchemaProblem } from './jsonSchemaValidator.js';
import type { CallToolResult, JsonSchema, ToolCallCode } from './types.js';

/** 16 KiB: roughly 4 000 tokens, already more than a voice turn can make use of. */
export const DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024;

export interface ResultFormatOptions {
  /** Cap on every output, in UTF-8 bytes. Default 16 KiB. */
  maxOutputBytes?: number;
}

export type OutputSchemaCheck =
  | { ok: true; /** Why nothing was checked (the schema does not compile). */ skipped?: string }
  /** `message` says what is wrong, with no "Failed to" and no final period, to follow a colon. */
  | { ok: false; message: string; problems?: SchemaProblem[] };

// The model must hear that the tool succeeded even when it had nothing to say.
const OK = '{"ok":true}';
const USER_ONLY = JSON.stringify({ ok: true, note: "The tool's output is meant for the user, not for you." });

type Block = { type?: unknown; [field: string]: unknown };
type LooseResult = { content?: unknown; structuredContent?: unknown; isError?: unknown; toolResult?: unknown };

/** The `function_call_output` for a result the server sent, `isError` or not. */
export function formatToolResult(result: CallToolResult, options: ResultFormatOptions = {}): string {
  const max = maxBytesOf(options);
  const loose = result as LooseResult;
  const blocks: unknown[] = Array.isArray(loose.content) ? loose.content : [];
  if (loose.isError === true) {
    const { text } = renderBlocks(blocks);
    const structured = loose.structuredContent === null ? undefined : binarySafeJson(loose.structuredContent);
    const message = hasText(text) ? text : (structured ?? 'The tool reported an error without a message.');
    return errorObject('tool_error', message, max);
  }
  // Structured content is what the model should read; text blocks beside it usually repeat it.
  const structured = loose.structuredContent === null ? undefined : binarySafeJson(loose.structuredContent);
  if (structured !== undefined) return truncateOutput(structured, max);
  // Servers on protocol 2024-10-07 answer `{ toolResult }` instead of `content`.
  if (!Array.isArray(loose.content) && 'toolResult' in loose) {
    const legacy = typeof loose.toolResult === 'string' ? replaceBinaryInText(loose.toolResult) : binarySafeJson(loose.toolResult);
    if (legacy !== undefined && hasText(legacy)) return truncateOutput(legacy, max);
  }
  const { text, hidden } = renderBlocks(blocks);
  if (hasText(text)) return truncateOutput(text, max);
  return truncateOutput(hidden > 0 ? USER_ONLY : OK, max);
}

/** The model-facing error object: `{"error":{"code":…,"message":…}}`, valid JSON within the cap. */
/** `code` is a ToolCallCode, or an approval outcome (`denied`, `expired`) decided outside MCP. */
export function formatToolError(code: ToolCallCode | 'denied' | 'expired', message: string, options: ResultFormatOptions = {}): string {
  return errorObject(code, message, maxBytesOf(options));
}

/**
 * Keeps `text` within `maxOutputBytes` UTF-8 bytes: the first three quarters and the last quarter
 * of the room, and `\n…[truncated N bytes]…\n` between them. Characters are never split.
 */
export function truncateOutput(text: string, maxOutputBytes: number): string {
  const max = maxOutputBytes >= 0 ? Math.floor(maxOutputBytes) : 0;
  // A UTF-16 unit is at most 3 UTF-8 bytes, so short text needs no count.
  if (text.length * 3 <= max) return text;
  return cut(text, utf8Length(text), max);
}

/**
 * Checks `structuredContent` against the tool's `outputSchema`; the caller decides what a failure
 * costs (voice turns are better served by forwarding the content anyway and logging).
 */
export function checkStructuredContent(outputSchema: JsonSchema | undefined, result: CallToolResult, validator: JsonSchemaValidator = sharedValidator()): OutputSchemaCheck {
  if (outputSchema === undefined || outputSchema === null) return { ok: true };
  const loose = result as LooseResult;
  // The spec asks for structured content only from results that succeeded.
  if (loose.isError === true) return { ok: true };
  if (loose.structuredContent === undefined) return { ok: false, message: 'the tool has an outputSchema but returned no structuredContent' };
  const check = validator.validate(outputSchema, loose.structuredContent);
  if (check.ok) return check.skipped === undefined ? { ok: true } : { ok: true, skipped: check.skipped };
  return { ok: false, message: describeProblems(check.problems, { root: 'structuredContent', prefix: 'structuredContent' }), problems: check.problems };
}

let shared: JsonSchemaValidator | undefined;

function sharedValidator(): JsonSchemaValidator {
  return (shared ??= createJsonSchemaValidator());
}

function maxBytesOf(options: ResultFormatOptions): number {
  const max = options.maxOutputBytes;
  return typeof max === 'number' && max > 0 ? max : DEFAULT_MAX_OUTPUT_BYTES;
}

function renderBlocks(blocks: readonly unknown[]): { text: string; hidden: number } {
  const parts: string[] = [];
  let hidden = 0;
  for (const block of blocks) {
    if (!isBlock(block)) continue;
    if (forAssistant(block)) parts.push(replaceBinaryInText(renderBlock(block)));
    else hidden++;
  }
  return { text: parts.join('\n'), hidden };
}

/** A block whose audience is set and leaves the assistant out is for the user's eyes only. */
function forAssistant(block: Block): boolean {
  const annotations = block.annotations as { audience?: unknown } | undefined;
  const audience = isBlock(annotations) ? annotations.audience : undefined;
  return !Array.isArray(audience) || audience.length === 0 || audience.includes('assistant');
}

function renderBlock(block: Block): string {
  switch (block.type) {
    case 'text':
      return typeof block.text === 'string' ? block.text : '';
    case 'image':
    case 'audio':
      return `[${block.type}: ${describeData(block.mimeType, block.data)}]`;
    case 'resource_link': {
      const details = [stringOf(block.mimeType), typeof block.size === 'number' ? `${block.size} bytes` : undefined].filter(Boolean);
      const name = stringOf(block.name);
      return `[resource link: ${name === undefined ? '' : `${name} `}${shortUri(block.uri)}${details.length > 0 ? ` (${details.join(', ')})` : ''}]`;
    }
    case 'resource': {
      const resource = isBlock(block.resource) ? block.resource : {};
      const uri = shortUri(resource.uri);
      if (typeof resource.text === 'string') return `[resource ${uri}]\n${resource.text}`;
      if (typeof resource.blob === 'string') return `[resource ${uri}: ${describeData(resource.mimeType, resource.blob)}]`;
      return `[resource ${uri}]`;
    }
    default:
      return `[${typeof block.type === 'string' ? clip(block.type, 40) : 'unknown'} content]`;
  }
}

/** "image/png, 4035 bytes", from the base64 length: never decoded, never shown to the model. */
function describeData(mimeType: unknown, data: unknown): string {
  const size = `${base64Bytes(data)} bytes`;
  const type = stringOf(mimeType);
  return type === undefined ? size : `${clip(type, 80)}, ${size}`;
}

function base64Bytes(data: unknown): number {
  if (typeof data !== 'string') return 0;
  // indexOf is far quicker than a loop over a multi-megabyte payload, and most payloads are unwrapped.
  if (data.indexOf('\n') === -1 && data.indexOf('\r') === -1 && data.indexOf(' ') === -1 && data.indexOf('\t') === -1) {
    let end = data.length;
    while (end > 0 && data.charCodeAt(end - 1) === 61 /* = */) end--;
    return Math.floor((end * 3) / 4);
  }
  // Count alphabet characters only: padding and line breaks carry no data.
  let chars = 0;
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 45 || c === 95) chars++;
  }
  return Math.floor((chars * 3) / 4);
}

/** A `data:` URI is the payload itself: show its header only. */
function shortUri(uri: unknown): string {
  if (typeof uri !== 'string') return '(no uri)';
  if (uri.startsWith('data:')) {
    const comma = uri.indexOf(',');
    return `${clip(uri.slice(0, comma === -1 ? 40 : comma), 80)},…`;
  }
  return clip(uri, 1000);
}

function errorObject(code: ToolCallCode | 'denied' | 'expired', message: string, max: number): string {
  // Scrubbed after every cut: the truncation marker's line break, escaped, could join two runs.
  const build = (text: string) => JSON.stringify({ error: { code, message: replaceBinaryInText(text) } });
  const empty = build('');
  const room = max - utf8Length(empty);
  if (room <= 0) return truncateOutput(empty, max);
  // Count the (maybe huge) message once; every retry below only walks its head and tail.
  const total = utf8Length(message);
  let budget = room;
  // Truncating the message, not the JSON, keeps the object parseable; escapes (\" \n \u0001)
  // make the JSON longer than the message, so shrink by the overshoot and try again.
  for (let attempt = 0; attempt < 8; attempt++) {
    const out = build(cut(message, total, budget));
    const over = utf8Length(out) - max;
    if (over <= 0) return out;
    budget -= over;
    if (budget <= 0) break;
  }
  // An escape turns one byte into at most six, so a sixth of the room always fits.
  return build(cut(message, total, Math.floor(room / 6)));
}

function cut(text: string, total: number, max: number): string {
  if (total <= max) return text;
  const room = max - utf8Length(marker(total));
  if (room <= 0) return text.slice(0, prefixEnd(text, max).end);
  const head = prefixEnd(text, Math.floor((room * 3) / 4));
  const tail = suffixStart(text, room - head.bytes, head.end);
  return `${text.slice(0, head.end)}${marker(total - head.bytes - tail.bytes)}${text.slice(tail.start)}`;
}

function marker(removedBytes: number): string {
  return `\n…[truncated ${removedBytes} bytes]…\n`;
}

/** UTF-8 length as TextEncoder counts it (a lone surrogate becomes U+FFFD, 3 bytes), without encoding. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (isHigh(c) && isLow(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** The longest prefix within `budget` bytes that does not split a surrogate pair. */
function prefixEnd(text: string, budget: number): { end: number; bytes: number } {
  let i = 0;
  let bytes = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    const pair = isHigh(c) && isLow(text.charCodeAt(i + 1));
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + size > budget) break;
    bytes += size;
    i += pair ? 2 : 1;
  }
  return { end: i, bytes };
}

/** The longest suffix within `budget` bytes, starting at or after `min`, that does not split a pair. */
function suffixStart(text: string, budget: number, min: number): { start: number; bytes: number } {
  let i = text.length;
  let bytes = 0;
  while (i > min) {
    const c = text.charCodeAt(i - 1);
    const pair = isLow(c) && i - 2 >= min && isHigh(text.charCodeAt(i - 2));
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + size > budget) break;
    bytes += size;
    i -= pair ? 2 : 1;
  }
  return { start: i, bytes };
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function hasText(text: string): boolean {
  return /\S/.test(text);
}

function isBlock(value: unknown): value is Block {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
