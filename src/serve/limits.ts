/**
 * Request limits of `serve`: a body-size cap (hono's bodyLimit, which counts the bytes as they
 * arrive, so a lying or absent Content-Length does not get past it) and a rate limit per client, a
 * token bucket per remote address (the socket's, never X-Forwarded-For, which any client can
 * write). The buckets live in a Map bounded in size: when it is full, the bucket idle longest goes
 * (a full bucket is the same as none).
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { errorResponse } from './httpErrors.js';

export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;
export const DEFAULT_REQUESTS_PER_MINUTE = 120;
/** How many clients are remembered at most; past it the idlest is forgotten. */
const MAX_BUCKETS = 10_000;

export interface RateLimitOptions {
  /** Sustained rate per client. Default 120 a minute. */
  requestsPerMinute?: number;
  /** How many requests a client may make at once after being idle. Default: requestsPerMinute ÷ 2, at least 10. */
  burst?: number;
  /** Injectable clock (ms), for tests. */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** A token bucket per key. `take(key)` → 0 when the request may go, else the seconds to wait. */
export class RateLimiter {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RateLimitOptions = {}) {
    const perMinute = options.requestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE;
    this.#perMs = perMinute / 60_000;
    this.#burst = options.burst ?? Math.max(10, Math.floor(perMinute / 2));
    this.#now = options.now ?? Date.now;
  }

  take(key: string): number {
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, at: now };
    // Re-inserted on every use: the Map's first entry is the idlest.
    this.#buckets.delete(key);
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#perMs);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > MAX_BUCKETS) this.#buckets.delete(this.#buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perMs / 1000));
  }

  get size(): number {
    return this.#buckets.size;
  }
}

/** 429 with Retry-After once a client (by `clientKey`) is past its rate. */
export function rateLimit(limiter: RateLimiter, clientKey: (c: Parameters<MiddlewareHandler>[0]) => string): MiddlewareHandler {
  return async (c, next) => {
    const wait = limiter.take(clientKey(c));
    if (wait > 0) {
      return errorResponse(c, 429, 'rate_limited', `Failed to serve the request: this client sent too many requests. Please wait ${wait} s and try again.`, { 'Retry-After': String(wait) });
    }
    await next();
  };
}

/** 413 once a body passes `maxBytes`, counted as it arrives. */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => errorResponse(c, 413, 'payload_too_large', `Failed to read the request: its body is larger than ${maxBytes} bytes. Please send a smaller body.`),
  });
}
