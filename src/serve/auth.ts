/**
 * Who may use `serve`: an Origin allowlist (a browser page from anywhere else gets 403, its CORS
 * preflight too) and an access token (`Authorization: Bearer <token>`) compared in constant time.
 * A refusal says what is missing, never what was expected or what was sent.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { isLoopback } from '../isLoopback.js';
import { errorResponse } from './httpErrors.js';

/** Headers a browser may read from an answer (the call id and the session id of POST /call, a rate limit's wait). */
const EXPOSED_HEADERS = 'Location, X-Session-Id, Retry-After, X-Recording-Truncated';
const ALLOWED_METHODS = 'GET, POST, DELETE, OPTIONS';
/** X-OpenAI-Key: the page's key, with openAiKeyFromBrowser. */
const ALLOWED_HEADERS = 'Authorization, Content-Type, Last-Event-ID, X-OpenAI-Key';

/** A fresh access token: 32 random bytes, base64url. */
export function generateAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

/** `https://app.example.com` → itself; anything that is not an http(s) origin throws with its text. */
export function normalizeOrigin(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`"${text}" is not an origin (e.g. https://app.example.com)`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || text.endsWith('/')) {
    throw new Error(`"${text}" is not an origin: give scheme, host and port only (e.g. https://app.example.com or http://localhost:5173)`);
  }
  return url.origin;
}

/**
 * The Origin check and CORS: no Origin header (curl, servers, OpenAI's webhooks) passes; an Origin
 * in the list passes and its answers carry the CORS headers; any other Origin is refused with 403
 * before anything runs, preflights included.
 */
export function originPolicy(allowedOrigins: readonly string[], options: { sameOriginOnLoopback?: boolean } = {}): MiddlewareHandler {
  const allowed = new Set(allowedOrigins.map(normalizeOrigin));
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin === undefined) {
      await next();
      return;
    }
    c.header('Vary', 'Origin');
    if (!allowed.has(origin) && !(options.sameOriginOnLoopback === true && isSameLoopbackOrigin(origin, c.req.header('host')))) {
      return errorResponse(c, 403, 'forbidden_origin', 'Failed to serve the request: its Origin is not allowed. Please add the page\'s origin to the allowed origins (--allow-origin, or "serve.allowedOrigins" in the config file).');
    }
    c.header('Access-Control-Allow-Origin', origin);
    c.header('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    if (c.req.method === 'OPTIONS') {
      c.header('Access-Control-Allow-Methods', ALLOWED_METHODS);
      c.header('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      c.header('Access-Control-Max-Age', '600');
      return c.body(null, 204);
    }
    await next();
  };
}

/**
 * The page serve itself serves (`--demo`): its Origin is serve's own, `http://<Host>`. Only for a
 * loopback Host: a name rebound to 127.0.0.1 by a hostile DNS (Host: evil.example) is not it.
 */
function isSameLoopbackOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined || origin !== `http://${host}`) return false;
  try {
    return isLoopback(new URL(origin).hostname);
  } catch {
    return false;
  }
}

/** SHA-256 of both sides, then timingSafeEqual: constant time whatever the lengths. */
export function tokensMatch(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** `Authorization: Bearer <token>` must carry the access token; otherwise 401 (the same answer for none and a wrong one). */
export function requireAccessToken(accessToken: string): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const given = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header)?.[1];
    if (given === undefined || !tokensMatch(given, accessToken)) {
      return errorResponse(c, 401, 'unauthorized', 'Failed to authenticate the request: it carries no valid access token. Please send Authorization: Bearer <the access token serve was started with>.', {
        'WWW-Authenticate': 'Bearer realm="realtime-mcp-proxy"',
      });
    }
    await next();
  };
}
