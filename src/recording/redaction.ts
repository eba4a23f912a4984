/**
 * Redaction at write time: nothing secret reaches a recording. Three rules, applied to every
 * record before it is written: a header denylist, JSON-path rules, and secret patterns in any
 * string, plus the exact secrets the host names (MCP tokens, keys read from the environment).
 */

/** Patterns of secrets in free text. The scan of `recordings/` uses the same list. */
export const SECRET_PATTERNS: ReadonlyArray<{ readonly name: string; readonly pattern: RegExp; readonly replacement: string }> = [
  { name: 'OpenAI API key', pattern: /sk-[A-Za-z0-9_-]{20,}/g, replacement: '<secret:api-key>' },
  { name: 'ephemeral client secret', pattern: /ek_[A-Za-z0-9_-]{16,}/g, replacement: '<secret:client-secret>' },
  { name: 'bearer token', pattern: /Bearer\s+(?!<secret)[^\s"',;]+/g, replacement: 'Bearer <secret>' },
];

/** Headers whose values are never written (case-insensitive). */
export const DENIED_HEADERS = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|openai-.*)$/i;

/** Key paths (suffixes of the path from the root) whose string values are secrets. */
export const SECRET_JSON_PATHS: ReadonlyArray<readonly string[]> = [['client_secret', 'value'], ['client_secret'], ['access_token'], ['refresh_token'], ['authorization'], ['api_key']];
// Not a bare `token`: transcription logprobs carry `token` fields that are words, not secrets.

const REDACTED = '<redacted>';

export interface RedactorOptions {
  /** Exact values to replace wherever they appear (tokens, keys). Empty strings are ignored. */
  secrets?: readonly string[];
}

export interface Redactor {
  headers(headers: Record<string, string> | undefined): Record<string, string> | undefined;
  /** A redacted deep copy of a JSON value. */
  value<T>(value: T): T;
  text(text: string): string;
}

export function createRedactor(options: RedactorOptions = {}): Redactor {
  // Longest first, so that a secret containing another is replaced whole.
  const secrets = [...new Set(options.secrets ?? [])].filter((secret) => secret.length >= 4).sort((a, b) => b.length - a.length);

  const text = (input: string): string => {
    let out = input;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('<secret>');
    for (const { pattern, replacement } of SECRET_PATTERNS) out = out.replace(pattern, replacement);
    return out;
  };

  const isSecretPath = (path: readonly string[]) =>
    SECRET_JSON_PATHS.some((rule) => rule.length <= path.length && rule.every((key, i) => path[path.length - rule.length + i] === key));

  const walk = (value: unknown, path: string[]): unknown => {
    if (typeof value === 'string') return isSecretPath(path) ? REDACTED : text(value);
    if (Array.isArray(value)) return value.map((item) => walk(item, path));
    // fromEntries defines own properties: a "__proto__" key of parsed JSON stays data, not a prototype.
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, walk(child, [...path, key])]));
    return value;
  };

  return {
    headers(headers) {
      if (headers === undefined) return undefined;
      // fromEntries defines own properties: a header named "__proto__" stays a header.
      return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), DENIED_HEADERS.test(name) ? REDACTED : text(value)]));
    },
    value: <T>(value: T) => walk(value, []) as T,
    text,
  };
}

/** Which secret patterns occur in a text (for the scan of committed recordings). */
export function findSecrets(text: string): Array<{ name: string; match: string }> {
  const found: Array<{ name: string; match: string }> = [];
  for (const { name, pattern } of SECRET_PATTERNS) {
    for (const match of text.matchAll(new RegExp(pattern.source, 'g'))) found.push({ name, match: match[0] });
  }
  return found;
}
