import { describe, expect, it } from 'vitest';
import { loadRemembered, parseHash, rememberSecrets, takeHashSecrets, type StorageLike } from './pageSecrets';

function memoryStorage(): StorageLike & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (key) => data.get(key) ?? null, setItem: (key, value) => void data.set(key, value), removeItem: (key) => void data.delete(key) };
}

describe('parseHash', () => {
  it('reads the token and every http(s) mcp URL', () => {
    const hash = `#token=tok_abc&mcp=${encodeURIComponent('http://127.0.0.1:3001/mcp')}&mcp=${encodeURIComponent('https://example.com/mcp?x=1')}`;
    expect(parseHash(hash)).toEqual({ token: 'tok_abc', mcpUrls: ['http://127.0.0.1:3001/mcp', 'https://example.com/mcp?x=1'] });
  });

  it('leaves out what does not fit: a token with spaces, a javascript: URL, more than 8 URLs', () => {
    const many = Array.from({ length: 10 }, (_, index) => `mcp=${encodeURIComponent(`http://h${index}.test/`)}`).join('&');
    const parsed = parseHash(`#token=a%20b&mcp=javascript%3Aalert(1)&${many}`);
    expect(parsed.token).toBeUndefined();
    expect(parsed.mcpUrls).toHaveLength(8);
    expect(parsed.mcpUrls.every((url) => url.startsWith('http://'))).toBe(true);
  });

  it('reads an empty fragment as nothing', () => {
    expect(parseHash('')).toEqual({ mcpUrls: [] });
  });
});

describe('takeHashSecrets', () => {
  it('drops the fragment from the address, keeping the path and the query', () => {
    const urls: string[] = [];
    const found = takeHashSecrets({ hash: '#token=tok_abc', pathname: '/demo/', search: '?x=1' }, { replaceState: (_data, _unused, url) => void urls.push(url) });
    expect(found.token).toBe('tok_abc');
    expect(urls).toEqual(['/demo/?x=1']);
  });

  it('leaves an address without a fragment alone, and survives a replaceState that throws', () => {
    const urls: string[] = [];
    takeHashSecrets({ hash: '', pathname: '/', search: '' }, { replaceState: (_d, _u, url) => void urls.push(url) });
    expect(urls).toEqual([]);
    expect(() => takeHashSecrets({ hash: '#token=t1', pathname: '/', search: '' }, { replaceState: () => { throw new Error('denied'); } })).not.toThrow();
  });
});

describe('remembering', () => {
  it('keeps the secrets only when asked, and forgets them when unticked', () => {
    const storage = memoryStorage();
    rememberSecrets(storage, { token: 'tok_abc', openAiKey: 'sk-test-key' }, false);
    expect(storage.data.size).toBe(0);
    rememberSecrets(storage, { token: 'tok_abc', openAiKey: 'sk-test-key' }, true);
    expect(loadRemembered(storage)).toEqual({ token: 'tok_abc', openAiKey: 'sk-test-key' });
    rememberSecrets(storage, { token: 'tok_abc', openAiKey: 'sk-test-key' }, false);
    expect(loadRemembered(storage)).toEqual({});
  });

  it('works without storage or with one that throws', () => {
    const throwing: StorageLike = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('full'); }, removeItem: () => undefined };
    expect(loadRemembered(undefined)).toEqual({});
    expect(loadRemembered(throwing)).toEqual({});
    expect(() => rememberSecrets(throwing, { token: 'tok_abc' }, true)).not.toThrow();
  });
});
