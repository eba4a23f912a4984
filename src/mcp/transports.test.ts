import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ProxyError } from '../errors.js';
import { createMcpTransport, isLegacyServerAnswer, withBearerToken } from './transports.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
});

/** Answers 200 only to the accepted token; records the Authorization header of every request. */
async function tokenServer(accepted: () => string): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    seen.push(req.headers.authorization ?? '');
    req.resume();
    res.writeHead(req.headers.authorization === `Bearer ${accepted()}` ? 200 : 401).end();
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`, seen };
}

describe('withBearerToken', () => {
  it('sends a static token on every request and does not retry a 401', async () => {
    const server = await tokenServer(() => 'other');
    const fetchWithToken = withBearerToken(fetch, 'static-token', 'srv');
    expect((await fetchWithToken(server.url, { method: 'POST', body: '{}' })).status).toBe(401);
    expect(server.seen).toEqual(['Bearer static-token']);
  });

  it('asks a token function again after a 401 and resends once with the new token', async () => {
    let current = 'token-2';
    const server = await tokenServer(() => current);
    const issued = ['token-1', 'token-2', 'token-3'];
    let calls = 0;
    const fetchWithToken = withBearerToken(fetch, async () => issued[calls++]!, 'srv');
    expect((await fetchWithToken(server.url, { method: 'POST', body: '{}', headers: { 'x-other': '1' } })).status).toBe(200);
    expect(server.seen).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect((await fetchWithToken(server.url)).status).toBe(200);
    expect(calls).toBe(2);
    // A second 401 after a refresh is the answer: no loop.
    current = 'never';
    expect((await fetchWithToken(server.url)).status).toBe(401);
    expect(server.seen.slice(3)).toEqual(['Bearer token-2', 'Bearer token-3']);
  });

  it('tells onToken each value the token function returns, before it is sent', async () => {
    const server = await tokenServer(() => 'fresh-token-2');
    const issued = ['stale-token-1', 'fresh-token-2'];
    const heard: Array<[string, number]> = [];
    const fetchWithToken = withBearerToken(fetch, async () => issued.shift()!, 'srv', (token) => heard.push([token, server.seen.length]));
    expect((await fetchWithToken(server.url, { method: 'POST', body: '{}' })).status).toBe(200);
    // Each value was heard while no request had yet carried it.
    expect(heard).toEqual([['stale-token-1', 0], ['fresh-token-2', 1]]);
  });

  it('turns a failing token function into a ProxyError without the cause text', async () => {
    const fetchWithToken = withBearerToken(fetch, async () => {
      throw new Error('vault said sk-leaked-secret');
    }, 'srv');
    const error = await fetchWithToken('http://127.0.0.1:9/').catch((e: unknown) => e);
    expect(ProxyError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/^Failed to get a token for MCP server "srv": .*Please check the token function\.$/);
    expect((error as Error).message).not.toContain('sk-leaked-secret');
  });
});

describe('createMcpTransport', () => {
  it('refuses stdio without a Node factory, pointing at the node entry', () => {
    expect(() => createMcpTransport('stdio', { label: 'm', command: 'node' }, {})).toThrow(/realtime-mcp-proxy\/node/);
  });
});

describe('isLegacyServerAnswer', () => {
  it.each([
    [400, true],
    [404, true],
    [405, true],
    [401, false],
    [403, false],
    [500, false],
    [503, false],
  ])('HTTP %i → %s', (status, legacy) => {
    expect(isLegacyServerAnswer(new StreamableHTTPError(status, 'x'))).toBe(legacy);
  });

  it('is false for network errors', () => {
    expect(isLegacyServerAnswer(new TypeError('fetch failed'))).toBe(false);
  });
});

describe('httpStatusOf', () => {
  it('reads the status of Streamable HTTP errors and of the legacy transport refused POSTs', async () => {
    const { httpStatusOf } = await import('./transports.js');
    expect(httpStatusOf(new StreamableHTTPError(404, 'Session not found'))).toBe(404);
    expect(httpStatusOf(new Error('Error POSTing to endpoint (HTTP 404): Session not found'))).toBe(404);
    expect(httpStatusOf(new Error('something mentioning (HTTP 500) later'))).toBeUndefined();
    expect(httpStatusOf(new StreamableHTTPError(-1, 'Unexpected content type'))).toBeUndefined();
  });
});
