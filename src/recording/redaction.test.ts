import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor, findSecrets } from './redaction.js';

const apiKey = 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123456789';
const clientSecret = 'ek_68af2b7c4d1e90a5b3c2d1e0f9a8b7c6';
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

describe('createRedactor().headers', () => {
  it('replaces the values of denied headers, whatever their case, and lower-cases every name', () => {
    const redactor = createRedactor();
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
    const out = createRedactor().headers({ 'x-authorization-hint': 'none', 'my-openai-thing': 'ok', cookies: 'plural' });
    expect(out).toStrictEqual({ 'x-authorization-hint': 'none', 'my-openai-thing': 'ok', cookies: 'plural' });
  });

  it('redacts key patterns and exact secrets inside allowed headers', () => {
    const redactor = createRedactor({ secrets: ['mcp-token-1234'] });
    const out = redactor.headers({ 'x-debug': `key=${apiKey} token=mcp-token-1234`, referer: `https://x/?auth=Bearer ${bearer}` });
    expect(out?.['x-debug']).toBe('key=<secret:api-key> token=<secret>');
    expect(out?.referer).toBe('https://x/?auth=Bearer <secret>');
  });

  it('gives undefined for undefined, and a new object otherwise', () => {
    const redactor = createRedactor();
    expect(redactor.headers(undefined)).toBeUndefined();
    const input = { accept: 'text/event-stream' };
    const out = redactor.headers(input);
    expect(out).toStrictEqual(input);
    expect(out).not.toBe(input);
  });
});

describe('createRedactor().text', () => {
  const { text } = createRedactor();

  it('replaces OpenAI API keys (sk-…), client secrets (ek_…) and bearer tokens', () => {
    expect(text(`key ${apiKey}.`)).toBe('key <secret:api-key>.');
    expect(text(`secret "${clientSecret}"`)).toBe('secret "<secret:client-secret>"');
    expect(text(`Authorization: Bearer ${bearer}, next`)).toBe('Authorization: Bearer <secret>, next');
  });

  it('replaces every occurrence, not just the first', () => {
    expect(text(`${apiKey} and ${apiKey}`)).toBe('<secret:api-key> and <secret:api-key>');
    expect(text(`Bearer a1 Bearer b2`)).toBe('Bearer <secret> Bearer <secret>');
  });

  it('leaves strings that only look a bit like keys', () => {
    for (const harmless of ['sk-short', 'ek_short_value', 'task-list-of-things', 'Bearer', 'the bearer of news', 'desk-AbCdEf']) {
      expect(text(harmless)).toBe(harmless);
    }
  });

  it('does not redact an already redacted bearer token again (idempotent)', () => {
    const once = text(`Bearer ${bearer} and Bearer ${apiKey}`);
    expect(once).toBe('Bearer <secret> and Bearer <secret:api-key>');
    expect(text(once)).toBe(once);
  });

  it('is the same from one call to the next (the global patterns keep no state)', () => {
    const input = `x ${apiKey} y`;
    expect(text(input)).toBe(text(input));
    expect(findSecrets(input)).toHaveLength(1);
    expect(findSecrets(input)).toHaveLength(1);
  });
});

describe('createRedactor: exact secrets', () => {
  it('replaces an exact secret wherever it appears in a string', () => {
    const { text } = createRedactor({ secrets: ['hunter22'] });
    expect(text('pw=hunter22;again=hunter22')).toBe('pw=<secret>;again=<secret>');
  });

  it('replaces the longest secret first, so a secret containing another goes whole', () => {
    const { text } = createRedactor({ secrets: ['abcd', 'abcdefgh'] });
    expect(text('x abcdefgh y abcd')).toBe('x <secret> y <secret>');
    // Same result whatever order the host listed them in.
    expect(createRedactor({ secrets: ['abcdefgh', 'abcd'] }).text('x abcdefgh y abcd')).toBe('x <secret> y <secret>');
  });

  it('ignores secrets shorter than 4 characters (they would shred ordinary text)', () => {
    const { text } = createRedactor({ secrets: ['', 'a', 'ab', 'the'] });
    expect(text('the cat ate a banana')).toBe('the cat ate a banana');
  });

  it('treats secrets as plain text, not as regular expressions', () => {
    const { text } = createRedactor({ secrets: ['a.b*c+'] });
    expect(text('aXbbbc a.b*c+')).toBe('aXbbbc <secret>');
  });
});

