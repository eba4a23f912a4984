import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startMockMcpServer, type MockMcpServer } from '../../harness/mock-mcp/index.js';
import { ProxyError } from '../errors.js';
import { Redactor } from '../redaction/index.js';
import { McpConnection, type McpConnectionState } from './connection.js';

const servers: Server[] = [];
const connections: McpConnection[] = [];
afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
});

/** An HTTP server that answers every POST with `postStatus` and every GET with `getStatus`, logging each request. */
async function statusServer(postStatus: number, getStatus = 404): Promise<{ url: string; log: string[] }> {
  const log: string[] = [];
  const server = createServer((req, res) => {
    log.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(req.method === 'POST' ? postStatus : getStatus, { 'content-type': 'text/plain' }).end('nope');
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`, log };
}

function track(connection: McpConnection): McpConnection {
  connections.push(connection);
  return connection;
}

async function connectError(connection: McpConnection): Promise<ProxyError> {
  const error = await connection.connect().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(ProxyError.isInstance(error)).toBe(true);
  return error as ProxyError;
}

describe('McpConnection transport choice', () => {
  it.each([401, 403, 500, 503])('does not fall back to SSE when the first POST answers %i', async (status) => {
    const server = await statusServer(status);
    const connection = track(new McpConnection({ label: 'srv', url: server.url, token: 'tok-secret-1' }, { transportMemory: new Map() }));
    const events: ProxyError[] = [];
    connection.on('error', (e) => events.push(e));
    const error = await connectError(connection);
    expect(error.code).toBe('mcp_connect_failed');
    expect(error.message).toMatch(/^Failed to connect to MCP server "srv" at http:\/\/127\.0\.0\.1:\d+\/mcp: .*Please check/);
    expect(error.message).toContain(String(status));
    expect(error.message).not.toContain('tok-secret-1');
    expect(server.log.filter((line) => line.startsWith('GET'))).toEqual([]);
    expect(events).toEqual([error]);
    expect(connection.state).toBe('idle');
  });

  it.each([400, 404, 405])('falls back to SSE (a GET on the same URL) when the first POST answers %i', async (status) => {
    const server = await statusServer(status);
    const connection = track(new McpConnection({ label: 'srv', url: server.url }, { transportMemory: new Map() }));
    const error = await connectError(connection);
    expect(server.log[0]).toBe('POST /mcp');
    expect(server.log).toContain('GET /mcp');
    expect(error.code).toBe('mcp_connect_failed');
  });

  it('reports a refused connection as such, without trying SSE', async () => {
    const server = await statusServer(200);
    const url = server.url;
    await new Promise((done) => servers.pop()!.close(done));
    const error = await connectError(track(new McpConnection({ label: 'srv', url }, { transportMemory: new Map() })));
    expect(error.message).toMatch(/fetch failed|ECONNREFUSED/);
  });

  it('uses only the configured transport', async () => {
    const server = await statusServer(404);
    await connectError(track(new McpConnection({ label: 'srv', url: server.url, transport: 'streamable-http' }, { transportMemory: new Map() })));
    expect(server.log).toEqual(['POST /mcp']);
  });
});

describe('McpConnection lifecycle', () => {
  it('goes back to idle after a failed connect, may try again, and refuses everything once closed', async () => {
    const server = await statusServer(500);
    const connection = new McpConnection({ label: 'srv', url: server.url }, { transportMemory: new Map() });
    const states: Array<[McpConnectionState, McpConnectionState]> = [];
    connection.on('state', (state, previous) => states.push([previous, state]));
    connection.on('error', () => undefined);
    await connectError(connection);
    await connectError(connection);
    expect(server.log.filter((l) => l.startsWith('POST'))).toHaveLength(2);
    await connection.close();
    expect(states).toEqual([
      ['idle', 'connecting'],
      ['connecting', 'idle'],
      ['idle', 'connecting'],
      ['connecting', 'idle'],
      ['idle', 'closed'],
    ]);
    const closed = await connection.listTools().catch((e: unknown) => e);
    expect((closed as ProxyError).code).toBe('mcp_closed');
    await connection.close();
  });

  it('shares one connect attempt between concurrent callers', async () => {
    const server = await statusServer(500);
    const connection = track(new McpConnection({ label: 'srv', url: server.url }, { transportMemory: new Map() }));
    connection.on('error', () => undefined);
    const results = await Promise.allSettled([connection.connect(), connection.listTools(), connection.connect()]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(server.log.filter((l) => l.startsWith('POST'))).toHaveLength(1);
  });
});

describe('McpConnection close', () => {
  it('ends the session with a DELETE and finishes even when the server never answers it, abandoning the request', async () => {
    const mock = await startMockMcpServer({ tools: [{ name: 'echo' }], hangDelete: true });
    servers.push({ close: (done: () => void) => void mock.close().then(done) } as unknown as Server);
    const connection = new McpConnection({ label: 'srv', url: mock.url }, { transportMemory: new Map(), closeTimeoutMs: 50 });
    await connection.listTools();
    await connection.close();
    expect(connection.state).toBe('closed');
    expect(mock.deletesReceived).toBe(1);
    // The client gave up on the DELETE (its socket closed) rather than leaving it to undici's 300 s headers timeout.
    await vi.waitFor(() => expect(mock.deletesAbandoned).toBe(1));
  });

  it('abandons a connect in progress: close() ends it at once, and the attempt rejects as closed', async () => {
    const posts: string[] = [];
    const server = createServer((req) => void posts.push(`${req.method} ${req.url}`)); // takes the initialize POST, never answers
    servers.push(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`;
    const connection = new McpConnection({ label: 'srv', url, transport: 'streamable-http' }, { transportMemory: new Map(), connectTimeoutMs: 600_000 });
    const listing = connection.listTools().then(
      () => undefined,
      (error: unknown) => error,
    );
    await vi.waitFor(() => expect(posts).toEqual(['POST /mcp']));
    await connection.close();
    const error = await listing;
    expect(ProxyError.isInstance(error) && error.code).toBe('mcp_closed');
    expect(connection.state).toBe('closed');
    server.closeAllConnections();
  });

  it('still sends the DELETE and waits for its answer when the server does answer', async () => {
    const mock = await startMockMcpServer({ tools: [{ name: 'echo' }] });
    servers.push({ close: (done: () => void) => void mock.close().then(done) } as unknown as Server);
    const connection = new McpConnection({ label: 'srv', url: mock.url }, { transportMemory: new Map() });
    await connection.listTools();
    await connection.close();
    expect(mock.deletesReceived).toBe(1);
    expect(mock.requests.find((request) => request.method === 'DELETE')?.status).toBe(200);
  });
});

