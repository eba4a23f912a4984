import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockMcpServer } from '../../harness/mock-mcp/index.js';
import { startEverything, type RunningServer } from '../../test/support/mcpServers.js';
import { doctorMain } from './doctor.js';
import type { DoctorReport } from './doctorReport.js';
import { judge, probeStaleSession } from './doctorStaleSession.js';

const probe = (url: string, headers: Record<string, string> = {}) => probeStaleSession({ url, fetch: globalThis.fetch, headers, protocolVersion: '2025-11-25', timeoutMs: 5_000 });

describe('judge', () => {
  it.each([
    [404, 'Session not found', 'spec', undefined],
    [400, '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: No valid session ID provided"},"id":null}', 'recognised', 'note'],
    [200, '', 'not-checked', undefined],
    [401, 'Unauthorized', 'unknown', undefined],
    [400, '{"error":{"message":"Bad Request"}}', 'unrecognised', 'warning'],
    [500, 'Internal Server Error', 'unrecognised', 'warning'],
  ])('HTTP %i %s → %s', (status, body, verdict, level) => {
    const judged = judge(status, body);
    expect(judged.verdict).toBe(verdict);
    expect(judged.problem?.level).toBe(level);
  });

  it('quotes the JSON-RPC message, not the whole body, and advises what to do when it cannot recognise the answer', () => {
    expect(judge(400, '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: No valid session ID provided"},"id":null}').summary).toContain(
      '400 "Bad Request: No valid session ID provided": recognised',
    );
    const unrecognised = judge(500, 'Internal Server Error');
    expect(unrecognised.problem?.message).toMatch(/HTTP 500 "Internal Server Error", which the proxy cannot tell from a real failure.*Please make the server answer an unknown session with 404/);
  });
});

describe('probeStaleSession against real servers', () => {
  let everything: RunningServer;
  beforeAll(async () => {
    everything = await startEverything('streamableHttp');
  }, 30_000);
  afterAll(() => everything?.stop());

  it('server-everything: 400 "No valid session ID", recognised', async () => {
    expect(await probe(everything.url)).toMatchObject({ verdict: 'recognised', status: 400 });
  });

  it('an SDK session server (the mock): 404, the spec', async () => {
    const mock = await startMockMcpServer({ tools: [] });
    try {
      expect(await probe(mock.url)).toMatchObject({ verdict: 'spec', status: 404 });
    } finally {
      await mock.close();
    }
  });

  it('doctor reports it, as a row and in --json', async () => {
    const out: string[] = [];
    const io = { write: (text: string) => void out.push(text), writeError: () => undefined, env: {} };
    await doctorMain([everything.url], io);
    expect(out.join('\n')).toMatch(/restart +an unknown session gets 400 "Bad Request: No valid session ID provided": recognised/);
    out.length = 0;
    await doctorMain([everything.url, '--json'], io);
    const report = JSON.parse(out.join('')) as DoctorReport;
    expect(report.connection.staleSession).toMatchObject({ verdict: 'recognised', status: 400 });
    expect(report.problems).toContainEqual(expect.objectContaining({ topic: 'restart', level: 'note' }));
    expect(report.http).toContainEqual(expect.objectContaining({ method: 'POST', rpc: ['ping'], status: 400 }));
  }, 30_000);
});

describe('probeStaleSession on a scripted server', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
  });

  async function answering(status: number, body: string): Promise<{ url: string; seen: IncomingHttpHeaders[] }> {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    });
    servers.push(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`, seen };
  }

  it('sends a made-up session id with the credentials and the protocol version, and warns about an answer it cannot recognise', async () => {
    const server = await answering(500, 'boom');
    const result = await probe(server.url, { authorization: 'Bearer probe-token-1234' });
    expect(result).toMatchObject({ verdict: 'unrecognised', status: 500, problem: { level: 'warning', topic: 'restart' } });
    expect(server.seen[0]).toMatchObject({ 'mcp-session-id': expect.stringMatching(/^doctor-stale-session-probe-[0-9a-f-]{36}$/), authorization: 'Bearer probe-token-1234', 'mcp-protocol-version': '2025-11-25' });
  });

  it('a server that does not check sessions', async () => {
    const server = await answering(200, '{"jsonrpc":"2.0","id":"doctor-stale-session-probe","result":{}}');
    expect((await probe(server.url)).verdict).toBe('not-checked');
  });

  it('a probe that cannot connect says so, without a problem', async () => {
    const server = await answering(200, '');
    const url = server.url;
    await new Promise((done) => servers.pop()!.close(done));
    const result = await probe(url);
    expect(result.verdict).toBe('unknown');
    expect(result.summary).toMatch(/^not checked \(the probe failed: fetch failed/);
    expect(result.problem).toBeUndefined();
  });
});
