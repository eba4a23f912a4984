/**
 * What `serve` answers when it refuses or fails: `{ error: { code, message } }` with a stable code
 * and a message "Failed to X: why. Please Y.", redacted. Nothing else about the failure (no stack,
 * no cause, no upstream body) leaves the server.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export type ServeErrorCode =
  | 'unauthorized'
  | 'openai_key_missing'
  | 'invalid_recording'
  | 'too_many_replays'
  | 'session_not_live'
  | 'not_recorded'
  | 'forbidden_origin'
  | 'not_found'
  | 'invalid_request'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'rate_limited'
  | 'mcp_url_refused'
  | 'runtime_mcp_disabled'
  | 'too_many_sessions'
  | 'session_not_pending'
  | 'webhook_invalid'
  | 'webhooks_disabled'
  | 'realtime_api_error'
  | 'session_failed'
  | 'shutting_down'
  | 'internal_error';

export interface ServeErrorBody {
  error: { code: ServeErrorCode; message: string };
}

/** A refusal a route throws; app.ts turns it into the JSON answer. */
export class ServeHttpError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: ServeErrorCode;
  readonly headers: Record<string, string>;

  constructor(status: ContentfulStatusCode, code: ServeErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ServeHttpError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export function errorResponse(c: Context, status: ContentfulStatusCode, code: ServeErrorCode, message: string, headers: Record<string, string> = {}): Response {
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  return c.json({ error: { code, message } } satisfies ServeErrorBody, status);
}

/** A log line for a failed request to OpenAI: the library's REST errors already read "Failed to <action>: …" (kept as they are), anything else gets that prefix. */
export function failureLine(action: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith(`Failed to ${action}:`) ? message : `Failed to ${action}: ${message}`;
}
