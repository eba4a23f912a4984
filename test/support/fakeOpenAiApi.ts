/**
 * A real HTTP server on 127.0.0.1 that stands in for the OpenAI REST API in unit tests of the
 * Realtime REST calls: it records each request whole (method, path, headers, raw body) and answers
 * with what the test's handler says. `hang` answers never (the headers, or the body after them).
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll } from 'vitest';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The body as a Web Request, to read multipart fields with `formData()`. */
  request(): Request;
}

export type FakeAnswer =
  | { status: number; body?: string; headers?: Record<string, string> }
  | { hang: 'headers' }
  | { hang: 'body'; status: number; headers?: Record<string, string> }
  | { destroy: true };

export interface FakeOpenAiApi {
  /** `http://127.0.0.1:<port>/v1`. */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  answer(handler: (request: RecordedRequest) => FakeAnswer): void;
  close(): Promise<void>;
}

export async function startFakeOpenAiApi(): Promise<FakeOpenAiApi> {
  const requests: RecordedRequest[] = [];
  const open = new Set<ServerResponse>();
  let handler: (request: RecordedRequest) => FakeAnswer = () => ({ status: 500, body: '{"error":{"message":"no handler"}}' });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        request: () =>
          new Request(`http://127.0.0.1${req.url}`, {
            method: req.method ?? 'POST',
            headers: Object.entries(req.headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value] as [string, string]] : [])),
            body,
          }),
      };
      requests.push(recorded);
      const answer = handler(recorded);
      if ('destroy' in answer) {
        req.socket.destroy();
        return;
      }
      open.add(res);
      res.on('close', () => open.delete(res));
      if ('hang' in answer) {
        if (answer.hang === 'body') {
          res.writeHead(answer.status, answer.headers);
          res.write('v=0\r\n'); // the start of an answer, and then nothing more
        }
        return;
      }
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    answer: (next) => (handler = next),
    close: async () => {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * One fake API for a test file: started before its tests, closed after them, its recorded requests
 * cleared after each test. The object reads the running server, so tests use it as they would the API.
 */
export function useFakeOpenAiApi(): FakeOpenAiApi {
  let api: FakeOpenAiApi | undefined;
  const running = (): FakeOpenAiApi => {
    if (!api) throw new Error('The fake OpenAI API is not running: use it inside a test.');
    return api;
  };
  beforeAll(async () => {
    api = await startFakeOpenAiApi();
  });
  afterAll(() => api?.close());
  afterEach(() => {
    if (api) api.requests.length = 0;
  });
  return {
    get baseUrl() {
      return running().baseUrl;
    },
    get requests() {
      return running().requests;
    },
    answer: (handler) => running().answer(handler),
    close: () => running().close(),
  };
}
