import { describe, expect, it } from 'vitest';
import { ProxyError } from '../errors.js';
import { DEFAULT_REALTIME_URL, azureRealtimeUrl, isAzureHost, parseWebSocketUrl, realtimeUrl } from './realtimeUrl.js';

describe('realtimeUrl', () => {
  it('builds the default model URL', () => {
    expect(realtimeUrl({ model: 'gpt-realtime' })).toBe(DEFAULT_REALTIME_URL);
  });

  it('attaches to an existing call with call_id, and only call_id', () => {
    const url = new URL(realtimeUrl({ callId: 'rtc_abc123' }));
    expect(url.searchParams.get('call_id')).toBe('rtc_abc123');
    expect(url.searchParams.has('model')).toBe(false);
  });

  it('opens a transcription session with intent=transcription', () => {
    expect(realtimeUrl({ intent: 'transcription' })).toBe('wss://api.openai.com/v1/realtime?intent=transcription');
  });

  it('keeps a local ws:// base URL', () => {
    expect(realtimeUrl({ model: 'gpt-realtime' }, { baseUrl: 'ws://127.0.0.1:8080/v1/realtime' })).toBe('ws://127.0.0.1:8080/v1/realtime?model=gpt-realtime');
  });
});

describe('azureRealtimeUrl', () => {
  it('builds the GA Azure path from an https endpoint', () => {
    const url = azureRealtimeUrl({ endpoint: 'https://my-resource.openai.azure.com/', deployment: 'gpt-realtime' });
    expect(url).toBe('wss://my-resource.openai.azure.com/openai/v1/realtime?model=gpt-realtime');
    expect(isAzureHost(url)).toBe(true);
  });

  it('tells Azure hosts from others', () => {
    expect(isAzureHost(DEFAULT_REALTIME_URL)).toBe(false);
    expect(isAzureHost('not a url')).toBe(false);
  });
});

describe('parseWebSocketUrl', () => {
  it('rejects other schemes with a message that says what to pass', () => {
    const error = (() => {
      try {
        parseWebSocketUrl('http://localhost:1234/');
      } catch (e) {
        return e as ProxyError;
      }
    })();
    expect(error?.code).toBe('invalid_options');
    expect(error?.message).toMatch(/^Failed to use the Realtime URL .*Please pass a WebSocket URL/);
  });

  it('rejects what is not a URL', () => {
    expect(() => parseWebSocketUrl('api.openai.com')).toThrowError(/is not a URL/);
  });

  it('never shows the credentials of a URL it refuses, malformed or not', () => {
    const messages = ['wss://[realtime?api-key=KEY-MARKER-malformed&model=m', 'https://user:PASS-MARKER@example.com/v1/realtime?token=TOKEN-MARKER'].map((text) => {
      try {
        parseWebSocketUrl(text);
      } catch (error) {
        return (error as ProxyError).message;
      }
      return 'accepted';
    });
    expect(messages[0]).toContain('"wss://[realtime?api-key=<redacted>&model=m" is not a URL');
    expect(messages[1]).toContain('"https://<redacted>@example.com/v1/realtime?token=<redacted>": it is https:');
    expect(messages.join(' ')).not.toMatch(/MARKER/);
  });
});
