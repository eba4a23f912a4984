import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Redactor } from './redactor.js';
import { redactUrl } from './redactUrl.js';
import { findSecrets } from './secretPatterns.js';

const apiKey = 'sk-proj-AbCdEfGhIjKlMnOpQrStU';
const clientSecret = 'ek_68af2b7c4d1e90a5b3c2d1';
const bearer = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';

/** Every string inside a JSON value (keys excluded). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(strings);
  return [];
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

describe('new Redactor().headers', () => {
  it('replaces the values of denied headers, whatever their case, and lower-cases every name', () => {
    const redactor = new Redactor();
    const out = redactor.headers({
      Authorization: 'Basic dXNlcjpwYXNzd29yZA==',
      'Proxy-Authorization': 'Basic cHJveHk6cHc=',
      Cookie: 'session=abc123',
      'SET-COOKIE': 'id=42; HttpOnly',
      'X-Api-Key': 'plain-key-value',
      'api-key': 'azure-key-value',
      'OpenAI-Organization': 'org-123456',
      'openai-project': 'proj_abc',
      'Content-Type': 'application/json',
      'Mcp-Session-Id': '1868a90c-7f4e-4c38-9a8e-1e6c1d5c3a77',
    });
    expect(out).toStrictEqual({
      authorization: '<redacted>',
      'proxy-authorization': '<redacted>',
      cookie: '<redacted>',
      'set-cookie': '<redacted>',
      'x-api-key': '<redacted>',
      'api-key': '<redacted>',
      'openai-organization': '<redacted>',
      'openai-project': '<redacted>',
      'content-type': 'application/json',
      'mcp-session-id': '1868a90c-7f4e-4c38-9a8e-1e6c1d5c3a77',
    });
  });

  it('does not deny headers that merely contain a denied name', () => {
    const out = new Redactor().headers({ 'x-authorization-hint': 'none', 'my-openai-thing': 'ok', cookies: 'plural' });
    expect(out).toStrictEqual({ 'x-authorization-hint': 'none', 'my-openai-thing': 'ok', cookies: 'plural' });
  });

  it('denies headers named like credentials by their last word', () => {
    const out = new Redactor().headers({ 'X-Mcp-Token': 'v1', 'X-Amz-Security-Token': 'v2', 'X-Client-Secret': 'v3', 'Mcp-Session-Id': 'kept', 'WWW-Authenticate': 'Basic realm="x"' });
    expect(out).toStrictEqual({ 'x-mcp-token': '<redacted>', 'x-amz-security-token': '<redacted>', 'x-client-secret': '<redacted>', 'mcp-session-id': 'kept', 'www-authenticate': 'Basic realm="x"' });
  });

  it('redacts key patterns and exact secrets inside allowed headers', () => {
    const redactor = new Redactor(['mcp-token-1234']);
    const out = redactor.headers({ 'x-debug': `key=${apiKey} token=mcp-token-1234`, referer: `https://x/?auth=Bearer ${bearer}` });
    expect(out?.['x-debug']).toBe('key=<redacted:api-key> token=<redacted>');
    expect(out?.referer).toBe('https://x/?auth=<redacted> <redacted>');
  });

  it('gives undefined for undefined, and a new object otherwise', () => {
    const redactor = new Redactor();
    expect(redactor.headers(undefined)).toBeUndefined();
    const input = { accept: 'text/event-stream' };
    const out = redactor.headers(input);
    expect(out).toStrictEqual(input);
    expect(out).not.toBe(input);
  });
});

describe('new Redactor().text', () => {
  const redactor = new Redactor();
  const text = (input: string) => redactor.text(input);

  it('replaces OpenAI API keys (sk-…), client secrets (ek_…) and bearer tokens', () => {
    expect(text(`key ${apiKey}.`)).toBe('key <redacted:api-key>.');
    expect(text(`secret "${clientSecret}"`)).toBe('secret "<redacted:client-secret>"');
    expect(text(`Authorization: Bearer ${bearer}, next`)).toBe('Authorization: Bearer <redacted>, next');
  });

  it('replaces every occurrence, not just the first', () => {
    expect(text(`${apiKey} and ${apiKey}`)).toBe('<redacted:api-key> and <redacted:api-key>');
    expect(text(`Bearer a1 Bearer b2`)).toBe('Bearer <redacted> Bearer <redacted>');
  });

  it('leaves strings that only look a bit like keys', () => {
    for (const harmless of ['sk-short', 'ek_short_value', 'task-list-of-things', 'Bearer', 'the bearer of news', 'desk-AbCdEf']) {
      expect(text(harmless)).toBe(harmless);
    }
  });

  it('does not redact an already redacted bearer token again (idempotent)', () => {
    const once = text(`Bearer ${bearer} and Bearer ${apiKey}`);
    expect(once).toBe('Bearer <redacted> and Bearer <redacted:api-key>');
    expect(text(once)).toBe(once);
  });

  it('is the same from one call to the next (the global patterns keep no state)', () => {
    const input = `x ${apiKey} y`;
    expect(text(input)).toBe(text(input));
    expect(findSecrets(input)).toHaveLength(1);
    expect(findSecrets(input)).toHaveLength(1);
  });
});

describe('Redactor: known secrets', () => {
  it('replaces an exact secret wherever it appears in a string', () => {
    const redactor = new Redactor(['hunter22']);
    const text = (input: string) => redactor.text(input);
    expect(text('note hunter22;again hunter22')).toBe('note <redacted>;again <redacted>');
  });

  it('replaces a secret JSON-escaped or percent-encoded as well', () => {
    const redactor = new Redactor(['pa"ss/word 1']);
    expect(redactor.text(JSON.stringify({ said: 'the pa"ss/word 1!' }))).toBe('{"said":"the <redacted>!"}');
    expect(redactor.text(`https://x/?q=${encodeURIComponent('pa"ss/word 1')}`)).toBe('https://x/?q=<redacted>');
  });

  it('knows a secret from the moment it is added, and a linked redactor learns it too', () => {
    const recorder = new Redactor();
    const session = new Redactor(['first-secret']).link(recorder);
    expect(recorder.text('first-secret')).toBe('<redacted>');
    expect(session.text('later-secret')).toBe('later-secret');
    session.add('later-secret');
    expect([session.text('later-secret'), recorder.text('later-secret')]).toEqual(['<redacted>', '<redacted>']);
    expect(session.size).toBe(2);
  });

  it('does not keep a linked redactor alive: a request\'s redactor (and the page key it knows) goes with its request, not with serve', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const server = new Redactor(['server-secret']);
    const collected: string[] = [];
    const finalized = new FinalizationRegistry<string>((name) => collected.push(name));
    (() => {
      const request = new Redactor(['sk-page-key-77']);
      server.link(request);
      finalized.register(request, 'request');
    })();
    for (let i = 0; i < 20 && collected.length === 0; i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(collected).toEqual(['request']);
    // A linked redactor still alive keeps learning.
    const kept = new Redactor();
    server.link(kept).add('later-secret');
    expect(kept.text('later-secret')).toBe('<redacted>');
  });

  it('registers the credentials of a URL and the values of headers (whole and past the scheme word)', () => {
    const redactor = new Redactor().addUrl('https://bot:pw-in-url@mcp.example.com/mcp?tenant=acme&api_key=key-in-url').addHeaders({ Authorization: 'Bearer header-token', 'X-Team': 'team-blue' });
    expect(redactor.scrub('pw-in-url key-in-url header-token team-blue acme')).toBe('<redacted> <redacted> <redacted> <redacted> acme');
  });

  it('never registers a piece of a marker (the marker would be shredded)', () => {
    const redactor = new Redactor(['redacted', 'api-key']);
    expect(redactor.size).toBe(0);
    expect(redactor.text('Bearer abcdef')).toBe('Bearer <redacted>');
  });

  it('replaces the longest secret first, so a secret containing another goes whole', () => {
    const redactor = new Redactor(['abcd', 'abcdefgh']);
    const text = (input: string) => redactor.text(input);
    expect(text('x abcdefgh y abcd')).toBe('x <redacted> y <redacted>');
    // Same result whatever order the host listed them in.
    expect(new Redactor(['abcdefgh', 'abcd']).text('x abcdefgh y abcd')).toBe('x <redacted> y <redacted>');
  });

  it('ignores secrets shorter than 4 characters (they would shred ordinary text)', () => {
    const redactor = new Redactor(['', 'a', 'ab', 'the']);
    const text = (input: string) => redactor.text(input);
    expect(text('the cat ate a banana')).toBe('the cat ate a banana');
  });

  it('treats secrets as plain text, not as regular expressions', () => {
    const redactor = new Redactor(['a.b*c+']);
    const text = (input: string) => redactor.text(input);
    expect(text('aXbbbc a.b*c+')).toBe('aXbbbc <redacted>');
  });
});

describe('Redactor.value', () => {
  it('keeps a bare `token` field: transcription logprobs carry words there', () => {
    const event = { type: 'conversation.item.input_audio_transcription.delta', delta: 'hi', logprobs: [{ token: 'hi', logprob: -0.1, bytes: [104, 105] }] };
    expect(new Redactor().value(event)).toStrictEqual(event);
  });

  it('redacts string values under secret JSON paths', () => {
    const redactor = new Redactor();
    const out = redactor.value({
      client_secret: { value: 'not-a-pattern-1', expires_at: 1756000000 },
      session: { client_secret: 'not-a-pattern-2' },
      oauth: { access_token: 'opaque-1', refresh_token: 'opaque-2', token: 'opaque-3', api_key: 'opaque-4' },
      headers: { authorization: 'Basic Zm9vOmJhcg==' },
    });
    expect(out).toStrictEqual({
      client_secret: { value: '<redacted>', expires_at: 1756000000 },
      session: { client_secret: '<redacted>' },
      oauth: { access_token: '<redacted>', refresh_token: '<redacted>', token: 'opaque-3', api_key: '<redacted>' },
      headers: { authorization: '<redacted>' },
    });
  });

  it('matches path rules as suffixes only: `value` alone, or a key containing a rule name, is kept', () => {
    const redactor = new Redactor();
    const input = { value: 'plain', item: { value: 'kept' }, access_token_expires_in: 'soon', tokens: 'many', my_token: 'mine', total_tokens: 12 };
    expect(redactor.value(input)).toStrictEqual(input);
  });

  it('redacts every string of an array under a secret path, and keeps non-strings', () => {
    const out = new Redactor().value({ access_token: ['one', 'two'], token: 42, api_key: null, refresh_token: true });
    expect(out).toStrictEqual({ access_token: ['<redacted>', '<redacted>'], token: 42, api_key: null, refresh_token: true });
  });

  it('finds key patterns in any string at any depth, arrays included', () => {
    const out = new Redactor().value({
      type: 'response.function_call_arguments.done',
      arguments: JSON.stringify({ key: apiKey }),
      deep: [[{ note: `use ${clientSecret}` }], [`Bearer ${bearer}`]],
    });
    expect(out).toStrictEqual({
      type: 'response.function_call_arguments.done',
      arguments: JSON.stringify({ key: '<redacted:api-key>' }),
      deep: [[{ note: 'use <redacted:client-secret>' }], ['Bearer <redacted>']],
    });
  });

  it('replaces exact secrets inside values', () => {
    const out = new Redactor(['mcp-oauth-token-xyz']).value({ result: { content: [{ type: 'text', text: 'token is mcp-oauth-token-xyz' }] } });
    expect(out).toStrictEqual({ result: { content: [{ type: 'text', text: 'token is <redacted>' }] } });
  });

  it('returns the very value when nothing needs redacting (copy on write), without touching the input', () => {
    const input = deepFreeze({
      type: 'response.done',
      event_id: 'event_abc',
      response: { id: 'resp_1', output: [{ type: 'function_call', name: 'echo', arguments: '{"x":1}' }], usage: { total_tokens: 10 } },
      flags: [true, false, null, 1.5],
    });
    expect(new Redactor().value(input)).toBe(input);
  });

  it('copies only the branches it changes', () => {
    const input = deepFreeze({ kept: { a: 1 }, changed: { note: `k ${apiKey}` } });
    const out = new Redactor().value(input);
    expect(out).toStrictEqual({ kept: { a: 1 }, changed: { note: 'k <redacted:api-key>' } });
    expect(out.kept).toBe(input.kept);
  });

  it('does not mutate the input when it redacts', () => {
    const input = { client_secret: { value: 'x-secret' }, note: `k=${apiKey}` };
    const snapshot = structuredClone(input);
    new Redactor().value(input);
    expect(input).toStrictEqual(snapshot);
  });

  it('passes primitives through', () => {
    const redactor = new Redactor();
    expect(redactor.value(42)).toBe(42);
    expect(redactor.value(null)).toBeNull();
    expect(redactor.value(`x ${apiKey}`)).toBe('x <redacted:api-key>');
  });

  it('keeps a "__proto__" key of parsed JSON as data, in the copy', () => {
    const input = JSON.parse('{"__proto__":{"note":"kept"},"a":1}') as Record<string, unknown>;
    const out = new Redactor().value(input);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"note":"kept"},"a":1}');
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});

describe('Redactor.scrub: what the model gets', () => {
  it('removes known secrets and key shapes, and leaves URLs and parameters as they are', () => {
    const redactor = new Redactor(['known-token-1']);
    const answer = `see https://docs.example.com/?code=42&key=public#top, token known-token-1, header Bearer ${bearer}, ${apiKey}`;
    expect(redactor.scrub(answer)).toBe('see https://docs.example.com/?code=42&key=public#top, token <redacted>, header Bearer <redacted>, <redacted:api-key>');
    expect(redactor.text(answer)).toBe('see https://docs.example.com/?code=<redacted>&key=<redacted>#top, token <redacted>, header Bearer <redacted>, <redacted:api-key>');
  });

  it('scrubValue walks a tool result, copying only what changes', () => {
    const result = deepFreeze({ content: [{ type: 'text', text: 'authorization: Bearer known-token-1' }, { type: 'text', text: 'fine' }], structuredContent: { url: 'https://x/?token=t' } });
    const out = new Redactor(['known-token-1']).scrubValue(result);
    expect(out).toStrictEqual({ content: [{ type: 'text', text: 'authorization: Bearer <redacted>' }, { type: 'text', text: 'fine' }], structuredContent: { url: 'https://x/?token=t' } });
    expect(out.content[1]).toBe(result.content[1]);
    expect(out.structuredContent).toBe(result.structuredContent);
  });
});

describe('Redactor.error', () => {
  class WireError extends Error {
    constructor(
      message: string,
      readonly code: number,
      options?: { cause?: unknown },
    ) {
      super(message, options);
      this.name = 'WireError';
    }
  }

  it('copies the error with message, stack, properties and the whole cause chain redacted, and keeps its class', () => {
    const root = new WireError('server said: Authorization: Bearer echoed-token-9', 401, { cause: { body: 'echoed-token-9', url: 'https://x/mcp?token=echoed-token-9' } });
    const top = Object.assign(new Error('Failed to connect: see cause', { cause: root }), { data: { server: 'a', headers: { authorization: 'echoed-token-9' } } });
    const copy = new Redactor(['echoed-token-9']).error(top);
    expect(copy).not.toBe(top);
    expect(copy).toBeInstanceOf(Error);
    expect(JSON.stringify([copy.message, copy.stack, (copy as unknown as { data: unknown }).data])).not.toContain('echoed-token-9');
    const cause = copy.cause as WireError;
    expect(cause).toBeInstanceOf(WireError);
    expect(cause.code).toBe(401);
    expect(cause.name).toBe('WireError');
    expect(cause.message).toBe('server said: Authorization: Bearer <redacted>');
    expect(cause.stack).not.toContain('echoed-token-9');
    expect(cause.cause).toStrictEqual({ body: '<redacted>', url: 'https://x/mcp?token=<redacted>' });
    // The originals are untouched.
    expect(root.message).toContain('echoed-token-9');
    expect((top.cause as WireError).cause).toStrictEqual({ body: 'echoed-token-9', url: 'https://x/mcp?token=echoed-token-9' });
  });

  it('survives a cycle in the cause chain', () => {
    const a = new Error('a echoed-token-9');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    const copy = new Redactor(['echoed-token-9']).error(a);
    expect(copy.message).toBe('a <redacted>');
    expect((copy.cause as Error).cause).toBe(copy);
  });

  it('redacts what is not an Error as a value', () => {
    expect(new Redactor(['echoed-token-9']).error({ reason: 'echoed-token-9' })).toStrictEqual({ reason: '<redacted>' });
    expect(new Redactor(['echoed-token-9']).error('echoed-token-9 thrown')).toBe('<redacted> thrown');
  });
});

describe('Redactor.logger', () => {
  it('redacts the message and the fields (errors inside too) before the host logger sees them, and leaves the fields it was given as they were', () => {
    const lines: Array<[string, Record<string, unknown>, string]> = [];
    const host = { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (fields: Record<string, unknown>, message: string) => void lines.push(['warn', fields, message]) };
    const fields = { url: 'https://x/mcp?token=log-token-77', error: new Error('echo log-token-77') };
    new Redactor(['log-token-77']).logger(host).warn(fields, 'failed with log-token-77');
    expect(lines[0]![2]).toBe('failed with <redacted>');
    expect(lines[0]![1].url).toBe('https://x/mcp?token=<redacted>');
    expect((lines[0]![1].error as Error).message).toBe('echo <redacted>');
    expect(fields.error.message).toBe('echo log-token-77');
  });
});

describe('findSecrets', () => {
  it('names each pattern found, with the match', () => {
    const found = findSecrets(`a ${apiKey} b ${clientSecret} c Bearer ${bearer}`);
    expect(found).toStrictEqual([
      { name: 'OpenAI API key', match: apiKey },
      { name: 'ephemeral client secret', match: clientSecret },
      { name: 'bearer token', match: `Bearer ${bearer}` },
    ]);
  });

  it('finds every occurrence', () => {
    expect(findSecrets(`${apiKey}\n${apiKey}`)).toHaveLength(2);
  });

  it('finds nothing in redacted output', () => {
    expect(findSecrets('no secrets here, only <redacted:api-key> and <redacted:client-secret>')).toStrictEqual([]);
    const redacted = new Redactor().text(`a ${apiKey} b ${clientSecret} c Bearer ${bearer}`);
    expect(findSecrets(redacted)).toStrictEqual([]);
    expect(findSecrets('no secrets here, only <redacted> and Bearer <redacted>')).toStrictEqual([]);
  });
});

describe('redaction properties', () => {
  const keyChar = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-');
  const token = (min: number) => fc.string({ unit: keyChar, minLength: min, maxLength: min + 30 });
  /** Something secret, in one of the shapes the patterns know. */
  const patternSecret = fc.oneof(
    token(20).map((tail) => `sk-${tail}`),
    token(16).map((tail) => `ek_${tail}`),
    fc.tuple(fc.constantFrom(' ', '  ', '\t', '\n'), fc.string({ minLength: 1, maxLength: 30 }).filter((s) => /^[^\s"',;]/.test(s)))
      .map(([space, tail]) => `Bearer${space}${tail}`),
  );
  /** Text around secrets: anything, including pieces of the patterns. */
  const filler = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('sk-', 'ek_', 'Bearer ', 'Bearer', '<secret', ' ', '"', '', 'sk-ek_'));
  const textWithSecrets = fc.array(fc.oneof(filler, patternSecret), { maxLength: 8 }).map((parts) => parts.join(''));

  it('never leaves a match of the secret patterns in a string', () => {
    const redactor = new Redactor();
  const text = (input: string) => redactor.text(input);
    fc.assert(
      fc.property(textWithSecrets, (input) => {
        const out = text(input);
        expect(findSecrets(out)).toStrictEqual([]);
        // And redacting again changes nothing.
        expect(text(out)).toBe(out);
      }),
      { numRuns: 1000 },
    );
  });

  it('never leaves a pattern match or an exact secret in any string of a JSON value', () => {
    const key = fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('value', 'client_secret', 'token', 'data', 'arguments'));
    const case_ = fc.string({ unit: keyChar, minLength: 8, maxLength: 24 }).chain((secret) => {
      const leaf = fc.oneof(textWithSecrets, fc.string().map((s) => `${s}${secret}${s}`), fc.integer(), fc.boolean(), fc.constant(null));
      const json = fc.letrec((tie) => ({
        node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(key, tie('node'), { maxKeys: 4, noNullPrototype: true })),
      })).node;
      return fc.tuple(fc.constant(secret), json);
    });
    fc.assert(
      fc.property(case_, ([secret, value]) => {
        const input = structuredClone(value);
        const out = new Redactor([secret]).value(value);
        expect(value).toStrictEqual(input);
        for (const s of strings(out)) {
          expect(findSecrets(s)).toStrictEqual([]);
          expect(s).not.toContain(secret);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('leaves any JSON without secrets, patterns or secret keys exactly as it was', () => {
    const safeString = fc.string().filter((s) => findSecrets(s).length === 0 && redactUrl(s) === s);
    const safeKey = fc.string({ maxLength: 10 }).filter((k) => !['client_secret', 'access_token', 'refresh_token', 'authorization', 'api_key', 'token'].includes(k));
    const json = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        safeString,
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(safeKey, tie('node'), { maxKeys: 4, noNullPrototype: true }),
      ),
    })).node;
    const redactor = new Redactor(['never-present-secret']);
    fc.assert(
      fc.property(json, (value) => {
        expect(redactor.value(value)).toStrictEqual(value);
      }),
      { numRuns: 300 },
    );
  });
});

describe('new Redactor().error of a DOMException', () => {
  it('gives a copy that prints, with the secret in its message redacted', () => {
    const redactor = new Redactor();
    redactor.add('sk-test-key-dom');
    const original = new DOMException('The operation with sk-test-key-dom was aborted.', 'AbortError');
    const copy = redactor.error(original);
    expect(String(copy)).toBe('AbortError: The operation with <redacted> was aborted.');
    expect(copy.name).toBe('AbortError');
    expect(copy).toBeInstanceOf(DOMException);
  });
});
