import { afterEach, describe, expect, it } from 'vitest';
import { fakePeers, FAKE_ANSWER_SDP, FAKE_OFFER_SDP } from './fakePeer.js';
import { createHarness } from './testSupport.js';

const harness = createHarness();
afterEach(() => harness.cleanup());

const ORIGIN = 'http://127.0.0.1:5173';

describe('CORS on POST /v1/realtime/calls', () => {
  it('answers a preflight: the Origin echoed, Authorization and Content-Type allowed', async () => {
    const simulator = await harness.start({ answerOffer: fakePeers().answerOffer });
    const response = await fetch(`${simulator.httpUrl}/v1/realtime/calls`, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase().split(/,\s*/).sort()).toEqual(['authorization', 'content-type']);
  });

  it('lets the page read the answer and its Location, and an error too', async () => {
    const simulator = await harness.start({ apiKey: 'sk-test', answerOffer: fakePeers().answerOffer });
    const answer = await fetch(`${simulator.httpUrl}/v1/realtime/calls`, { method: 'POST', headers: { origin: ORIGIN, authorization: 'Bearer sk-test', 'content-type': 'application/sdp' }, body: FAKE_OFFER_SDP });
    expect(answer.status).toBe(201);
    expect(await answer.text()).toBe(FAKE_ANSWER_SDP);
    expect(answer.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(answer.headers.get('access-control-expose-headers')).toBe('Location');
    expect(answer.headers.get('location')).toMatch(/^\/v1\/realtime\/calls\/rtc_/);
    const refused = await fetch(`${simulator.httpUrl}/v1/realtime/calls`, { method: 'POST', headers: { origin: ORIGIN, authorization: 'Bearer sk-wrong', 'content-type': 'application/sdp' }, body: FAKE_OFFER_SDP });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  it('adds no CORS headers without an Origin, nor on other endpoints', async () => {
    const simulator = await harness.start({ answerOffer: fakePeers().answerOffer });
    const plain = await fetch(`${simulator.httpUrl}/v1/realtime/calls`, { method: 'POST', headers: { authorization: 'Bearer sk-test', 'content-type': 'application/sdp' }, body: FAKE_OFFER_SDP });
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    const secrets = await fetch(`${simulator.httpUrl}/v1/realtime/client_secrets`, { method: 'POST', headers: { origin: ORIGIN, authorization: 'Bearer sk-test', 'content-type': 'application/json' }, body: '{"session":{"type":"realtime"}}' });
    expect(secrets.status).toBe(200);
    expect(secrets.headers.get('access-control-allow-origin')).toBeNull();
  });
});
