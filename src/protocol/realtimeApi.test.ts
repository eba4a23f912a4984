/**
 * realtimeApiRequest, the helper under every Realtime REST call, against a real HTTP server on
 * 127.0.0.1: the request it sends, OpenAI's error answers as messages, timeouts, aborts, network
 * failures, oversized and redirected answers; and no key in any error.
 */
import { describe, expect, it } from 'vitest';
import { expectNoSecret } from '../../test/support/expectNoSecret.js';
import { startFakeOpenAiApi, useFakeOpenAiApi } from '../../test/support/fakeOpenAiApi.js';
import { ProxyError } from '../errors.js';
import { REDACTED, Redactor } from '../redaction/index.js';
import { MAX_REALTIME_API_ANSWER_BYTES, realtimeApiRequest, realtimeApiUrl, type RealtimeApiErrorData } from './realtimeApi.js';

const KEY = 'sk-test-key';
const request = { action: 'do the thing', path: '/realtime/thing', body: '{"a":1}', contentType: 'application/json' };

const api = useFakeOpenAiApi();

/** The error a call throws, checked to be the one shape, with no key anywhere in it. */
async function failure(promise: Promise<unknown>, keys: string[] = [KEY]): Promise<ProxyError<RealtimeApiErrorData>> {
  const error = await promise.then(
    () => expect.fail('it resolved'),
    (thrown: unknown) => thrown,
  );
  expect(ProxyError.isInstance(error)).toBe(true);
  expectNoSecret(error, keys);
  return error as ProxyError<RealtimeApiErrorData>;
}

