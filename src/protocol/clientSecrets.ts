/**
 * Ephemeral client secrets (`POST /v1/realtime/client_secrets`): the server mints a short-lived
 * `ek_…` key with its standard key, and only the `ek_` key travels to the browser.
 */
import { ProxyError } from '../errors.js';
import { isJsonObject } from '../isJsonObject.js';
import { Redactor } from '../redaction/index.js';
import { invalidAnswer, realtimeApiRequest, type RealtimeApiOptions } from './realtimeApi.js';
import { sessionBody, type RealtimeSessionConfigInput } from './sessionBody.js';

export interface CreateClientSecretOptions extends RealtimeApiOptions {
  /** The session the secret starts (model, instructions, voice, tools…). */
  readonly session: RealtimeSessionConfigInput;
  /** How long the secret may start sessions (not how long a session lasts): 10–7200 s. Default 600. */
  readonly expiresAfterSeconds?: number;
}

export interface ClientSecret {
  /** `ek_…`: give it to the browser, nothing else. */
  readonly value: string;
  /** Unix seconds after which it starts no session. */
  readonly expiresAt: number;
  /** The session as OpenAI stored it (`id`, `model`, defaults filled in), as it came. */
  readonly session?: unknown;
}

export const MIN_CLIENT_SECRET_SECONDS = 10;
export const MAX_CLIENT_SECRET_SECONDS = 7200;

/**
 * Mints an ephemeral client secret for a browser. The value is registered in `redactor` (when given),
 * so logs and errors never show it; return it to the browser as it is, not through the redactor.
 *
 * @example
 * const { value, expiresAt } = await createClientSecret({
 *   apiKey: process.env.OPENAI_API_KEY!,
 *   session: { model: 'gpt-realtime', instructions: 'Be brief.', audio: { output: { voice: 'marin' } } },
 *   expiresAfterSeconds: 120,
 * });
 */
export async function createClientSecret(options: CreateClientSecretOptions): Promise<ClientSecret> {
  const action = 'create the client secret';
  const seconds = options.expiresAfterSeconds ?? 600;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < MIN_CLIENT_SECRET_SECONDS || seconds > MAX_CLIENT_SECRET_SECONDS) {
    throw new ProxyError(
      'invalid_options',
      `Failed to ${action}: expiresAfterSeconds is ${String(seconds)}. Please pass a whole number of seconds from ${MIN_CLIENT_SECRET_SECONDS} to ${MAX_CLIENT_SECRET_SECONDS}.`,
    );
  }
  const session = sessionBody(options.session, action);
  const redactor = options.redactor ?? new Redactor();
  const answer = await realtimeApiRequest(
    { ...options, redactor },
    {
      action,
      path: '/realtime/client_secrets',
      body: JSON.stringify({ expires_after: { anchor: 'created_at', seconds }, session }),
      contentType: 'application/json',
      accept: 'application/json',
    },
  );
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    throw invalidAnswer(action, answer.status, 'its answer is not JSON');
  }
  // Never quote the answer: it holds the secret, valid or not.
  if (!isJsonObject(body)) throw invalidAnswer(action, answer.status, 'its answer is not a JSON object');
  const { value, expires_at: expiresAt } = body;
  if (typeof value !== 'string' || !value.startsWith('ek_') || value.length < 4) {
    throw invalidAnswer(action, answer.status, typeof value === 'string' ? 'its `value` is not an ek_ key' : 'its answer has no string `value`');
  }
  redactor.add(value);
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) throw invalidAnswer(action, answer.status, 'its answer has no numeric `expires_at`');
  return { value, expiresAt, ...(body.session === undefined ? {} : { session: body.session }) };
}
