/**
 * verifyRealtimeWebhook: payloads signed with `standardwebhooks`' own `Webhook.sign` pass; a changed
 * body, a wrong secret, a timestamp beyond the tolerance either way, missing headers and unreadable
 * payloads are refused as `webhook_invalid` with the reason, never echoing the secret.
 */
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { expectNoSecret } from '../../test/support/expectNoSecret.js';
import { ProxyError } from '../errors.js';
import { isRealtimeCallIncoming, verifyRealtimeWebhook, type WebhookInvalidReason } from './webhooks.js';

const SECRET_BYTES = 'test-webhook-signing-bytes';
const SECRET_BASE64 = Buffer.from(SECRET_BYTES).toString('base64');
const SECRET = `whsec_${SECRET_BASE64}`;
const OTHER_SECRET = `whsec_${Buffer.from('another-endpoint-secret').toString('base64')}`;

const incoming = {
  object: 'event',
  id: 'evt_685343a1381c819085d44c354e1b330e',
  type: 'realtime.call.incoming',
  created_at: 1750287018,
  data: {
    call_id: 'rtc_74b0e4fd2a844d5e9c3bd4b7d1e2e5c2',
    sip_headers: [
      { name: 'From', value: 'sip:+142555512112@sip.example.com' },
      { name: 'To', value: 'sip:+18005551212@sip.example.com' },
    ],
  },
};

/** Headers as OpenAI sends them, signed by the package with `secret` at `at` (default now). */
function signed(body: string, options: { secret?: string; at?: Date; id?: string } = {}): Record<string, string> {
  const id = options.id ?? 'msg_1';
  const at = options.at ?? new Date();
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(options.secret ?? SECRET).sign(id, at, body) };
}

function refusal(run: () => unknown, reason: WebhookInvalidReason): ProxyError {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(ProxyError.isInstance(error), 'it threw a ProxyError').toBe(true);
  expect(error).toMatchObject({ code: 'webhook_invalid', data: { reason } });
  expect((error as Error).message).toMatch(/^Failed to verify the webhook: .+\. Please refuse the request \(answer 400\) and do not act on it\.$/);
  expectNoSecret(error, [SECRET, SECRET_BASE64, SECRET_BYTES]);
  return error as ProxyError;
}

