import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { RealtimeSimulator } from './server.js';
import { createHarness, post, postJson, SUM_TOOL } from './testSupport.js';

const harness = createHarness();
const receivers: Server[] = [];
afterEach(async () => {
  await harness.cleanup();
  await Promise.all(receivers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The event as `standardwebhooks` verified it, or why it refused it. */
  verdict: { ok: true; event: any } | { ok: false; error: string };
}

/**
 * A webhook receiver on 127.0.0.1 that verifies each delivery with `standardwebhooks` (the raw body,
 * before parsing) and answers 200 or 400; `onEvent` runs for verified events before the answer.
 */
async function startReceiver(onEvent: (event: any) => Promise<void> | void = () => undefined): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', async () => {
      let verdict: Received['verdict'];
      try {
        verdict = { ok: true, event: new Webhook(SECRET).verify(body, req.headers as Record<string, string>) };
      } catch (error) {
        verdict = { ok: false, error: (error as Error).message };
      }
      received.push({ headers: req.headers, body, verdict });
      if (verdict.ok) await onEvent(verdict.event);
      res.writeHead(verdict.ok ? 200 : 400).end(verdict.ok ? 'ok' : 'refused');
    });
  });
  receivers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/openai`, received };
}

async function ring(simulator: RealtimeSimulator, url: string, extra: object = {}) {
  return simulator.placeSipCall({ webhookUrl: url, webhookSecret: SECRET, from: 'sip:+15550123@carrier.example.com', ...extra });
}

describe('placeSipCall', () => {
  it('posts a realtime.call.incoming webhook that standardwebhooks verifies, with the call id and the SIP headers', async () => {
    const simulator = await harness.start({ apiKey: 'sk-test' });
    const receiver = await startReceiver();
    const placed = await ring(simulator, receiver.url, { sipHeaders: [{ name: 'X-Tenant', value: 'acme' }] });
    expect(placed.webhook.response).toEqual({ status: 200, body: 'ok' });
    expect(placed.callId).toMatch(/^rtc_[0-9a-f]{32}$/);
    const [delivery] = receiver.received;
    expect(delivery?.verdict).toEqual({
      ok: true,
      event: {
        object: 'event',
        id: placed.eventId,
        type: 'realtime.call.incoming',
        created_at: expect.any(Number),
        data: {
          call_id: placed.callId,
          sip_headers: [
            { name: 'From', value: expect.stringMatching(/^<sip:\+15550123@carrier\.example\.com>;tag=/) },
            { name: 'To', value: '<sip:proj_simulator@sip.example.com>' },
            { name: 'Call-ID', value: expect.any(String) },
            { name: 'X-Tenant', value: 'acme' },
          ],
        },
      },
    });
    expect(delivery?.headers['webhook-id']).toBe(placed.webhook.webhookId);
    expect(delivery?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    expect(simulator.calls).toEqual([expect.objectContaining({ id: placed.callId, kind: 'sip', status: 'incoming', sessionIndex: undefined })]);
  });

  it('can send a bad signature or a stale timestamp, which the receiver refuses', async () => {
    const simulator = await harness.start();
    const receiver = await startReceiver();
    const forged = await ring(simulator, receiver.url, { badSignature: true });
    expect(forged.webhook.response).toEqual({ status: 400, body: 'refused' });
    expect(receiver.received[0]?.verdict).toEqual({ ok: false, error: 'No matching signature found' });
    const stale = await ring(simulator, receiver.url, { timestampOffsetSeconds: -600 });
    expect(stale.webhook.response).toMatchObject({ status: 400 });
    expect(receiver.received[1]?.verdict).toEqual({ ok: false, error: 'Message timestamp too old' });
  });

  it('refuses a webhook URL off this machine and a secret that is not whsec_ base64, before the call rings', async () => {
    const simulator = await harness.start();
    await expect(simulator.placeSipCall({ webhookUrl: 'https://example.com/hook', webhookSecret: SECRET })).rejects.toThrow(/not a loopback address/);
    await expect(simulator.placeSipCall({ webhookUrl: 'ftp://127.0.0.1/x', webhookSecret: SECRET })).rejects.toThrow(/not http or https/);
    await expect(simulator.placeSipCall({ webhookUrl: 'http://127.0.0.1:9/x', webhookSecret: 'secret' })).rejects.toThrow(/must be "whsec_" followed by base64/);
    expect(simulator.calls).toEqual([]);
  });

  it('reports a receiver that cannot be reached, and the call still rings', async () => {
    const simulator = await harness.start();
    const closed = await startReceiver();
    await new Promise((resolve) => receivers.pop()?.close(resolve));
    const placed = await ring(simulator, closed.url);
    expect(placed.webhook.response).toEqual({ error: expect.any(String) });
    expect(simulator.calls[0]?.status).toBe('incoming');
  });
});

describe('a SIP call', () => {
  it('accepted from the webhook handler with the session config: the session starts, a sideband attaches and runs the tool call', async () => {
    const simulator = await harness.start({
      apiKey: 'sk-test',
      script: [{ user: 'What is two plus forty?' }, { callTool: { toolFromSession: 0, arguments: { a: 2, b: 40 }, say: 'Let me add.', reply: 'It is {output}.' } }],
    });
    const receiver = await startReceiver(async (event) => {
      const accepted = await postJson(simulator, `/v1/realtime/calls/${event.data.call_id}/accept`, { type: 'realtime', model: 'gpt-realtime', instructions: 'Phone agent.', tools: [SUM_TOOL] });
      expect([accepted.status, accepted.text]).toEqual([200, '']);
    });
    const placed = await ring(simulator, receiver.url);
    expect(simulator.calls[0]).toMatchObject({ status: 'active', sessionIndex: 0 });
    expect(simulator.sessions[0]).toMatchObject({ callId: placed.callId, media: 'sip' });
    const server = await harness.connect(simulator, { query: `?call_id=${placed.callId}` });
    const created = await server.next('session.created');
    expect(created.session).toMatchObject({ instructions: 'Phone agent.', tools: [SUM_TOOL] });
    server.send({ type: 'session.update', session: { type: 'realtime', instructions: 'Phone agent, on the sideband.' } }); // the script starts here
    const call = await server.next((event) => event.type === 'response.output_item.done' && event.item.type === 'function_call');
    server.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call.item.call_id, output: '42' } });
    server.send({ type: 'response.create' });
    expect((await server.next('response.output_audio_transcript.done')).transcript).toBe('It is 42.');
    expect(await simulator.done).toEqual({ ok: true, steps: 2 });
    // No audio deltas on a SIP call: the audio is on the phone leg.
    expect(server.received.some((event) => event.type === 'response.output_audio.delta')).toBe(false);
    expect(simulator.sessions[0]?.clientEventLog.every((entry) => entry.channel === 'sideband')).toBe(true);

    const hangup = await post(simulator, `/v1/realtime/calls/${placed.callId}/hangup`);
    expect(hangup.status).toBe(200);
    expect(await server.closed).toEqual({ code: 1000, reason: 'The call was hung up.' });
  });

  it('rejected: ends with the SIP status; a second reject, an accept or a sideband then find no call', async () => {
    const simulator = await harness.start({ apiKey: 'sk-test' });
    const receiver = await startReceiver();
    const placed = await ring(simulator, receiver.url);
    expect((await postJson(simulator, `/v1/realtime/calls/${placed.callId}/reject`, { status_code: 486 })).status).toBe(200);
    expect(simulator.calls[0]).toMatchObject({ status: 'rejected', rejectedWith: 486 });
    expect((await postJson(simulator, `/v1/realtime/calls/${placed.callId}/reject`, {})).json?.error.code).toBe('call_id_not_found');
    expect((await postJson(simulator, `/v1/realtime/calls/${placed.callId}/accept`, { type: 'realtime' })).status).toBe(404);
    await expect(harness.connect(simulator, { query: `?call_id=${placed.callId}` })).rejects.toMatchObject({ status: 404 });

    const second = await ring(simulator, receiver.url);
    expect((await post(simulator, `/v1/realtime/calls/${second.callId}/reject`)).status).toBe(200); // no body: 603
    expect(simulator.calls[1]).toMatchObject({ status: 'rejected', rejectedWith: 603 });
  });

  it('expires when nobody accepts it in time', async () => {
    const simulator = await harness.start({ sipAcceptTimeoutMs: 20 });
    const receiver = await startReceiver();
    const placed = await ring(simulator, receiver.url);
    await expect.poll(() => simulator.calls[0]?.status).toBe('expired');
    expect(simulator.calls[0]?.ended?.reason).toBe('The call was not accepted within 20 ms.');
    expect((await postJson(simulator, `/v1/realtime/calls/${placed.callId}/accept`, { type: 'realtime' })).status).toBe(404);
  });

  it('refuses a sideband before the call is accepted, a second accept, and refer before accept', async () => {
    const simulator = await harness.start();
    const receiver = await startReceiver();
    const placed = await ring(simulator, receiver.url);
    await expect(harness.connect(simulator, { query: `?call_id=${placed.callId}` })).rejects.toMatchObject({ status: 404 });
    expect((await postJson(simulator, `/v1/realtime/calls/${placed.callId}/refer`, { target_uri: 'tel:+14155550123' })).json?.error.code).toBe('invalid_call_state');
    expect((await postJson(simulator, `/v1/realtime/calls/${placed.callId}/accept`, { type: 'realtime' })).status).toBe(200);
    expect((await postJson(simulator, `/v1/realtime/calls/${placed.callId}/accept`, { type: 'realtime' })).json?.error.code).toBe('invalid_call_state');
  });

  it('transferred with refer: the call ends and its sideband closes', async () => {
    const simulator = await harness.start();
    const receiver = await startReceiver();
    const placed = await ring(simulator, receiver.url);
    await postJson(simulator, `/v1/realtime/calls/${placed.callId}/accept`, { type: 'realtime' });
    const server = await harness.connect(simulator, { query: `?call_id=${placed.callId}` });
    expect((await postJson(simulator, `/v1/realtime/calls/${placed.callId}/refer`, { target_uri: 'sip:desk@pbx.example.com' })).status).toBe(200);
    expect(await server.closed).toEqual({ code: 1000, reason: 'The call was transferred (SIP REFER).' });
    expect(simulator.calls[0]).toMatchObject({ status: 'ended', referredTo: 'sip:desk@pbx.example.com' });
  });

  it.each([
    ['accept without a body', 'accept', undefined, 'unsupported_content_type', null],
    ['accept with bad JSON', 'accept', '{"type":', 'invalid_json', null],
    ['accept without type', 'accept', '{"instructions":"x"}', 'missing_required_parameter', 'type'],
    ['accept with an unknown field', 'accept', '{"type":"realtime","voice":"alloy"}', 'unknown_parameter', 'voice'],
    ['accept with VAD tuning (refused for SIP)', 'accept', '{"type":"realtime","audio":{"input":{"turn_detection":{"type":"server_vad","threshold":0.6}}}}', 'unknown_parameter', 'audio.input.turn_detection.threshold'],
    ['reject with a status that is not SIP', 'reject', '{"status_code":200}', 'invalid_value', 'status_code'],
    ['reject with an unknown field', 'reject', '{"reason":"busy"}', 'unknown_parameter', 'reason'],
    ['refer without target_uri', 'refer', '{}', 'missing_required_parameter', 'target_uri'],
    ['refer to an http URL', 'refer', '{"target_uri":"http://example.com"}', 'invalid_value', 'target_uri'],
  ])('answers 400 for %s', async (_what, action, body, code, param) => {
    const simulator = await harness.start();
    const receiver = await startReceiver();
    const placed = await ring(simulator, receiver.url);
    const answer = await post(simulator, `/v1/realtime/calls/${placed.callId}/${action}`, body === undefined ? {} : { body, contentType: 'application/json' });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error: { type: 'invalid_request_error', code, param, message: expect.any(String) } });
    expect(simulator.calls[0]?.status).toBe('incoming');
  });
});
