/**
 * Answer streams that break, end early, carry garbage or must be resumed, from a scripted HTTP
 * server on 127.0.0.1, through a real McpConnection: each call ends when the stream says so, not at
 * its deadline (20 s here; every case must end in well under that).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ProxyError } from '../errors.js';
import { McpConnection } from './connection.js';

type Script = (res: ServerResponse, id: number, req: IncomingMessage) => void;

const servers: Server[] = [];
const connections: McpConnection[] = [];
afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.close()));
  for (const server of servers.splice(0)) server.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
});

/** A stateful Streamable HTTP server whose `tools/call` answer is scripted; GETs go to `onGet`. */
async function scriptedServer(onCall: Script, onGet?: (res: ServerResponse, lastEventId: string | undefined) => void): Promise<{ url: string; gets: string[] }> {
  const gets: string[] = [];
  const server = createServer((req, res) => {
    if (req.method === 'GET') {
      const lastEventId = req.headers['last-event-id'] as string | undefined;
      gets.push(lastEventId ?? '(standalone)');
      if (lastEventId !== undefined && onGet) return onGet(res, lastEventId);
      return void res.writeHead(405).end();
    }
    if (req.method === 'DELETE') return void res.writeHead(200).end();
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const message = JSON.parse(body) as { id?: number; method: string; params?: { protocolVersion?: string } };
      if (message.id === undefined) return void res.writeHead(202).end();
      if (message.method === 'initialize') {
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'session-1' });
        return void res.end(
          JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { protocolVersion: message.params!.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'scripted', version: '1' } } }),
        );
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      onCall(res, message.id, req);
    });
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`, gets };
}

const progress = (id: number) => `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: `working on ${id}` } })}\n\n`;
const answer = (id: number, text: string) => `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }] } })}\n\n`;

async function call(url: string): Promise<{ error?: ProxyError; text?: string; ms: number }> {
  const connection = new McpConnection({ label: 'scripted', url, transport: 'streamable-http' }, { transportMemory: new Map() });
  connections.push(connection);
  await connection.connect();
  const started = Date.now();
  try {
    const result = await connection.callTool('work', {}, { timeoutMs: 20_000 });
    return { text: (result.content[0] as { text: string }).text, ms: Date.now() - started };
  } catch (error) {
    expect(ProxyError.isInstance(error)).toBe(true);
    return { error: error as ProxyError, ms: Date.now() - started };
  }
}

describe('answer streams that fail', () => {
  it('a connection reset mid-answer: mcp_connection_lost at once, "may or may not have run"', async () => {
    const { url } = await scriptedServer((res, id) => {
      res.write(progress(id));
      setTimeout(() => res.socket?.destroy(), 50);
    });
    const { error, ms } = await call(url);
    expect(error?.code).toBe('mcp_connection_lost');
    expect(error?.message).toMatch(/^Failed to call tool "work" on MCP server "scripted": the server closed the connection mid-call \(.+\), so the request may or may not have run\. Please/);
    expect(ms).toBeLessThan(5_000);
  });

  it('a stream that ends without the response (and cannot be resumed): mcp_protocol_error', async () => {
    const { url } = await scriptedServer((res, id) => res.end(progress(id)));
    const { error, ms } = await call(url);
    expect(error?.code).toBe('mcp_protocol_error');
    expect(error?.message).toContain('the server ended its answer stream without the response');
    expect(ms).toBeLessThan(5_000);
  });

  it.each([
    ['bad JSON', 'data: {"jsonrpc":"2.0","id":ID,"result": truncated', /an event's data is not JSON/],
    ['JSON that is not JSON-RPC', 'data: {"hello":"world"}', /an event's data is not a JSON-RPC message/],
  ])('%s in a data: line: mcp_protocol_error saying so, while the stream stays open', async (_, line, expected) => {
    const { url } = await scriptedServer((res, id) => res.write(`event: message\n${line.replace('ID', String(id))}\n\n`));
    const { error, ms } = await call(url);
    expect(error?.code).toBe('mcp_protocol_error');
    expect(error?.message).toMatch(expected);
    expect(ms).toBeLessThan(5_000);
  });

  it('a resumable stream (priming event, retry) whose resumption is refused: mcp_connection_lost', async () => {
    const { url, gets } = await scriptedServer(
      (res) => res.end('id: ev-1\nretry: 10\ndata: \n\n'),
      (res) => void res.writeHead(404).end('Session not found'),
    );
    const { error, ms } = await call(url);
    expect(gets).toContain('ev-1');
    expect(error?.code).toBe('mcp_connection_lost');
    expect(error?.message).toContain('resuming its answer stream got HTTP 404');
    expect(ms).toBeLessThan(5_000);
  });
});

describe('answer streams that work', () => {
  it('a stream closed after its priming event and resumed with GET + Last-Event-ID (SEP-1699 polling) still answers', async () => {
    let callId = 0;
    const { url, gets } = await scriptedServer(
      (res, id) => {
        callId = id;
        res.end('id: ev-1\nretry: 10\ndata: \n\n');
      },
      (res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`id: ev-2\n${answer(callId, 'resumed answer')}`);
      },
    );
    const { text, error } = await call(url);
    expect(error).toBeUndefined();
    expect(text).toBe('resumed answer');
    expect(gets).toContain('ev-1');
  });

  it('notifications, then the answer, then the end: an ordinary answer', async () => {
    const { url } = await scriptedServer((res, id) => res.end(progress(id) + answer(id, 'done')));
    expect(await call(url)).toMatchObject({ text: 'done' });
  });
});
