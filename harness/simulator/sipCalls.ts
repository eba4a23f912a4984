/**
 * A phone call arriving over SIP, as OpenAI announces it: the call rings (`incoming`) and a signed
 * `realtime.call.incoming` webhook goes to the app, which accepts it (with the session config),
 * rejects it, or lets it expire.
 */
import { randomBytes } from 'node:crypto';
import type { CallRegistry, SipHeader } from './calls.js';
import { checkWebhookSecret, checkWebhookUrl, sendWebhook, type WebhookDelivery, type WebhookTampering } from './webhooks.js';

export interface PlaceSipCallOptions extends WebhookTampering {
  /** The app's webhook receiver (loopback only). */
  webhookUrl: string;
  /** The webhook signing secret, `whsec_…`. */
  webhookSecret: string;
  /** The caller, in the `From` header. Default `sip:+15550100@pbx.example.com`. */
  from?: string;
  /** The callee, in the `To` header. Default `sip:proj_simulator@sip.example.com`. */
  to?: string;
  /** More headers of the INVITE (after From, To and Call-ID), in order. */
  sipHeaders?: SipHeader[];
  /** How long the call rings before it expires unanswered. Default: the simulator's `sipAcceptTimeoutMs`. */
  acceptTimeoutMs?: number;
}

export interface PlacedSipCall {
  readonly callId: string;
  /** The webhook event's `id` (`evt_…`). */
  readonly eventId: string;
  readonly webhook: WebhookDelivery;
}

export async function placeSipCall(calls: CallRegistry, options: PlaceSipCallOptions, defaultAcceptTimeoutMs: number): Promise<PlacedSipCall> {
  // Checked before the call rings, so a bad option throws instead of leaving a call behind.
  checkWebhookUrl(options.webhookUrl);
  checkWebhookSecret(options.webhookSecret);
  const acceptTimeoutMs = options.acceptTimeoutMs ?? defaultAcceptTimeoutMs;
  if (!Number.isSafeInteger(acceptTimeoutMs) || acceptTimeoutMs < 1) {
    throw new Error(`Failed to place the SIP call: acceptTimeoutMs must be a positive integer (got ${JSON.stringify(acceptTimeoutMs)}). Please pass milliseconds.`);
  }
  for (const header of options.sipHeaders ?? []) {
    if (typeof header?.name !== 'string' || header.name === '' || typeof header.value !== 'string') {
      throw new Error('Failed to place the SIP call: every sipHeaders entry needs a non-empty string name and a string value. Please fix sipHeaders.');
    }
  }
  const sipHeaders: SipHeader[] = [
    { name: 'From', value: `<${options.from ?? 'sip:+15550100@pbx.example.com'}>;tag=${randomBytes(4).toString('hex')}` },
    { name: 'To', value: `<${options.to ?? 'sip:proj_simulator@sip.example.com'}>` },
    { name: 'Call-ID', value: `${randomBytes(8).toString('hex')}@pbx.example.com` },
    ...(options.sipHeaders ?? []).map((header) => ({ name: header.name, value: header.value })),
  ];
  const callId = calls.incomingSip(sipHeaders, acceptTimeoutMs);
  const eventId = `evt_${randomBytes(12).toString('hex')}`;
  const event = {
    object: 'event',
    id: eventId,
    type: 'realtime.call.incoming',
    created_at: Math.floor(Date.now() / 1000),
    data: { call_id: callId, sip_headers: sipHeaders },
  };
  const tampering: WebhookTampering = {
    ...(options.badSignature !== undefined ? { badSignature: options.badSignature } : {}),
    ...(options.timestampOffsetSeconds !== undefined ? { timestampOffsetSeconds: options.timestampOffsetSeconds } : {}),
  };
  const webhook = await sendWebhook({ url: options.webhookUrl, secret: options.webhookSecret, event, tampering });
  return { callId, eventId, webhook };
}
