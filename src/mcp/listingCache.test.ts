import { describe, expect, it } from 'vitest';
import { ToolListingCache, listingCacheKey } from './listingCache.js';
import type { Tool } from './types.js';

const tools: Tool[] = [{ name: 'echo', inputSchema: { type: 'object' } }];

describe('ToolListingCache', () => {
  it('keeps a listing for its TTL, then forgets it', () => {
    let now = 1_000;
    const cache = new ToolListingCache({ ttlMs: 100, now: () => now });
    cache.set('k', tools);
    now += 99;
    expect(cache.get('k')).toBe(tools);
    now += 1;
    expect(cache.get('k')).toBeUndefined();
  });

  it('invalidates one key and clears all', () => {
    const cache = new ToolListingCache();
    cache.set('a', tools);
    cache.set('b', tools);
    cache.invalidate('a');
    expect([cache.get('a'), cache.get('b')]).toEqual([undefined, tools]);
    cache.clear();
    expect(cache.get('b')).toBeUndefined();
  });
});

describe('listingCacheKey', () => {
  const url = 'https://mcp.example.com/mcp';

  it('is the same for the same server and credentials, and never holds a secret', () => {
    const a = listingCacheKey({ label: 'a', url, token: 'sk-secret-123', headers: { 'X-Api-Key': 'key-456' } });
    const b = listingCacheKey({ label: 'b', url, token: 'sk-secret-123', headers: { 'x-api-key': 'key-456' } });
    expect(a).toBe(b);
    expect(a).not.toContain('sk-secret-123');
    expect(a).not.toContain('key-456');
  });

  it('differs by URL, by token, by header value, by token function and by auth provider identity', () => {
    const tokenFn = async () => 't';
    const keys = [
      listingCacheKey({ label: 'a', url }),
      listingCacheKey({ label: 'a', url: `${url}2` }),
      listingCacheKey({ label: 'a', url, token: 'one' }),
      listingCacheKey({ label: 'a', url, token: 'two' }),
      listingCacheKey({ label: 'a', url, headers: { 'x-api-key': 'one' } }),
      listingCacheKey({ label: 'a', url, headers: { 'x-api-key': 'two' } }),
      listingCacheKey({ label: 'a', url, token: tokenFn }),
      listingCacheKey({ label: 'a', url, token: async () => 't' }),
      listingCacheKey({ label: 'a', command: 'node', args: ['a.js'] }),
      listingCacheKey({ label: 'a', command: 'node', args: ['b.js'] }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(listingCacheKey({ label: 'a', url, token: tokenFn })).toBe(keys[6]);
  });
});
