/**
 * Ephemeral client secrets (`ek_…`), as `POST /v1/realtime/client_secrets` issues them: a TTL of
 * 10–7200 s (default 600) anchored at creation, a session config that becomes the initial session of
 * every session the secret starts, and refusal once expired. The clock is injectable, so tests
 * expire keys without sleeping.
 */
import { randomBytes } from 'node:crypto';
import type { RealtimeSession, RealtimeSessionConfig } from '../../src/protocol/generated/types.js';
import { Conversation, isProblem } from './conversation.js';
import { badRequest, parseSessionConfig, refuseUnknownKeys } from './http.js';
import { DEFAULT_MODEL, defaultSession } from './wire.js';

export interface IssuedClientSecret {
  readonly value: string;
  /** Unix ms. */
  readonly expiresAtMs: number;
  /** The session config of the request: applied over the defaults of every session the secret starts. */
  readonly config: RealtimeSessionConfig;
}

export interface ClientSecretAnswer {
  value: string;
  /** Unix seconds. */
  expires_at: number;
  session: RealtimeSession;
}

export type ClientSecretLookup = { readonly status: 'valid'; readonly secret: IssuedClientSecret } | { readonly status: 'expired' | 'unknown' };

const MIN_SECONDS = 10;
const MAX_SECONDS = 7200;
const DEFAULT_SECONDS = 600;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export class ClientSecretStore {
  // A Map: the keys are wire strings.
  private readonly secrets = new Map<string, IssuedClientSecret>();

  constructor(
    /** Unix ms now. */
    private readonly clock: () => number,
    private readonly sessionOverrides: Partial<RealtimeSession> | undefined,
  ) {}

  /** Validates a request body as the API does, issues the secret, and returns the answer. */
  issue(body: Record<string, unknown>): ClientSecretAnswer {
    refuseUnknownKeys(body, ['expires_after', 'session']);
    const seconds = expiresAfterSeconds(body.expires_after);
    if (body.session === undefined) throw badRequest("Missing required parameter: 'session'. Please send the session config ({ type: 'realtime', … }).", 'missing_required_parameter', 'session');
    const config = parseSessionConfig(body.session, 'session');
    const value = `ek_${random(32)}`;
    const expiresAtMs = this.clock() + seconds * 1000;
    this.secrets.set(value, { value, expiresAtMs, config });
    return { value, expires_at: Math.floor(expiresAtMs / 1000), session: this.sessionFor(config) };
  }

  lookup(value: string): ClientSecretLookup {
    const secret = this.secrets.get(value);
    if (secret === undefined) return { status: 'unknown' };
    return this.clock() >= secret.expiresAtMs ? { status: 'expired' } : { status: 'valid', secret };
  }

  /** The session a config starts: the defaults with the config applied. */
  sessionFor(config: RealtimeSessionConfig): RealtimeSession {
    const conversation = new Conversation(defaultSession(config.model ?? DEFAULT_MODEL, this.sessionOverrides));
    const applied = conversation.update(config);
    if (isProblem(applied)) throw badRequest(applied.message, applied.code, applied.param);
    return applied;
  }
}

function expiresAfterSeconds(value: unknown): number {
  if (value === undefined) return DEFAULT_SECONDS;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest("Invalid type for 'expires_after': expected an object like { anchor: 'created_at', seconds: 600 }.", 'invalid_type', 'expires_after');
  }
  const expiresAfter = value as Record<string, unknown>;
  refuseUnknownKeys(expiresAfter, ['anchor', 'seconds'], 'expires_after.');
  if (expiresAfter.anchor !== 'created_at') {
    throw badRequest(`Invalid value: ${JSON.stringify(expiresAfter.anchor) ?? 'none'}. 'expires_after.anchor' must be "created_at".`, 'invalid_value', 'expires_after.anchor');
  }
  const seconds = expiresAfter.seconds ?? DEFAULT_SECONDS;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
    throw badRequest(`Invalid value: ${JSON.stringify(seconds)}. 'expires_after.seconds' must be an integer from ${MIN_SECONDS} to ${MAX_SECONDS}.`, 'invalid_value', 'expires_after.seconds');
  }
  return seconds;
}

function random(length: number): string {
  let out = '';
  for (const byte of randomBytes(length)) out += ALPHABET[byte % ALPHABET.length];
  return out;
}
