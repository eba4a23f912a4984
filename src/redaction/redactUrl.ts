/**
 * Credentials in URLs: the userinfo (`user:pass@`) and parameters named like credentials (`token`,
 * `api-key`, `X-Amz-Signature`, `code`…) in the query or the fragment. It works on text, so a URL
 * alone, a URL inside an error message and a string that is not a valid URL are redacted alike,
 * and nothing else of the text changes.
 */
import { REDACTED } from './secretPatterns.js';

// Greedy up to the last "@" before the path, as URL parsers read userinfo. A marker inside (a known
// password already replaced) is taken with the rest: `bot:<redacted>@` becomes `<redacted>@`.
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^\s/?#"'\\]+)@/gi;
// A name=value pair after ?, &, ;, # or whitespace, or at the start; the value stops where a URL's
// would, and before a ": " (a message going on after the URL).
const PARAMETER = /(^|[?&;#\s])([^\s=&?#;"'<>]+)=((?:[^&#\s"'<>\\:]|:(?!\s|$))+)/g;

/** Last words of a parameter or header name that make it a credential. */
const CREDENTIAL_WORDS = new Set([
  'token', 'key', 'apikey', 'secret', 'password', 'passwd', 'pwd', 'pass', 'passphrase',
  'signature', 'sig', 'auth', 'authorization', 'credential', 'credentials', 'jwt', 'cookie',
]);
/** Endings of a one-word name (`accesstoken`, `clientsecret`); not a bare "key" (`monkey`, `hotkey`). */
const CREDENTIAL_ENDINGS = /(token|secret|password|apikey|accesskey|signature)$/;
/** Whole names (compact) that are credentials although their last word alone is not: OAuth codes. */
const CREDENTIAL_NAMES = new Set(['code', 'authcode', 'otp']);

/**
 * Whether a query parameter, header or variable name names a credential, by its last word
 * (`api_key`, `X-Amz-Security-Token`, `accessToken`, `GITHUB_TOKEN`), case-insensitively.
 * `model`, `call_id`, `sessionId`, `intent` are not.
 */
export function isCredentialName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const last = words[words.length - 1];
  if (last === undefined) return false;
  return CREDENTIAL_WORDS.has(last) || CREDENTIAL_ENDINGS.test(last) || CREDENTIAL_NAMES.has(words.join(''));
}

/** A header whose value is a credential: Authorization, Proxy-Authorization, Cookie, and names like X-Api-Key or X-Auth-Token. */
export function isCredentialHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'authorization' || lower === 'proxy-authorization' || lower === 'cookie' || isCredentialName(name);
}

/**
 * A URL (or text holding URLs) without credentials: userinfo becomes `<redacted>@`, the value of
 * each credential-like parameter `<redacted>`.
 *
 * @example
 * redactUrl('https://user:pw@mcp.example.com/mcp?token=abc&tenant=7'); // https://<redacted>@mcp.example.com/mcp?token=<redacted>&tenant=7
 */
export function redactUrl(text: string): string {
  if (!text.includes('=') && !text.includes('@')) return text;
  return text
    .replace(USERINFO, (_, scheme: string) => `${scheme}${REDACTED}@`)
    .replace(PARAMETER, (match, lead: string, name: string) => (isCredentialName(decode(name)) ? `${lead}${name}=${REDACTED}` : match));
}

/**
 * The secrets a URL carries, as written and decoded: the password of its userinfo (or the whole
 * userinfo when it has no password: `https://<token>@host`), and the value of each credential-like
 * parameter. Works on malformed URLs too.
 */
export function urlSecrets(text: string): string[] {
  const found: string[] = [];
  for (const [, , userinfo] of text.matchAll(USERINFO)) {
    const colon = userinfo!.indexOf(':');
    const secret = colon < 0 ? userinfo! : userinfo!.slice(colon + 1);
    found.push(secret, decode(secret));
  }
  for (const [, , name, value] of text.matchAll(PARAMETER)) {
    if (isCredentialName(decode(name!))) found.push(value!, decode(value!));
  }
  return [...new Set(found)];
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
