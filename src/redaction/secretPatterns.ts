/**
 * The marker vocabulary, and the shapes of secrets that are recognisable without being told about
 * them (OpenAI keys, ephemeral client secrets, bearer tokens). A marker never matches a pattern
 * again, so redacting twice changes nothing.
 */

/** What a secret becomes: a known value, a credential in a URL, a header or JSON field by name. */
export const REDACTED = '<redacted>';

/** Shapes of secrets in free text, each with what replaces it. `findSecrets` scans with the same list. */
export const SECRET_PATTERNS: ReadonlyArray<{ readonly name: string; readonly pattern: RegExp; readonly replacement: string }> = [
  { name: 'OpenAI API key', pattern: /sk-[A-Za-z0-9_-]{20,}/g, replacement: '<redacted:api-key>' },
  { name: 'ephemeral client secret', pattern: /ek_[A-Za-z0-9_-]{16,}/g, replacement: '<redacted:client-secret>' },
  // Not past a backslash: inside escaped JSON the token ends at \" and the text stays well-formed.
  { name: 'bearer token', pattern: /Bearer\s+(?!<redacted)[^\s"',;\\]+/g, replacement: `Bearer ${REDACTED}` },
];

/** Every marker, as text: a value found inside one cannot be redacted without breaking it. */
export const MARKERS = [REDACTED, ...SECRET_PATTERNS.map((rule) => rule.replacement)].join(' ');

export function redactSecretPatterns(text: string): string {
  let out = text;
  for (const { pattern, replacement } of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Which secret shapes occur in a text (the scan of committed recordings). */
export function findSecrets(text: string): Array<{ name: string; match: string }> {
  const found: Array<{ name: string; match: string }> = [];
  for (const { name, pattern } of SECRET_PATTERNS) {
    for (const match of text.matchAll(new RegExp(pattern.source, 'g'))) found.push({ name, match: match[0] });
  }
  return found;
}
