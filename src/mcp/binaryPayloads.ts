/**
 * Keeps base64 and binary payloads away from the model: a tool's text or `structuredContent` may
 * carry an image as base64 (server-filesystem's `read_media_file` does), a `data:` URL, or bytes
 * read as text. None of it is of use to a voice model, all of it costs tokens, and a 12 KB base64
 * run can fill the whole output. Each is replaced by a short placeholder that says what was there
 * (`[image/png data removed: 4035 bytes]`).
 *
 * The promise, which the property test holds it to: no run of base64 characters
 * (`A–Z a–z 0–9 + / = _ -`) longer than `BASE64_RUN_LIMIT` is left, counted as the characters
 * appear in the output, where a JSON escape (`\n`, `\u0001`) joins the letters of the escape to
 * the run after it. Runs that long are practically never words, paths or identifiers.
 */

/** The longest run of base64 characters left in an output. */
export const BASE64_RUN_LIMIT = 256;

/** Fields that name a payload's media type, beside the payload in the same object. */
const MIME_FIELDS = ['mimeType', 'mime_type', 'mediaType', 'media_type', 'contentType', 'content_type'];
/** A `data:` URL's header: media type and parameters, up to the comma. */
const DATA_URL = /data:([a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,64})?((?:;[a-z0-9!#$&^_.+=-]{1,64}){0,8}),/gi;

/** `text` with its base64 runs, `data:` URLs and binary content replaced by placeholders. `mimeType`: what the payload is, when known. */
export function replaceBinaryInText(text: string, mimeType?: string): string {
  if (text.length <= BASE64_RUN_LIMIT / 6) return text; // too short to hold a run past the limit, even made of escapes
  if (ODD_CHARACTER.test(text) && looksBinary(text)) return `[binary data removed: ${text.length} characters]`;
  if (isWrappedBase64(text)) return placeholder(mimeType, base64Bytes(text));
  return replaceLongRuns(text.includes('data:') ? replaceDataUrls(text) : text, mimeType);
}

/**
 * JSON of `value` with every string (and key) passed through `replaceBinaryInText`; a payload's
 * placeholder names the media type its object gives beside it. Undefined when JSON cannot hold the
 * value (a cycle, a BigInt), as JSON.stringify would throw.
 */
export function binarySafeJson(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  try {
    return JSON.stringify(value, function (this: unknown, _key: string, field: unknown) {
      if (typeof field === 'string') return replaceBinaryInText(field, mimeTypeBeside(this));
      if (typeof field === 'object' && field !== null && !Array.isArray(field)) return withSafeKeys(field as Record<string, unknown>);
      return field;
    });
  } catch {
    return undefined;
  }
}

function mimeTypeBeside(holder: unknown): string | undefined {
  if (typeof holder !== 'object' || holder === null || Array.isArray(holder)) return undefined;
  for (const field of MIME_FIELDS) {
    const value = (holder as Record<string, unknown>)[field];
    if (typeof value === 'string' && value.includes('/')) return value;
  }
  return undefined;
}

/** Keys are output too: a long one (a payload used as a key) is replaced like a value. Untouched objects are not copied. */
function withSafeKeys(object: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(object);
  if (!keys.some((key) => key.length > BASE64_RUN_LIMIT / 6)) return object;
  const safe: Record<string, unknown> = {};
  for (const key of keys) safe[replaceBinaryInText(key)] = object[key];
  return safe;
}

function placeholder(mimeType: string | undefined, bytes: number): string {
  const type = mimeType === undefined ? 'base64' : clip(mimeType.replace(/[^\w.+/;=-]/g, ''), 80);
  return `[${type} data removed: ${bytes} bytes]`;
}

function isBase64Char(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 61 || c === 95 || c === 45;
}

/** How many output characters of the run a character starts when JSON escapes it (`\n` → `n`, `\u0001` → `u0001`); -1 for any other non-run character. */
function escapeLead(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 8 || c === 9 || c === 10 || c === 12 || c === 13) return 1;
  if (c < 0x20) return 5;
  // A lone surrogate is written as \udXXX.
  if (c >= 0xd800 && c <= 0xdbff) return isLow(text.charCodeAt(i + 1)) ? -1 : 5;
  if (c >= 0xdc00 && c <= 0xdfff) return isHigh(text.charCodeAt(i - 1)) ? -1 : 5;
  return -1;
}

/**
 * Runs that may pass the limit with the escape before them (which adds at most 5): whole runs only,
 * found natively (the lookbehind rejects every position inside a run at once, so the scan is linear).
 */
const CANDIDATE_RUN = new RegExp(`(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/=_-]{${BASE64_RUN_LIMIT - 4},}`, 'g');

/** Each maximal run of base64 characters longer than the limit, counting the escape before it, becomes a placeholder. */
function replaceLongRuns(text: string, mimeType: string | undefined): string {
  return text.replace(CANDIDATE_RUN, (run: string, offset: number) => {
    const lead = offset > 0 ? Math.max(0, escapeLead(text, offset - 1)) : 0;
    return run.length + lead > BASE64_RUN_LIMIT ? placeholder(mimeType, base64Bytes(run)) : run;
  });
}

/** `data:image/png;base64,iVBOR…` → `[data URL removed: image/png, 4035 bytes]` (a base64 payload of 64 characters or more, or a plain one past the run limit). */
function replaceDataUrls(text: string): string {
  let out = '';
  let copied = 0;
  DATA_URL.lastIndex = 0;
  for (let match = DATA_URL.exec(text); match !== null; match = DATA_URL.exec(text)) {
    const header = match[0];
    const base64 = /;base64$/i.test(match[2] ?? '');
    let end = match.index + header.length;
    while (end < text.length && (base64 ? isBase64Char(text.charCodeAt(end)) : !/[\s"'<>)\]]/.test(text[end]!))) end++;
    const payload = end - match.index - header.length;
    if (payload < (base64 ? 64 : BASE64_RUN_LIMIT)) continue;
    const bytes = base64 ? base64Bytes(text.slice(match.index + header.length, end)) : payload;
    out += `${text.slice(copied, match.index)}[data URL removed: ${clip(match[1] ?? 'text/plain', 80)}, ${bytes} bytes]`;
    copied = end;
    DATA_URL.lastIndex = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** What looksBinary counts; most text has none, and a native search says so at once. */
const ODD_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffd]/;

/**
 * An eighth or more control characters (C0 but tab and line breaks, DEL, C1) or U+FFFD: bytes
 * decoded as text (latin1 gives about a quarter of those, UTF-8 mostly U+FFFD). No prose has that many.
 */
function looksBinary(text: string): boolean {
  let odd = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13) || (c >= 0x7f && c <= 0x9f) || c === 0xfffd) odd++;
  }
  return odd * 8 >= text.length;
}

/** Base64 wrapped in lines (MIME, PEM): base64 characters and line breaks only, every line but the last at least 60 characters. */
function isWrappedBase64(text: string): boolean {
  let lines = 0;
  let line = 0;
  let total = 0;
  let short = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 10;
    if (isBase64Char(c)) {
      line++;
      continue;
    }
    // Wrapped base64 breaks lines (MIME, PEM); words of letters split by spaces are text.
    if (c !== 10 && c !== 13) return false;
    if (line === 0) continue;
    // Only the last line may be short: a short one seen before another line is not wrapping.
    if (short) return false;
    if (line < 60) short = true;
    lines++;
    total += line;
    line = 0;
  }
  return lines >= 2 && total > BASE64_RUN_LIMIT;
}

/** The decoded size of base64 text: alphabet characters × 3/4 (padding and line breaks carry no data). */
export function base64Bytes(data: string): number {
  let chars = 0;
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if (isBase64Char(c) && c !== 61) chars++;
  }
  return Math.floor((chars * 3) / 4);
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
