/**
 * createClientSecret against a real HTTP server on 127.0.0.1: the exact request, the answer read
 * and checked (an `ek_` value, a numeric `expires_at`), options refused before any request, and
 * neither the key nor an `ek_` value in any error.
 */
import { describe, expect, it } from 'vitest';
import { expectNoSecret } from '../../test/support/expectNoSecret.js';
import { useFakeOpenAiApi } from '../../test/support/fakeOpenAiApi.js';
import { ProxyError } from '../errors.js';
import { REDACTED, Redactor } from '../redaction/index.js';
import { createClientSecret } from './clientSecrets.js';

const KEY = 'sk-test-key';
const EK = 'ek_test123';

const api = useFakeOpenAiApi();

const session = { model: 'gpt-realtime', instructions: 'Be brief.', audio: { output: { voice: 'marin' as const } } };

describe('createClientSecret', () => {
  it('POSTs /realtime/client_secrets with the key, expires_after and the session typed realtime; returns value, expiresAt, session; registers the ek_ value', async () => {
    const stored = { type: 'realtime', object: 'realtime.session', id: 'sess_1', model: 'gpt-realtime' };
    api.answer(() => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: EK, expires_at: 1756310470, session: stored }) }));
    const redactor = new Redactor();
    const secret = await createClientSecret({ apiKey: KEY, baseUrl: api.baseUrl, session, expiresAfterSeconds: 120, redactor });
    expect(secret).toEqual({ value: EK, expiresAt: 1756310470, session: stored });
    expect(api.requests).toHaveLength(1);
    const [sent] = api.requests;
    expect(sent).toMatchObject({ method: 'POST', path: '/v1/realtime/client_secrets' });
    expect(sent!.headers).toMatchObject({ authorization: `Bearer ${KEY}`, 'content-type': 'application/json', accept: 'application/json' });
    expect(JSON.parse(sent!.body.toString())).toEqual({
      expires_after: { anchor: 'created_at', seconds: 120 },
      session: { type: 'realtime', model: 'gpt-realtime', instructions: 'Be brief.', audio: { output: { voice: 'marin' } } },
    });
    expect(redactor.text(`${KEY} ${EK}`)).toBe(`${REDACTED} ${REDACTED}`);
  });

  it('expires after 600 s unless told; `type: realtime` given is kept; an answer without session leaves it out', async () => {
    api.answer(() => ({ status: 200, body: JSON.stringify({ value: EK, expires_at: 1 }) }));
    expect(await createClientSecret({ apiKey: KEY, baseUrl: api.baseUrl, session: { type: 'realtime', model: 'gpt-realtime' } })).toEqual({ value: EK, expiresAt: 1 });
    expect(JSON.parse(api.requests[0]!.body.toString())).toEqual({ expires_after: { anchor: 'created_at', seconds: 600 }, session: { type: 'realtime', model: 'gpt-realtime' } });
  });

  it.each([9, 7201, 60.5, Number.NaN, '60'])('expiresAfterSeconds %s is refused before any request', async (seconds) => {
    const error = await createClientSecret({ apiKey: KEY, baseUrl: api.baseUrl, session, expiresAfterSeconds: seconds as number }).catch((e: unknown) => e as ProxyError);
    expect(error).toMatchObject({ code: 'invalid_options', message: `Failed to create the client secret: expiresAfterSeconds is ${String(seconds)}. Please pass a whole number of seconds from 10 to 7200.` });
    expect(api.requests).toHaveLength(0);
  });

  it('a session that is not an object, names another type, or is not JSON is refused before any request', async () => {
    const cyclic: Record<string, unknown> = { model: 'gpt-realtime' };
    cyclic.self = cyclic;
    for (const [bad, why] of [
      [null, 'the session is null'],
      [[], 'the session is an array'],
      [{ type: 'transcription' }, `the session's type is "transcription"`],
      [cyclic, 'the session cannot be written as JSON'],
    ] as const) {
      await expect(createClientSecret({ apiKey: KEY, baseUrl: api.baseUrl, session: bad as never })).rejects.toMatchObject({ code: 'invalid_options', message: expect.stringContaining(why) });
    }
    expect(api.requests).toHaveLength(0);
  });

  it.each([
    ['not JSON', `{"value":"${EK}"`, 'its answer is not JSON'],
    ['not an object', `["${EK}"]`, 'its answer is not a JSON object'],
    ['no value', '{"expires_at":1}', 'its answer has no string `value`'],
    ['a value that is not ek_', '{"value":"sk-not-an-ek-value","expires_at":1}', 'its `value` is not an ek_ key'],
    ['no expires_at', `{"value":"${EK}"}`, 'its answer has no numeric `expires_at`'],
    ['a string expires_at', `{"value":"${EK}","expires_at":"soon"}`, 'its answer has no numeric `expires_at`'],
  ])('a 200 answer with %s → realtime_api_error invalid_response, never quoting the answer', async (_, body, why) => {
    api.answer(() => ({ status: 200, body }));
    const error = (await createClientSecret({ apiKey: KEY, baseUrl: api.baseUrl, session }).catch((e: unknown) => e)) as ProxyError;
    expect(ProxyError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'realtime_api_error',
      message: `Failed to create the client secret: OpenAI answered 200 but ${why}. Please check the base URL: it may not point at the OpenAI API.`,
      data: { status: 200, apiCode: null, reason: 'invalid_response' },
    });
    expectNoSecret(error, [KEY, EK, 'sk-not-an-ek-value']);
  });

  it('401 from OpenAI → the message says so with its code, and holds neither key', async () => {
    api.answer(() => ({ status: 401, body: JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY}`, code: 'invalid_api_key' } }) }));
    const error = (await createClientSecret({ apiKey: KEY, baseUrl: api.baseUrl, session }).catch((e: unknown) => e)) as ProxyError;
    expect(error).toMatchObject({ code: 'realtime_api_error', data: { status: 401, apiCode: 'invalid_api_key', reason: 'status' } });
    expect(error.message).toBe(`Failed to create the client secret: OpenAI answered 401 (invalid_api_key): Incorrect API key provided: ${REDACTED}. Please check the API key (a standard OpenAI key; an ek_ client secret cannot call this).`);
    expectNoSecret(error, [KEY]);
  });
});