describe('McpConnection secrets', () => {
  const mocks: MockMcpServer[] = [];
  afterEach(async () => {
    await Promise.all(mocks.splice(0).map((mock) => mock.close()));
  });

  async function echoingMock(token: string): Promise<MockMcpServer> {
    const mock = await startMockMcpServer({ tools: [{ name: 'echo' }], requireBearer: token, echoRejectedCredentials: true });
    mocks.push(mock);
    return mock;
  }

  it('registers its token, header values and URL credentials, and each value its token function returns, as it returns it', async () => {
    const mock = await echoingMock('fn-token-fresh');
    const redactor = new Redactor();
    const issued = ['fn-token-stale', 'fn-token-fresh'];
    const connection = track(
      new McpConnection({ label: 'srv', url: `${mock.url}?api_key=url-key-1`, headers: { 'X-Tenant': 'tenant-secret-2' }, token: async () => issued.shift()! }, { redactor, transportMemory: new Map() }),
    );
    expect(connection.redactor).toBe(redactor);
    expect(redactor.scrub('url-key-1 tenant-secret-2 fn-token-stale')).toBe('<redacted> <redacted> fn-token-stale');
    await connection.connect();
    expect(redactor.scrub('fn-token-stale fn-token-fresh')).toBe('<redacted> <redacted>');
  });

  it('a refused connection says nothing of the URL credentials, nor of the token a server echoes back, in the message or the cause chain', async () => {
    const mock = await echoingMock('the-right-token');
    const connection = track(new McpConnection({ label: 'srv', url: `${mock.url}?token=url-token-3`, token: 'wrong-token-4' }, { transportMemory: new Map() }));
    const events: ProxyError[] = [];
    connection.on('error', (e) => events.push(e));
    const error = await connectError(connection);
    expect(error.message).toMatch(/^Failed to connect to MCP server "srv" at http:\/\/127\.0\.0\.1:\d+\/mcp\?token=<redacted>: the server refused our credentials \(HTTP 401\)/);
    // The server's 401 quoted our token: the cause carries it, redacted.
    expect(String((error.cause as Error).message)).toContain('Bearer <redacted>');
    for (const reported of [error, events[0]!]) {
      const chain = [reported.message, reported.stack, (reported.cause as Error).message, (reported.cause as Error).stack].join('\n');
      expect(chain).not.toMatch(/url-token-3|wrong-token-4/);
    }
  });

  it('a URL with userinfo fails to connect (fetch refuses credentials in URLs) without showing them', async () => {
    const server = await statusServer(200);
    const connection = track(new McpConnection({ label: 'srv', url: server.url.replace('http://', 'http://bot:userinfo-pw-5@') }, { transportMemory: new Map() }));
    const error = await connectError(connection);
    expect(error.message).toContain('at http://<redacted>@127.0.0.1:');
    const chain = [error.message, error.stack, (error.cause as Error | undefined)?.message, (error.cause as Error | undefined)?.stack].join('\n');
    expect(chain).not.toContain('userinfo-pw-5');
    expect(server.log).toEqual([]);
  });
});
