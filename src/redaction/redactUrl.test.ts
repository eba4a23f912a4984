import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCredentialHeader, isCredentialName, redactUrl, urlSecrets } from './redactUrl.js';

describe('isCredentialName', () => {
  it.each(['token', 'key', 'api-key', 'api_key', 'apikey', 'apiKey', 'access_token', 'accessToken', 'auth', 'sig', 'signature', 'X-Amz-Signature', 'X-Amz-Security-Token', 'secret', 'client_secret', 'password', 'code', 'GITHUB_TOKEN', 'OPENAI_API_KEY', 'subscription-key', 'TOKEN'])(
    '%s names a credential',
    (name) => expect(isCredentialName(name)).toBe(true),
  );

  it.each(['model', 'call_id', 'intent', 'sessionId', 'tenant', 'monkey', 'keys_count', 'zip_code', 'PATH', 'q', ''])('%s does not', (name) => expect(isCredentialName(name)).toBe(false));
});

describe('redactUrl', () => {
  it('hides userinfo and credential-like parameters, and keeps everything else as written', () => {
    expect(redactUrl('wss://user:pass@example.com/rt?model=m&api_key=k1&token=t2&Signature=s3#access_token=a4')).toBe(
      'wss://<redacted>@example.com/rt?model=m&api_key=<redacted>&token=<redacted>&Signature=<redacted>#access_token=<redacted>',
    );
    expect(redactUrl('https://example.com/mcp?tenant=acme')).toBe('https://example.com/mcp?tenant=acme');
  });

  it('works inside text and on strings that are not valid URLs', () => {
    expect(redactUrl('Failed to connect to http://bot:pw@127.0.0.1:9/mcp?key=k: refused')).toBe('Failed to connect to http://<redacted>@127.0.0.1:9/mcp?key=<redacted>: refused');
    expect(redactUrl('"wss://[bad?api-key=k1&model=m"')).toBe('"wss://[bad?api-key=<redacted>&model=m"');
    expect(redactUrl('api-key=k1 in a sentence')).toBe('api-key=<redacted> in a sentence');
  });

  it('takes userinfo up to the last @ before the host, as URL parsers do', () => {
    expect(redactUrl('https://user:p@ss@host/x')).toBe('https://<redacted>@host/x');
    expect(redactUrl('https://host/x and mail me@example.com')).toBe('https://host/x and mail me@example.com');
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('https://u:p@h/?token=', '?api-key=', '&sig=', 'http://'), fc.string(), (a, piece, b) => {
        const once = redactUrl(`${a}${piece}${b}`);
        expect(redactUrl(once)).toBe(once);
      }),
      { numRuns: 500 },
    );
  });
});

describe('urlSecrets', () => {
  it('finds the password (or a bare userinfo token) and credential parameter values, as written and decoded', () => {
    expect(urlSecrets('https://bot:p%40ss@h/mcp?token=a%2Bb&model=m')).toEqual(['p%40ss', 'p@ss', 'a%2Bb', 'a+b']);
    expect(urlSecrets('https://ghp_tokenvalue@h/')).toEqual(['ghp_tokenvalue']);
    expect(urlSecrets('wss://[bad?api-key=k1')).toEqual(['k1']);
    expect(urlSecrets('https://h/mcp?tenant=acme')).toEqual([]);
  });
});

describe('isCredentialHeader', () => {
  it('knows the credential headers by name, in any case, and leaves the others', () => {
    for (const name of ['Authorization', 'proxy-authorization', 'COOKIE', 'X-Api-Key', 'X-Auth-Token']) expect(isCredentialHeader(name), name).toBe(true);
    for (const name of ['Notion-Version', 'Accept', 'X-Request-Id', 'Set-Cookie-Policy']) expect(isCredentialHeader(name), name).toBe(false);
  });
});