describe('createRedactor().value', () => {
  it('keeps a bare `token` field: transcription logprobs carry words there', () => {
    const event = { type: 'conversation.item.input_audio_transcription.delta', delta: 'hi', logprobs: [{ token: 'hi', logprob: -0.1, bytes: [104, 105] }] };
    expect(createRedactor().value(event)).toStrictEqual(event);
  });

  it('redacts string values under secret JSON paths', () => {
    const redactor = createRedactor();
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
    const redactor = createRedactor();
    const input = { value: 'plain', item: { value: 'kept' }, access_token_expires_in: 'soon', tokens: 'many', my_token: 'mine', total_tokens: 12 };
    expect(redactor.value(input)).toStrictEqual(input);
  });

  it('redacts every string of an array under a secret path, and keeps non-strings', () => {
    const out = createRedactor().value({ access_token: ['one', 'two'], token: 42, api_key: null, refresh_token: true });
    expect(out).toStrictEqual({ access_token: ['<redacted>', '<redacted>'], token: 42, api_key: null, refresh_token: true });
  });

  it('finds key patterns in any string at any depth, arrays included', () => {
    const out = createRedactor().value({
      type: 'response.function_call_arguments.done',
      arguments: JSON.stringify({ key: apiKey }),
      deep: [[{ note: `use ${clientSecret}` }], [`Bearer ${bearer}`]],
    });
    expect(out).toStrictEqual({
      type: 'response.function_call_arguments.done',
      arguments: JSON.stringify({ key: '<secret:api-key>' }),
      deep: [[{ note: 'use <secret:client-secret>' }], ['Bearer <secret>']],
    });
  });

  it('replaces exact secrets inside values', () => {
    const out = createRedactor({ secrets: ['mcp-oauth-token-xyz'] }).value({ result: { content: [{ type: 'text', text: 'token is mcp-oauth-token-xyz' }] } });
    expect(out).toStrictEqual({ result: { content: [{ type: 'text', text: 'token is <secret>' }] } });
  });

  it('leaves non-secret data equal, in a deep copy, without touching the input', () => {
    const input = deepFreeze({
      type: 'response.done',
      event_id: 'event_abc',
      response: { id: 'resp_1', output: [{ type: 'function_call', name: 'echo', arguments: '{"x":1}' }], usage: { total_tokens: 10 } },
      flags: [true, false, null, 1.5],
    });
    const out = createRedactor().value(input);
    expect(out).toStrictEqual(input);
    expect(out).not.toBe(input);
    expect(out.response).not.toBe(input.response);
    expect(out.response.output).not.toBe(input.response.output);
    expect(out.flags).not.toBe(input.flags);
  });

  it('does not mutate the input when it redacts', () => {
    const input = { client_secret: { value: 'x-secret' }, note: `k=${apiKey}` };
    const snapshot = structuredClone(input);
    createRedactor().value(input);
    expect(input).toStrictEqual(snapshot);
  });

  it('passes primitives through', () => {
    const redactor = createRedactor();
    expect(redactor.value(42)).toBe(42);
    expect(redactor.value(null)).toBeNull();
    expect(redactor.value(`x ${apiKey}`)).toBe('x <secret:api-key>');
  });

  it('keeps a "__proto__" key of parsed JSON as data, in the copy', () => {
    const input = JSON.parse('{"__proto__":{"note":"kept"},"a":1}') as Record<string, unknown>;
    const out = createRedactor().value(input);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"note":"kept"},"a":1}');
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
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
    const redacted = createRedactor().text(`a ${apiKey} b ${clientSecret} c Bearer ${bearer}`);
    expect(findSecrets(redacted)).toStrictEqual([]);
    expect(findSecrets('no secrets here, only <secret> and Bearer <secret>')).toStrictEqual([]);
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
    const { text } = createRedactor();
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
        const out = createRedactor({ secrets: [secret] }).value(value);
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
    const safeString = fc.string().filter((s) => findSecrets(s).length === 0);
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
    const redactor = createRedactor({ secrets: ['never-present-secret'] });
    fc.assert(
      fc.property(json, (value) => {
        expect(redactor.value(value)).toStrictEqual(value);
      }),
      { numRuns: 300 },
    );
  });
});
