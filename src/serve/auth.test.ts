import { describe, expect, it } from 'vitest';
import { generateAccessToken, normalizeOrigin, tokensMatch } from './auth.js';

describe('auth helpers', () => {
  it('compares tokens whatever their lengths', () => {
    expect(tokensMatch('abc-token-123', 'abc-token-123')).toBe(true);
    expect(tokensMatch('abc-token-12', 'abc-token-123')).toBe(false);
    expect(tokensMatch('', 'abc-token-123')).toBe(false);
    expect(generateAccessToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateAccessToken()).not.toBe(generateAccessToken());
  });

  it('takes origins as scheme://host[:port] only', () => {
    expect(normalizeOrigin('http://localhost:5173')).toBe('http://localhost:5173');
    expect(normalizeOrigin('HTTPS://App.Example.com')).toBe('https://app.example.com');
    for (const bad of ['localhost:5173', 'https://app.example.com/', 'https://app.example.com/path', 'ftp://x', '*']) expect(() => normalizeOrigin(bad)).toThrow(/is not an origin/);
  });
});
