/**
 * A pass-through HTTP server on 127.0.0.1 in front of a real MCP server: every request is forwarded
 * as it came (streams included) and recorded (method, path, the Authorization header, the MCP
 * session id), so a test sees the credential the server side really sent and the session's end
 * (`DELETE` with its `mcp-session-id`), and the JSON-RPC method of each POST (a tool call is
 * `tools/call`). server-everything checks no credential itself.
 */
import { createServer, request as forward } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ForwardedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly mcpSessionId: string | undefined;
  /** The JSON-RPC method of a POST body (`initialize`, `tools/list`, `tools/call`…), when it has one. */
  readonly rpcMethod?: string;
  /** For `tools/call`: the tool's name. */
  readonly toolName?: string;
}

export interface RecordingForwarder {
  /** The same path as the target, on the forwarder's port. */
  readonly url: string;
  readonly requests: readonly ForwardedRequest[];
  /** Resolves with the first request (already seen, or to come) that `match` accepts. */
  waitFor(match: (request: ForwardedRequest) => boolean): Promise<ForwardedRequest>;
  close(): Promise<void>;
}

export async function startRecordingForwarder(targetUrl: string): Promise<RecordingForwarder> {
  const target = new URL(targetUrl);
  const requests: ForwardedRequest[] = [];
  const waiters: Array<{
    match: (request: ForwardedRequest) => boolean;
    resolve: (request: ForwardedRequest) => void;
  }> = [];
  const record = (seen: ForwardedRequest) => {
    requests.push(seen);
    for (const waiter of waiters.filter((entry) => entry.match(seen))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(seen);
    }
  };
  const server = createServer((req, res) => {
    const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined);
    const seen = { method: req.method ?? '', path: req.url ?? '/', authorization: header('authorization'), mcpSessionId: header('mcp-session-id') };
    const upstream = forward({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    res.on('close', () => upstream.destroy());
    if (req.method !== 'POST') {
      record(seen);
      req.pipe(upstream);
      return;
    }
    // A POST is a small JSON-RPC message: read it whole to note its method, then send it on.
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      record({ ...seen, ...rpcOf(body.toString('utf8')) });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(targetUrl);
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.toString(),
    requests,
    waitFor(match) {
      const found = requests.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function rpcOf(body: string): { rpcMethod?: string; toolName?: string } {
  try {
    const message = JSON.parse(body) as { method?: unknown; params?: { name?: unknown } };
    if (typeof message.method !== 'string') return {};
    return { rpcMethod: message.method, ...(message.method === 'tools/call' && typeof message.params?.name === 'string' ? { toolName: message.params.name } : {}) };
  } catch {
    return {};
  }
}
