/**
 * Webhooks as OpenAI sends them (Standard Webhooks): a JSON event POSTed with `webhook-id`,
 * `webhook-timestamp` and `webhook-signature`, signed with the `standardwebhooks` package. Tests can
 * ask for a wrong signature or a shifted timestamp, to check that a receiver refuses them. Only
 * loopback targets: the simulator sends nothing off this machine.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export interface WebhookTampering {
  /** Sign with another secret (the header is well-formed, the signature wrong). */
  badSignature?: boolean;
  /** Shift `webhook-timestamp` (and what is signed) by this many seconds, e.g. -600 for a stale one. */
  timestampOffsetSeconds?: number;
}

export interface WebhookDelivery {
  readonly webhookId: string;
  /** The receiver's HTTP status and body, or why the POST failed. */
  readonly response: { readonly status: number; readonly body: string } | { readonly error: string };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Throws when the URL is not an http(s) URL on this machine. */
export function checkWebhookUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`Failed to send the webhook: ${JSON.stringify(url)} is not a URL. Please pass the receiver's http://127.0.0.1:<port>/… URL.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`Failed to send the webhook: ${parsed.protocol} is not http or https. Please pass the receiver's http://127.0.0.1:<port>/… URL.`);
  }
  if (!LOOPBACK_HOSTS.has(parsed.hostname) && !/^127\.\d+\.\d+\.\d+$/.test(parsed.hostname)) {
    throw new Error(`Failed to send the webhook: ${parsed.hostname} is not a loopback address. Please run the receiver on 127.0.0.1 (the simulator sends nothing off this machine).`);
  }
  return parsed;
}

/** Throws unless the secret is `whsec_` + base64, as OpenAI's webhook secrets are. */
export function checkWebhookSecret(secret: string): void {
  const body = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : undefined;
  if (body === undefined || body === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
    throw new Error('Failed to sign the webhook: the secret must be "whsec_" followed by base64. Please pass a secret such as whsec_ plus base64 of 32 random bytes.');
  }
}

/** Signs and POSTs one webhook event. Resolves with the receiver's answer; never rejects for a failed delivery. */
export async function sendWebhook(options: {
  url: string;
  secret: string;
  event: unknown;
  tampering?: WebhookTampering;
  timeoutMs?: number;
}): Promise<WebhookDelivery> {
  const url = checkWebhookUrl(options.url);
  checkWebhookSecret(options.secret);
  const webhookId = `wh_${randomBytes(16).toString('hex')}`;
  const payload = JSON.stringify(options.event);
  const offset = options.tampering?.timestampOffsetSeconds ?? 0;
  // Whole seconds: the header carries seconds, and the signature covers the header's value.
  const timestamp = new Date((Math.floor(Date.now() / 1000) + offset) * 1000);
  const signingSecret = options.tampering?.badSignature ? `whsec_${randomBytes(32).toString('base64')}` : options.secret;
  const signature = new Webhook(signingSecret).sign(webhookId, timestamp, payload);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': webhookId,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signature,
        'user-agent': 'OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)',
      },
      body: payload,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      redirect: 'manual',
    });
    return { webhookId, response: { status: response.status, body: await response.text() } };
  } catch (error) {
    return { webhookId, response: { error: (error as Error).message } };
  }
}
