/**
 * createCall and call control (accept, reject, refer, hang up) against a real HTTP server on
 * 127.0.0.1: the exact requests (SDP or multipart with the session), the answer SDP and the call id
 * from `Location`, garbled answers, hostile call ids refused before any request, no key in errors.
 */
import { describe, expect, it } from 'vitest';
import { expectNoSecret } from '../../test/support/expectNoSecret.js';
import { useFakeOpenAiApi } from '../../test/support/fakeOpenAiApi.js';
import { ProxyError } from '../errors.js';
import { acceptCall, callIdFromLocation, createCall, hangupCall, referCall, rejectCall } from './calls.js';

const KEY = 'sk-test-key';
const OFFER = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';
const ANSWER = 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';

const api = useFakeOpenAiApi();

async function failure(promise: Promise<unknown>): Promise<ProxyError> {
  const error = await promise.then(
    () => expect.fail('it resolved'),
    (thrown: unknown) => thrown,
  );
  expect(ProxyError.isInstance(error)).toBe(true);
  expectNoSecret(error, [KEY]);
  return error as ProxyError;
}

const created = (location?: string) => () => ({ status: 201, body: ANSWER, headers: { 'content-type': 'application/sdp', ...(location === undefined ? {} : { location }) } });

describe('createCall', () => {
  it('without a session: the SDP alone as application/sdp, Accept application/sdp; the answer SDP and the call id from Location', async () => {
    api.answer(created('/v1/realtime/calls/rtc_abc123'));
    expect(await createCall({ apiKey: KEY, baseUrl: api.baseUrl, sdp: OFFER })).toEqual({ sdp: ANSWER, callId: 'rtc_abc123' });
    const [sent] = api.requests;
    expect(sent).toMatchObject({ method: 'POST', path: '/v1/realtime/calls' });
    expect(sent!.headers).toMatchObject({ authorization: `Bearer ${KEY}`, 'content-type': 'application/sdp', accept: 'application/sdp' });
    expect(sent!.body.toString()).toBe(OFFER);
  });

  it('with a session: multipart/form-data with the fields sdp and session (JSON, typed realtime)', async () => {
    api.answer(created('https://api.openai.com/v1/realtime/calls/rtc_multi'));
    const session = { model: 'gpt-realtime', instructions: 'Help.', tools: [{ type: 'function' as const, name: 'lookup', parameters: { type: 'object' } }] };
    expect(await createCall({ apiKey: KEY, baseUrl: api.baseUrl, sdp: OFFER, session })).toEqual({ sdp: ANSWER, callId: 'rtc_multi' });
    const [sent] = api.requests;
    expect(sent!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(sent!.headers).toMatchObject({ authorization: `Bearer ${KEY}`, accept: 'application/sdp' });
    const form = await sent!.request().formData();
    expect([...form.keys()]).toEqual(['sdp', 'session']);
    expect(form.get('sdp')).toBe(OFFER);
    expect(JSON.parse(form.get('session') as string)).toEqual({ type: 'realtime', ...session });
  });

  it.each([
    ['no Location', undefined, 'the answer has no Location header. Please check the base URL; a proxy in between may drop the header.'],
    ['an empty Location', '', 'the answer has no Location header. Please check the base URL; a proxy in between may drop the header.'],
    ['a Location ending in a slash only', '/v1/realtime/calls/', 'the Location header does not end with calls/<call id>. Please check the base URL: it may not point at the OpenAI API.'],
    ['a Location with a space in the id', '/v1/realtime/calls/rtc 1', 'the Location header does not end with calls/<call id>. Please check the base URL: it may not point at the OpenAI API.'],
    ['a Location that is not a URL', 'http://[::1', 'the Location header is not a URL. Please check the base URL: it may not point at the OpenAI API.'],
  ])('%s → realtime_api_error invalid_response', async (_, location, why) => {
    api.answer(created(location));
    const error = await failure(createCall({ apiKey: KEY, baseUrl: api.baseUrl, sdp: OFFER }));
    expect(error).toMatchObject({ code: 'realtime_api_error', message: `Failed to create the call: OpenAI answered 201 but ${why}`, data: { status: 201, apiCode: null, reason: 'invalid_response' } });
  });

  it('an answer that is not SDP (JSON, HTML) → invalid_response; an offer that is not SDP → invalid_options before any request', async () => {
    api.answer(() => ({ status: 201, body: '{"sdp":"v=0"}', headers: { location: '/v1/realtime/calls/rtc_1' } }));
    expect(await failure(createCall({ apiKey: KEY, baseUrl: api.baseUrl, sdp: OFFER }))).toMatchObject({
      message: 'Failed to create the call: OpenAI answered 201 but its answer is not an SDP description. Please check the base URL: it may not point at the OpenAI API.',
      data: { reason: 'invalid_response' },
    });
    api.requests.length = 0;
    for (const sdp of ['', 'hello', 42]) {
      expect(await failure(createCall({ apiKey: KEY, baseUrl: api.baseUrl, sdp: sdp as string }))).toMatchObject({ code: 'invalid_options' });
    }
    expect(api.requests).toHaveLength(0);
  });

  it('400 from OpenAI (a bad session) → its message and code', async () => {
    api.answer(() => ({ status: 400, body: JSON.stringify({ error: { message: "Unknown parameter: 'session.temperature'.", type: 'invalid_request_error', code: 'unknown_parameter' } }) }));
    const error = await failure(createCall({ apiKey: KEY, baseUrl: api.baseUrl, sdp: OFFER, session: { model: 'gpt-realtime' } }));
    expect(error.message).toBe("Failed to create the call: OpenAI answered 400 (unknown_parameter): Unknown parameter: 'session.temperature'. Please check the request (the session config, the SDP, the call id).");
  });
});

describe('callIdFromLocation', () => {
  it('takes the last path segment of a relative or absolute Location', () => {
    expect(callIdFromLocation('/v1/realtime/calls/rtc_abc')).toBe('rtc_abc');
    expect(callIdFromLocation('https://api.openai.com/v1/realtime/calls/rtc_abc?x=1#y')).toBe('rtc_abc');
    expect(callIdFromLocation(' /v1/realtime/calls/rtc_abc/ ')).toBe('rtc_abc');
  });

  it('refuses an absent or garbled Location without quoting it', () => {
    for (const location of [null, undefined, '', '/', '/v1/realtime/calls/', '/v1/realtime/rtc_abc', '/calls/%2E%2E', `/calls/${'a'.repeat(129)}`, '/calls/rtc_1;rm']) {
      let error: unknown;
      try {
        callIdFromLocation(location);
      } catch (e) {
        error = e;
      }
      expect(error, String(location)).toMatchObject({ code: 'realtime_api_error', data: { status: null, reason: 'invalid_response' } });
      expect((error as Error).message).toMatch(/^Failed to read the call id: the (answer has no Location header|Location header does not end with calls\/<call id>)\. Please/);
    }
  });
});

describe('call control', () => {
  it('acceptCall: POST /realtime/calls/{id}/accept with the session as JSON, typed realtime', async () => {
    api.answer(() => ({ status: 200 }));
    await acceptCall({ apiKey: KEY, baseUrl: api.baseUrl, callId: 'rtc_sip1', session: { model: 'gpt-realtime', instructions: 'Answer the phone.' } });
    const [sent] = api.requests;
    expect(sent).toMatchObject({ method: 'POST', path: '/v1/realtime/calls/rtc_sip1/accept' });
    expect(sent!.headers).toMatchObject({ authorization: `Bearer ${KEY}`, 'content-type': 'application/json' });
    expect(JSON.parse(sent!.body.toString())).toEqual({ type: 'realtime', model: 'gpt-realtime', instructions: 'Answer the phone.' });
  });

  it('rejectCall: { status_code } when given, {} otherwise; a code outside 400–699 refused', async () => {
    api.answer(() => ({ status: 200 }));
    await rejectCall({ apiKey: KEY, baseUrl: api.baseUrl, callId: 'rtc_sip1', statusCode: 486 });
    await rejectCall({ apiKey: KEY, baseUrl: api.baseUrl, callId: 'rtc_sip1' });
    expect(api.requests.map((r) => [r.path, r.headers['content-type'], r.body.toString()])).toEqual([
      ['/v1/realtime/calls/rtc_sip1/reject', 'application/json', '{"status_code":486}'],
      ['/v1/realtime/calls/rtc_sip1/reject', 'application/json', '{}'],
    ]);
    for (const statusCode of [200, 700, 486.5, '486']) {
      expect(await failure(rejectCall({ apiKey: KEY, baseUrl: api.baseUrl, callId: 'rtc_sip1', statusCode: statusCode as number }))).toMatchObject({ code: 'invalid_options' });
    }
    expect(api.requests).toHaveLength(2);
  });

  it('referCall: { target_uri } for tel: and sip:; anything else refused', async () => {
    api.answer(() => ({ status: 200 }));
    await referCall({ apiKey: KEY, baseUrl: api.baseUrl, callId: 'rtc_sip1', targetUri: 'tel:+14155550123' });
    await referCall({ apiKey: KEY, baseUrl: api.baseUrl, callId: 'rtc_sip1', targetUri: 'sip:agent@example.com' });
    expect(api.requests.map((r) => [r.path, JSON.parse(r.body.toString())])).toEqual([
      ['/v1/realtime/calls/rtc_sip1/refer', { target_uri: 'tel:+14155550123' }],
      ['/v1/realtime/calls/rtc_sip1/refer', { target_uri: 'sip:agent@example.com' }],
    ]);
    for (const targetUri of ['http://example.com', 'tel:', 'tel:+1 415', '']) {
      expect(await failure(referCall({ apiKey: KEY, baseUrl: api.baseUrl, callId: 'rtc_sip1', targetUri }))).toMatchObject({ code: 'invalid_options' });
    }
    expect(api.requests).toHaveLength(2);
  });

  it('hangupCall: POST /realtime/calls/{id}/hangup with no body; a 404 says the call may have ended', async () => {
    api.answer(() => ({ status: 200 }));
    await hangupCall({ apiKey: KEY, baseUrl: api.baseUrl, callId: 'rtc_abc' });
    const [sent] = api.requests;
    expect(sent).toMatchObject({ method: 'POST', path: '/v1/realtime/calls/rtc_abc/hangup' });
    expect(sent!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent!.headers['content-type']).toBeUndefined();
    expect(sent!.body.length).toBe(0);

    api.answer(() => ({ status: 404, body: JSON.stringify({ error: { message: 'No session found for the provided call_id', code: 'call_id_not_found' } }) }));
    expect((await failure(hangupCall({ apiKey: KEY, baseUrl: api.baseUrl, callId: 'rtc_gone' }))).message).toBe(
      'Failed to hang up call rtc_gone: OpenAI answered 404 (call_id_not_found): No session found for the provided call_id. Please check the call id: the call may have ended or never existed.',
    );
  });

  it.each(['../../v1/files', 'rtc_1/../../admin', 'rtc_1?x=1', 'rtc_1#x', 'rtc%2F1', 'rtc 1', '\nrtc_1', '', 'a'.repeat(129), 42, null, { toString: () => 'rtc_1' }])(
    'a hostile call id %j is refused before any request, by every control call',
    async (callId) => {
      const base = { apiKey: KEY, baseUrl: api.baseUrl, callId: callId as string };
      for (const attempt of [
        () => acceptCall({ ...base, session: { model: 'gpt-realtime' } }),
        () => rejectCall(base),
        () => referCall({ ...base, targetUri: 'tel:+1' }),
        () => hangupCall(base),
      ]) {
        const error = await failure(attempt());
        expect(error.code).toBe('invalid_options');
        expect(error.message).toMatch(/^Failed to (accept|reject|transfer|hang up) the call: the call id is .+\. Please pass the id from the webhook or from createCall \(rtc_…\)\.$/);
        if (typeof callId === 'string' && callId.length > 2) expect(error.message).not.toContain(callId);
      }
      expect(api.requests).toHaveLength(0);
    },
  );
});
