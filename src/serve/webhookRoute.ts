/**
 * `POST /webhooks/openai`: OpenAI's webhooks (phone calls over SIP). The raw body is verified
 * (Standard Webhooks signature, timestamp tolerance) before anything is read from it; a bad one is
 * 400 with nothing done. `realtime.call.incoming` → the SIP policy → `acceptCall` with the session
 * config, then the sideband attaches (after the answer: OpenAI waits for the webhook's answer, the
 * call does not wait for our MCP servers) — or `rejectCall`. Other types are logged and answered
 * 200. A webhook delivered again (same `webhook-id`: OpenAI retries) is answered 200 and not acted
 * on twice.
 */
import type { Context } from 'hono';
import type { Redactor } from '../redaction/index.js';
import { errorResponse } from './httpErrors.js';
import type { ServeOpenAi, ServeSessionConfig } from './openAi.js';
import { ID_PATTERN } from './requests.js';
import type { ServeLogEntry } from './serveOptions.js';
import type { ServeSession } from './sessions.js';
import type { SipDecision } from './sipPolicy.js';

const REMEMBERED_WEBHOOKS = 1_000;

export interface WebhookDeps {
  readonly openai: ServeOpenAi;
  readonly apiKey: string | (() => string | Promise<string>);
  readonly baseUrl: string;
  readonly redactor: Redactor;
  readonly webhook?: { secret: string; toleranceSeconds?: number };
  readonly decide: (headers: ReadonlyArray<{ name: string; value: string }>, liveCalls: number) => SipDecision;
  readonly liveSipCalls: () => number;
  readonly draining: () => boolean;
  /** A pending SIP session and the session config to accept the call with. */
  readonly prepare: () => Promise<{ session: ServeSession; config: ServeSessionConfig }>;
  readonly attach: (session: ServeSession, callId: string) => Promise<void>;
  readonly log: (level: ServeLogEntry['level'], message: string) => void;
  /** Webhook ids being handled or handled (the last 1 000): a redelivery is answered without acting again. */
  readonly seen: Set<string>;
}

export async function handleWebhook(c: Context, deps: WebhookDeps): Promise<Response> {
  if (deps.webhook === undefined) {
    return errorResponse(c, 404, 'webhooks_disabled', 'Failed to take the webhook: this server has no webhook secret. Please start serve with OPENAI_WEBHOOK_SECRET set (or "serve.webhookSecretEnv" in the config file).');
  }
  const body = await c.req.text();
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((value, name) => (headers[name] = value));
  let event;
  try {
    event = deps.openai.verifyRealtimeWebhook({ secret: deps.webhook.secret, body, headers, ...(deps.webhook.toleranceSeconds !== undefined ? { toleranceSeconds: deps.webhook.toleranceSeconds } : {}) });
  } catch (error) {
    deps.log('warn', `Refused a webhook: ${error instanceof Error ? error.message : String(error)}`);
    return errorResponse(c, 400, 'webhook_invalid', 'Failed to verify the webhook: its signature, timestamp or body is not valid. Please check the webhook secret.');
  }
  const seen = deps.seen;
  if (seen.has(event.id)) return c.json({ received: true, duplicate: true });
  if (event.type !== 'realtime.call.incoming') {
    deps.log('info', `webhook ${event.type} (${event.id}): nothing to do`);
    return c.json({ received: true });
  }
  const data = event.data as { callId?: unknown; sipHeaders?: unknown };
  const callId = typeof data.callId === 'string' && ID_PATTERN.test(data.callId) ? data.callId : undefined;
  if (callId === undefined) {
    deps.log('warn', `webhook ${event.id}: realtime.call.incoming without a usable call id; ignored`);
    return c.json({ received: true });
  }
  if (deps.draining()) {
    // Not remembered: OpenAI delivers it again, perhaps to another instance.
    return errorResponse(c, 503, 'shutting_down', 'Failed to take the call: the server is shutting down. Please deliver it again.', { 'Retry-After': '5' });
  }
  remember(seen, event.id);
  const sipHeaders = Array.isArray(data.sipHeaders) ? (data.sipHeaders as Array<{ name: string; value: string }>) : [];
  const decision = deps.decide(sipHeaders, deps.liveSipCalls());
  const api = { apiKey: deps.apiKey, baseUrl: deps.baseUrl, redactor: deps.redactor, callId };
  if (!decision.accept) {
    deps.log('info', `call ${callId} rejected (${decision.statusCode}): ${decision.why}`);
    await reject(deps, api, decision.statusCode);
    return c.json({ received: true, accepted: false });
  }
  let prepared: { session: ServeSession; config: ServeSessionConfig };
  try {
    prepared = await deps.prepare();
  } catch (error) {
    // No room (maxSessions) or no tools to offer: the caller hears busy rather than a silent line.
    deps.log('warn', `call ${callId} rejected (486): ${error instanceof Error ? error.message : String(error)}`);
    await reject(deps, api, 486);
    return c.json({ received: true, accepted: false });
  }
  const { session, config } = prepared;
  try {
    await deps.openai.acceptCall({ ...api, redactor: session.redactor, session: config });
  } catch (error) {
    await session.close('accept_failed');
    seen.delete(event.id);
    deps.log('error', `Failed to accept call ${callId}: ${error instanceof Error ? session.redactor.text(error.message) : String(error)}`);
    return errorResponse(c, 502, 'realtime_api_error', 'Failed to accept the call: OpenAI refused or did not answer. Please see the server log.');
  }
  deps.log('info', `call ${callId} accepted (session ${session.id})`);
  void deps.attach(session, callId).catch((error: unknown) => deps.log('error', `Failed to attach the sideband to call ${callId}: ${error instanceof Error ? error.message : String(error)}`));
  return c.json({ received: true, accepted: true, sessionId: session.id });
}

async function reject(deps: WebhookDeps, api: { apiKey: WebhookDeps['apiKey']; baseUrl: string; redactor: Redactor; callId: string }, statusCode: number): Promise<void> {
  await Promise.resolve()
    .then(() => deps.openai.rejectCall({ ...api, statusCode }))
    .catch((error: unknown) => deps.log('warn', `Failed to reject call ${api.callId}: ${error instanceof Error ? error.message : String(error)}`));
}

function remember(seen: Set<string>, id: string): void {
  seen.add(id);
  if (seen.size > REMEMBERED_WEBHOOKS) seen.delete(seen.values().next().value!);
}