describe('verifyRealtimeWebhook', () => {
  it('a realtime.call.incoming signed by standardwebhooks passes and reads as a typed event (callId, sipHeaders)', () => {
    const body = JSON.stringify(incoming);
    const event = verifyRealtimeWebhook({ secret: SECRET, body, headers: signed(body) });
    expect(event).toEqual({
      id: incoming.id,
      type: 'realtime.call.incoming',
      createdAt: 1750287018,
      data: { callId: incoming.data.call_id, sipHeaders: incoming.data.sip_headers },
    });
    expect(isRealtimeCallIncoming(event)).toBe(true);
  });

  it('takes the secret without whsec_, the body as bytes, headers in any case or as a Headers, and Node-style arrays for the signature', () => {
    const body = JSON.stringify(incoming);
    const headers = signed(body);
    const bytes = new TextEncoder().encode(body);
    expect(verifyRealtimeWebhook({ secret: SECRET_BASE64, body: bytes, headers }).id).toBe(incoming.id);
    const upper = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toUpperCase(), value]));
    expect(verifyRealtimeWebhook({ secret: SECRET, body, headers: upper }).id).toBe(incoming.id);
    expect(verifyRealtimeWebhook({ secret: SECRET, body, headers: new Headers(headers) }).id).toBe(incoming.id);
    expect(verifyRealtimeWebhook({ secret: SECRET, body, headers: { ...headers, 'webhook-signature': ['v1,bm9wZQ==', headers['webhook-signature']!] } }).id).toBe(incoming.id);
  });

  it('several signatures in the header (a secret being rotated): one valid among them passes; none valid is refused', () => {
    const body = JSON.stringify(incoming);
    const headers = signed(body);
    const stale = signed(body, { secret: OTHER_SECRET })['webhook-signature'];
    const both = `${stale} ${headers['webhook-signature']} v2,c29tZXRoaW5nZWxzZQ==`;
    expect(verifyRealtimeWebhook({ secret: SECRET, body, headers: { ...headers, 'webhook-signature': both } }).id).toBe(incoming.id);
    refusal(() => verifyRealtimeWebhook({ secret: SECRET, body, headers: { ...headers, 'webhook-signature': `${stale} v1,AAAA` } }), 'bad_signature');
  });

  it('a changed body, a wrong secret, a changed id or timestamp → bad_signature', () => {
    const body = JSON.stringify(incoming);
    const headers = signed(body);
    const tampered = body.replace('rtc_74b0', 'rtc_00b0');
    const error = refusal(() => verifyRealtimeWebhook({ secret: SECRET, body: tampered, headers }), 'bad_signature');
    expect(error.message).toContain('no signature in its webhook-signature header matches the body');
    refusal(() => verifyRealtimeWebhook({ secret: OTHER_SECRET, body, headers }), 'bad_signature');
    refusal(() => verifyRealtimeWebhook({ secret: SECRET, body, headers: { ...headers, 'webhook-id': 'msg_2' } }), 'bad_signature');
    const oneSecondLater = String(Number(headers['webhook-timestamp']) + 1);
    refusal(() => verifyRealtimeWebhook({ secret: SECRET, body, headers: { ...headers, 'webhook-timestamp': oneSecondLater } }), 'bad_signature');
    // A body parsed and written again (other spacing) is not the body that was signed.
    refusal(() => verifyRealtimeWebhook({ secret: SECRET, body: JSON.stringify(incoming, null, 1), headers }), 'bad_signature');
  });

  it('a timestamp beyond the tolerance, past or future, is refused even when the signature is right; the tolerance is configurable', () => {
    const body = JSON.stringify(incoming);
    const now = Date.now();
    const past = refusal(() => verifyRealtimeWebhook({ secret: SECRET, body, headers: signed(body, { at: new Date(now - 400_000) }) }), 'stale_timestamp');
    expect(past.message).toMatch(/its timestamp is 4\d\d s in the past, beyond the tolerance of 300 s/);
    const future = refusal(() => verifyRealtimeWebhook({ secret: SECRET, body, headers: signed(body, { at: new Date(now + 400_000) }) }), 'stale_timestamp');
    expect(future.message).toMatch(/its timestamp is (399|400) s in the future, beyond the tolerance of 300 s/);
    // Wider than the package's fixed 300 s: accepted; narrower: refused.
    expect(verifyRealtimeWebhook({ secret: SECRET, body, headers: signed(body, { at: new Date(now - 400_000) }), toleranceSeconds: 600 }).id).toBe(incoming.id);
    refusal(() => verifyRealtimeWebhook({ secret: SECRET, body, headers: signed(body, { at: new Date(now - 120_000) }), toleranceSeconds: 60 }), 'stale_timestamp');
    expect(() => verifyRealtimeWebhook({ secret: SECRET, body, headers: signed(body), toleranceSeconds: 0 })).toThrow(expect.objectContaining({ code: 'invalid_options' }));
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])('a missing or empty %s header → missing_header', (name) => {
    const body = JSON.stringify(incoming);
    const headers = signed(body);
    const { [name]: _, ...without } = headers;
    expect(refusal(() => verifyRealtimeWebhook({ secret: SECRET, body, headers: without }), 'missing_header').message).toContain(`its ${name} header is missing`);
    refusal(() => verifyRealtimeWebhook({ secret: SECRET, body, headers: { ...headers, [name]: ' ' } }), 'missing_header');
  });

  it('a repeated id or timestamp, or a timestamp that is not Unix seconds, is refused', () => {
    const body = JSON.stringify(incoming);
    const headers = signed(body);
    refusal(() => verifyRealtimeWebhook({ secret: SECRET, body, headers: { ...headers, 'webhook-id': ['msg_1', 'msg_2'] } }), 'missing_header');
    for (const timestamp of ['soon', '1.5e9', '-1', `${headers['webhook-timestamp']}abc`]) {
      refusal(() => verifyRealtimeWebhook({ secret: SECRET, body, headers: { ...headers, 'webhook-timestamp': timestamp } }), 'invalid_timestamp');
    }
  });

  it.each([
    ['not JSON', 'hello', 'not_json', 'its body is not JSON'],
    ['an empty body', '', 'not_json', 'its body is not JSON'],
    ['a JSON array', '[]', 'unknown_shape', 'its body is not a JSON object'],
    ['no id', JSON.stringify({ ...incoming, id: undefined }), 'unknown_shape', 'its event has no string `id`'],
    ['no type', JSON.stringify({ ...incoming, type: 7 }), 'unknown_shape', 'its event has no string `type`'],
    ['no created_at', JSON.stringify({ ...incoming, created_at: 'yesterday' }), 'unknown_shape', 'its event has no numeric `created_at`'],
    ['no data', JSON.stringify({ ...incoming, data: null }), 'unknown_shape', 'its realtime.call.incoming event has no `data` object'],
    ['a hostile call id', JSON.stringify({ ...incoming, data: { call_id: '../../admin' } }), 'unknown_shape', 'its realtime.call.incoming event has no valid `data.call_id`'],
    ['sip headers not a list', JSON.stringify({ ...incoming, data: { call_id: 'rtc_1', sip_headers: {} } }), 'unknown_shape', 'its `data.sip_headers` is not a list'],
    ['a sip header without value', JSON.stringify({ ...incoming, data: { call_id: 'rtc_1', sip_headers: [{ name: 'From' }] } }), 'unknown_shape', 'its `data.sip_headers[0]` is not { name, value } strings'],
  ] as const)('a correctly signed body with %s → %s', (_, body, reason, why) => {
    expect(refusal(() => verifyRealtimeWebhook({ secret: SECRET, body, headers: signed(body) }), reason).message).toBe(
      `Failed to verify the webhook: ${why}. Please refuse the request (answer 400) and do not act on it.`,
    );
  });

  it('other event types pass with their data as it came; an incoming call without sip_headers has none', () => {
    const ended = JSON.stringify({ object: 'event', id: 'evt_2', type: 'realtime.call.ended', created_at: 1, data: { call_id: 'rtc_1', anything: [1] } });
    const event = verifyRealtimeWebhook({ secret: SECRET, body: ended, headers: signed(ended) });
    expect(event).toEqual({ id: 'evt_2', type: 'realtime.call.ended', createdAt: 1, data: { call_id: 'rtc_1', anything: [1] } });
    expect(isRealtimeCallIncoming(event)).toBe(false);
    const bare = JSON.stringify({ ...incoming, data: { call_id: 'rtc_1' } });
    expect(verifyRealtimeWebhook({ secret: SECRET, body: bare, headers: signed(bare) }).data).toEqual({ callId: 'rtc_1', sipHeaders: [] });
  });

  it('an empty or garbled secret → invalid_options, not quoting it', () => {
    const body = JSON.stringify(incoming);
    for (const secret of ['', 'whsec_', 'whsec_!!not base64!!']) {
      let error: unknown;
      try {
        verifyRealtimeWebhook({ secret, body, headers: signed(body) });
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'invalid_options' });
      if (secret.length > 6) expect((error as Error).message).not.toContain(secret.slice(6));
    }
  });
});
