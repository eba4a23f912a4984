import { describe, expect, it } from 'vitest';
import { ProxyError } from '../errors.js';
import { Redactor } from '../redaction/index.js';
import { hasServerCredentials, registerServerSecrets, validateServerConfig, validateServerConfigs } from './serverConfig.js';
import type { McpServerConfig } from './types.js';

function problemsOf(config: unknown): string[] {
  try {
    validateServerConfig(config as McpServerConfig);
    return [];
  } catch (error) {
    expect(ProxyError.isInstance(error)).toBe(true);
    expect((error as ProxyError).code).toBe('invalid_options');
    expect((error as Error).message).toMatch(/^Failed to configure MCP server .*\. Please fix the server configuration\.$/);
    return ((error as ProxyError<{ problems: string[] }>).data?.problems ?? []);
  }
}

describe('validateServerConfig', () => {
  it('accepts the usual shapes', () => {
    expect(problemsOf({ label: 'weather', url: 'https://mcp.example.com/mcp', timeoutMs: 5000, toolTimeoutsMs: { slow: 60_000 } })).toEqual([]);
    expect(problemsOf({ label: 'memory', command: 'node', args: ['server.js'], env: { A: '1' } })).toEqual([]);
    expect(problemsOf({ label: 'x', url: 'http://127.0.0.1:3000/sse', transport: 'sse', token: async () => 't' })).toEqual([]);
  });

  it.each([
    [{ url: 'http://h/mcp' }, '"label" must be'],
    [{ label: 'has space', url: 'http://h/mcp' }, '"label" must be'],
    [{ label: 'a'.repeat(33), url: 'http://h/mcp' }, '"label" must be'],
    [{ label: 'a' }, 'exactly one of "url" and "command"'],
    [{ label: 'a', url: 'http://h', command: 'node' }, 'exactly one of "url" and "command"'],
    [{ label: 'a', url: 'ws://h/mcp' }, '"url" must be an http:// or https:// URL'],
    [{ label: 'a', url: 'not a url' }, '"url" must be an http:// or https:// URL'],
    [{ label: 'a', command: 'node', args: [1] }, '"args" must be an array of strings'],
    [{ label: 'a', url: 'http://h', transport: 'websocket' }, '"transport" must be one of'],
    [{ label: 'a', url: 'http://h', transport: 'stdio' }, '"transport": "stdio" needs a "command"'],
    [{ label: 'a', command: 'node', transport: 'sse' }, '"transport": "sse" needs a "url"'],
    [{ label: 'a', url: 'http://h', timeoutMs: 0 }, '"timeoutMs" must be a positive number'],
    [{ label: 'a', url: 'http://h', maxTotalTimeoutMs: Number.NaN }, '"maxTotalTimeoutMs" must be a positive number'],
    [{ label: 'a', url: 'http://h', toolTimeoutsMs: { t: -1 } }, '"toolTimeoutsMs.t" must be a positive number'],
    [{ label: 'a', url: 'http://h', token: '' }, '"token" must be a non-empty string'],
    [{ label: 'a', url: 'http://h', headers: { 'x-key': 1 } }, '"headers" must map header names to strings'],
    [{ label: 'a', url: 'http://h', allowedTools: 'echo' }, '"allowedTools" must be an array'],
    [{ label: 'a', command: 'node', stderr: 'ignore' }, '"stderr" must be "capture" or "inherit"'],
    [{ label: 'a', url: 'http://h', treatNoValidSessionAsExpired: 'yes' }, '"treatNoValidSessionAsExpired" must be true or false'],
  ])('refuses %j', (config, problem) => {
    expect(problemsOf(config).join('\n')).toContain(problem);
  });

  it('lists every problem at once, and never echoes a header value or token', () => {
    const problems = problemsOf({ label: '', url: 'ftp://h', timeoutMs: -5, headers: { authorization: 7 }, token: '' });
    expect(problems.length).toBeGreaterThanOrEqual(4);
    try {
      validateServerConfig({ label: 'a', url: 'nope', headers: { authorization: 'Bearer sk-very-secret' } });
    } catch (error) {
      expect((error as Error).message).not.toContain('sk-very-secret');
    }
  });

  it('refuses what is not an object', () => {
    expect(problemsOf(null)).toEqual(['the configuration is not an object']);
  });
});

describe('registerServerSecrets', () => {
  it('registers the values of stdio flags named like credentials, not other arguments', () => {
    const redactor = new Redactor();
    registerServerSecrets(redactor, {
      label: 'stripe',
      command: 'npx',
      args: ['-y', '@stripe/mcp', '--tools=all', '--api-key=rk_test_value_one', '--auth-token', 'value-two-secret', '--verbose', '--password', '--next'],
      env: { STRIPE_SECRET_KEY: 'value-three-secret', PATH: '/usr/bin' },
    });
    const text = redactor.text('rk_test_value_one value-two-secret value-three-secret --tools=all @stripe/mcp /usr/bin --next');
    expect(text).toBe('<redacted> <redacted> <redacted> --tools=all @stripe/mcp /usr/bin --next');
  });
});

describe('validateServerConfigs', () => {
  it('accepts servers with distinct labels, and none', () => {
    expect(validateServerConfigs([{ label: 'a', url: 'http://h/mcp' }, { label: 'b', command: 'node' }])).toHaveLength(2);
    expect(validateServerConfigs([])).toEqual([]);
  });

  it('refuses two servers with the same label, naming both', () => {
    const servers: McpServerConfig[] = [
      { label: 'weather', url: 'http://h/a' },
      { label: 'files', url: 'http://h/b' },
      { label: 'weather', url: 'http://h/c' },
    ];
    let caught: unknown;
    try {
      validateServerConfigs(servers);
    } catch (error) {
      caught = error;
    }
    expect(ProxyError.isInstance(caught) && caught.code).toBe('invalid_options');
    expect((caught as Error).message).toBe(
      'Failed to configure the MCP servers: two servers are labelled "weather" (servers[0] and servers[2]), and a label must name one server. Please give each server its own label.',
    );
    expect((caught as ProxyError).data).toEqual({ label: 'weather', indexes: [0, 2] });
  });

  it('checks each server too, and refuses what is not an array', () => {
    expect(() => validateServerConfigs([{ label: 'ok', url: 'http://h/mcp' }, { label: 'bad', url: 'ftp://h' }])).toThrow(/Failed to configure MCP server "bad"/);
    expect(() => validateServerConfigs({ label: 'a' } as unknown as McpServerConfig[])).toThrow(/"servers" is not an array/);
  });
});

describe('hasServerCredentials', () => {
  it.each<[Partial<McpServerConfig>, boolean]>([
    [{ url: 'https://h/mcp' }, false],
    [{ url: 'https://h/mcp?page=2' }, false],
    [{ url: 'https://h/mcp', token: 't' }, true],
    [{ url: 'https://h/mcp', token: async () => 't' }, true],
    [{ url: 'https://h/mcp', headers: { 'X-Api-Key': 'k' } }, true],
    [{ url: 'https://h/mcp', headers: {} }, false],
    [{ url: 'https://user:pass@h/mcp' }, true],
    [{ url: 'https://h/mcp?api_key=k' }, true],
    [{ command: 'node' }, false],
  ])('%j → %s', (config, expected) => {
    expect(hasServerCredentials({ label: 'a', ...config })).toBe(expected);
  });
});
