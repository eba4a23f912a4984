import { describe, expect, it } from 'vitest';
import { Redactor } from '../redaction/index.js';
import { Recorder } from '../recording/recorder.js';
import { registeringKey, sessionRedactor } from './sessionRedactor.js';

const recorder = (redactor?: Redactor) => new Recorder({ sink: { write: () => undefined, close: () => undefined }, ...(redactor ? { redactor } : {}) });

describe('sessionRedactor', () => {
  it('registers the key, the Realtime URL credentials and every server secret (token, headers, URL, credential-named env)', () => {
    const redactor = sessionRedactor({
      apiKey: 'realtime-key-1',
      url: 'wss://example.test/v1/realtime?model=m&api-key=url-key-2',
      servers: [
        { label: 'a', url: 'https://bot:url-pass-3@mcp.example.test/mcp?token=url-token-4', token: 'static-token-5', headers: { 'X-Tenant': 'header-value-6' } },
        { label: 'b', command: 'server', env: { GITHUB_TOKEN: 'env-token-7', PATH: '/usr/bin:/bin' } },
      ],
    });
    const all = 'realtime-key-1 url-key-2 url-pass-3 url-token-4 static-token-5 header-value-6 env-token-7';
    expect(redactor.scrub(all)).toBe(Array(7).fill('<redacted>').join(' '));
    expect(redactor.scrub('/usr/bin:/bin m')).toBe('/usr/bin:/bin m');
  });

  it('uses the redactor it is given, else the recorder’s, and links a recorder with its own', () => {
    const own = new Redactor();
    const fromRecorder = recorder();
    expect(sessionRedactor({ servers: [], recorder: fromRecorder })).toBe(fromRecorder.redactor);
    const linked = recorder();
    expect(sessionRedactor({ servers: [], redactor: own, recorder: linked, apiKey: 'realtime-key-1' })).toBe(own);
    own.add('later-secret-8');
    expect(linked.redactor.scrub('realtime-key-1 later-secret-8')).toBe('<redacted> <redacted>');
  });

  it('registers each value a key function returns, before the caller gets it', async () => {
    const redactor = new Redactor();
    const keys = ['first-key-9', 'second-key-10'];
    const key = registeringKey(async () => keys.shift()!, redactor);
    expect(registeringKey('plain-key', redactor)).toBe('plain-key');
    expect(await (key as () => Promise<string>)()).toBe('first-key-9');
    expect(redactor.scrub('first-key-9 second-key-10')).toBe('<redacted> second-key-10');
    await (key as () => Promise<string>)();
    expect(redactor.scrub('second-key-10')).toBe('<redacted>');
  });
});