describe('realtimeApiRequest', () => {
  it('sends a POST to the base URL + path with the bearer key, content type and body; trailing slashes and the query kept right', async () => {
    api.answer(() => ({ status: 200, body: '{"ok":true}', headers: { 'content-type': 'application/json' } }));
    const answer = await realtimeApiRequest({ apiKey: KEY, baseUrl: `${api.baseUrl}///` }, { ...request, accept: 'application/json' });
    expect(answer).toMatchObject({ status: 200, text: '{"ok":true}' });
    expect(api.requests).toHaveLength(1);
    const [sent] = api.requests;
    expect(sent).toMatchObject({ method: 'POST', path: '/v1/realtime/thing' });
    expect(sent!.headers).toMatchObject({ authorization: `Bearer ${KEY}`, 'content-type': 'application/json', accept: 'application/json' });
    expect(sent!.body.toString()).toBe('{"a":1}');
    expect(realtimeApiUrl('https://x.example/openai/v1/?api-version=1', '/realtime/calls').href).toBe('https://x.example/openai/v1/realtime/calls?api-version=1');
    expect(realtimeApiUrl(undefined, '/realtime/calls').href).toBe('https://api.openai.com/v1/realtime/calls');
  });

  it('asks a key function once per request, registers its value, and sends api-key when told', async () => {
    api.answer(() => ({ status: 200 }));
    const redactor = new Redactor();
    let asked = 0;
    const apiKey = async () => {
      asked++;
      return 'sk-from-function';
    };
    await realtimeApiRequest({ apiKey, baseUrl: api.baseUrl, redactor, authentication: 'api-key' }, request);
    expect(asked).toBe(1);
    expect(api.requests[0]!.headers['api-key']).toBe('sk-from-function');
    expect(api.requests[0]!.headers.authorization).toBeUndefined();
    expect(redactor.text('key sk-from-function')).toBe(`key ${REDACTED}`);
  });

  it.each([
    [401, '{"error":{"message":"Incorrect API key provided: sk-test-key.","type":"invalid_request_error","code":"invalid_api_key"}}', `Failed to do the thing: OpenAI answered 401 (invalid_api_key): Incorrect API key provided: ${REDACTED}. Please check the API key (a standard OpenAI key; an ek_ client secret cannot call this).`],
    [400, '{"error":{"message":"Invalid value for session.audio.output.voice.","type":"invalid_request_error","code":null}}', 'Failed to do the thing: OpenAI answered 400 (invalid_request_error): Invalid value for session.audio.output.voice. Please check the request (the session config, the SDP, the call id).'],
    [500, '<html>upstream\n exploded</html>', 'Failed to do the thing: OpenAI answered 500: <html>upstream exploded</html>. Please try again later (OpenAI failed on its side).'],
    [503, '', 'Failed to do the thing: OpenAI answered 503: no error message. Please try again later (OpenAI failed on its side).'],
    [429, '{"error":{"message":"Rate limit reached","code":"rate_limit_exceeded"}}', 'Failed to do the thing: OpenAI answered 429 (rate_limit_exceeded): Rate limit reached. Please wait and try again (rate limit or quota).'],
  ])('an answer %i becomes one realtime_api_error with the API code and the redacted message', async (status, body, message) => {
    api.answer(() => ({ status, body }));
    const error = await failure(realtimeApiRequest({ apiKey: KEY, baseUrl: api.baseUrl }, request));
    expect(error.code).toBe('realtime_api_error');
    expect(error.message).toBe(message);
    expect(error.data).toEqual({ status, apiCode: message.match(/\(([a-z_]+)\):/)?.[1] ?? null, reason: 'status' });
  });

  it('a 404 takes the advice the endpoint gives', async () => {
    api.answer(() => ({ status: 404, body: '{"error":{"message":"No call rtc_1","code":"not_found"}}' }));
    const error = await failure(realtimeApiRequest({ apiKey: KEY, baseUrl: api.baseUrl }, { ...request, advice: { 404: 'check the call id' } }));
    expect(error.message).toBe('Failed to do the thing: OpenAI answered 404 (not_found): No call rtc_1. Please check the call id.');
  });

  it('an error message that echoes a key function value or a secret in the base URL is redacted before it is clipped', async () => {
    const longKey = `sk-fn-${'k'.repeat(10)}`;
    api.answer(() => ({ status: 401, body: JSON.stringify({ error: { message: `${'x'.repeat(290)} ${longKey} and token=url-secret-value` } }) }));
    const error = await failure(realtimeApiRequest({ apiKey: () => longKey, baseUrl: `${api.baseUrl}?token=url-secret-value` }, request), [longKey, 'url-secret-value', 'sk-fn-']);
    expect(error.message).toContain('…');
  });

  it('no answer within timeoutMs (no headers, or a body that stops) → reason timeout', async () => {
    api.answer(() => ({ hang: 'headers' }));
    const noHeaders = await failure(realtimeApiRequest({ apiKey: KEY, baseUrl: api.baseUrl, timeoutMs: 150 }, request));
    expect(noHeaders.message).toBe('Failed to do the thing: OpenAI did not answer within 150 ms. Please try again, or raise `timeoutMs`.');
    expect(noHeaders.data).toEqual({ status: null, apiCode: null, reason: 'timeout' });
    api.answer(() => ({ hang: 'body', status: 201 }));
    const stalledBody = await failure(realtimeApiRequest({ apiKey: KEY, baseUrl: api.baseUrl, timeoutMs: 150 }, request));
    expect(stalledBody.data?.reason).toBe('timeout');
  });

  it("the caller's signal: aborted before → nothing is sent; aborted during → reason aborted", async () => {
    const before = new AbortController();
    before.abort(new Error('host gave up'));
    const early = await failure(realtimeApiRequest({ apiKey: KEY, baseUrl: api.baseUrl, signal: before.signal }, request));
    expect(early.data?.reason).toBe('aborted');
    expect(api.requests).toHaveLength(0);

    const during = new AbortController();
    api.answer(() => {
      during.abort();
      return { hang: 'headers' };
    });
    const late = await failure(realtimeApiRequest({ apiKey: KEY, baseUrl: api.baseUrl, signal: during.signal }, request));
    expect(late.message).toBe('Failed to do the thing: it was aborted. Please send it again if it is still needed.');
    expect(late.data?.reason).toBe('aborted');
  });

  it('a key function that never returns is held to the deadline, and to the caller\'s signal; nothing is sent', async () => {
    const never = () => new Promise<string>(() => undefined);
    const slow = await failure(realtimeApiRequest({ apiKey: never, baseUrl: api.baseUrl, timeoutMs: 100 }, request));
    expect(slow.message).toBe('Failed to do the thing: the API key function did not return within 100 ms. Please check the function that returns the key.');
    expect(slow.data).toEqual({ status: null, apiCode: null, reason: 'timeout' });
    const controller = new AbortController();
    const pending = failure(realtimeApiRequest({ apiKey: never, baseUrl: api.baseUrl, signal: controller.signal }, request));
    controller.abort();
    expect((await pending).data?.reason).toBe('aborted');
    expect(api.requests).toHaveLength(0);
  });

  it('a connection dropped or refused → reason network, naming what happened and the origin', async () => {
    api.answer(() => ({ destroy: true }));
    const dropped = await failure(realtimeApiRequest({ apiKey: KEY, baseUrl: api.baseUrl }, request));
    expect(dropped.data).toEqual({ status: null, apiCode: null, reason: 'network' });
    expect(dropped.message).toMatch(/^Failed to do the thing: the request did not reach OpenAI \(.+\)\. Please check the network and the base URL http:\/\/127\.0\.0\.1:\d+\.$/);

    const closed = await startFakeOpenAiApi();
    await closed.close();
    const refused = await failure(realtimeApiRequest({ apiKey: KEY, baseUrl: closed.baseUrl }, request));
    expect(refused.message).toContain('(ECONNREFUSED)');
  });

  it('a redirect is not followed (the key would travel on) and an answer over the size cap is refused', async () => {
    api.answer(() => ({ status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' } }));
    expect((await failure(realtimeApiRequest({ apiKey: KEY, baseUrl: api.baseUrl }, request))).data?.reason).toBe('network');
    expect(api.requests).toHaveLength(1);

    api.answer(() => ({ status: 200, body: 'x'.repeat(MAX_REALTIME_API_ANSWER_BYTES + 1) }));
    const large = await failure(realtimeApiRequest({ apiKey: KEY, baseUrl: api.baseUrl }, request));
    expect(large.message).toBe(`Failed to do the thing: OpenAI answered 200 with more than ${MAX_REALTIME_API_ANSWER_BYTES} bytes. Please check the base URL.`);
    expect(large.data).toEqual({ status: 200, apiCode: null, reason: 'invalid_response' });
  });

  it('a key function that throws → reason api_key with the cause redacted; an empty key, a bad base URL or timeout → invalid_options; nothing sent', async () => {
    const thrown = await failure(
      realtimeApiRequest(
        {
          apiKey: () => {
            throw new Error('vault said no');
          },
          baseUrl: api.baseUrl,
        },
        request,
      ),
    );
    expect(thrown.message).toBe('Failed to do the thing: the API key function threw. Please check the function that returns the key.');
    expect(thrown.data?.reason).toBe('api_key');
    expect(String(thrown.cause)).toBe('Error: vault said no');
    await expect(realtimeApiRequest({ apiKey: '  ', baseUrl: api.baseUrl }, request)).rejects.toMatchObject({ code: 'invalid_options', message: expect.stringContaining('the API key is empty') });
    await expect(realtimeApiRequest({ apiKey: KEY, baseUrl: 'ftp://x/v1' }, request)).rejects.toMatchObject({ code: 'invalid_options', message: expect.stringContaining('it is ftp:, not http: or https:') });
    await expect(realtimeApiRequest({ apiKey: KEY, baseUrl: 'not a url?key=sk-test-key' }, request)).rejects.toMatchObject({ code: 'invalid_options', message: expect.not.stringContaining(KEY) });
    await expect(realtimeApiRequest({ apiKey: KEY, baseUrl: api.baseUrl, timeoutMs: 0 }, request)).rejects.toMatchObject({ code: 'invalid_options' });
    expect(api.requests).toHaveLength(0);
  });
});
