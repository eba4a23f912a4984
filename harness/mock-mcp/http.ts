/**
 * Small `node:http` helpers for the mock: reading a JSON body, canned replies, the request log and
 * looking inside JSON-RPC messages.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MockRequestRecord } from './state.js';

const MAX_BODY_BYTES = 16 * 1024 * 1024;

export type BodyResult = { ok: true; body: unknown } | { ok: false; status: number; message: string; code: number };

export async function readJsonBody(req: IncomingMessage): Promise<BodyResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return { ok: false, status: 413, code: -32000, message: 'Payload Too Large' };
    chunks.push(chunk as Buffer);
  }
  try {
    return { ok: true, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false, status: 400, code: -32700, message: 'Parse error: Invalid JSON' };
  }
}

export function sendJsonRpcError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(text);
}

/** `{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}`, as the SDK transport answers. */
export function sendSessionNotFound(res: ServerResponse): void {
  sendJsonRpcError(res, 404, -32001, 'Session not found');
}

/** Logs a request (authorization reduced to whether it was there) and fills in its status once known. */
export function logRequest(req: IncomingMessage, res: ServerResponse, log: MockRequestRecord[]): MockRequestRecord {
  const { authorization, ...headers } = req.headers;
  const record: MockRequestRecord = {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    headers,
    authorization: authorization !== undefined,
    rpcMethods: [],
  };
  log.push(record);
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    record.status = args[0] as number;
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as typeof res.writeHead;
  res.on('close', () => {
    if (record.status === undefined && res.headersSent) record.status = res.statusCode;
  });
  return record;
}

export type JsonRpcId = string | number;

export interface JsonRpcRequestLike {
  method: string;
  id: JsonRpcId;
  params?: Record<string, unknown>;
}

export function messagesOf(body: unknown): unknown[] {
  return Array.isArray(body) ? body : [body];
}

export function rpcMethodOf(message: unknown): string {
  if (typeof message !== 'object' || message === null) return 'invalid';
  const { method } = message as { method?: unknown };
  return typeof method === 'string' ? method : 'response';
}

export function isRequest(message: unknown, method?: string): message is JsonRpcRequestLike {
  if (typeof message !== 'object' || message === null) return false;
  const { method: m, id } = message as { method?: unknown; id?: unknown };
  return typeof m === 'string' && (typeof id === 'string' || typeof id === 'number') && (method === undefined || m === method);
}

/** The request id and reason of a notifications/cancelled, if that is what the message is. */
export function cancellationOf(message: unknown): { requestId: JsonRpcId; reason?: string } | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { method, id, params } = message as { method?: unknown; id?: unknown; params?: { requestId?: unknown; reason?: unknown } };
  if (method !== 'notifications/cancelled' || id !== undefined) return undefined;
  const requestId = params?.requestId;
  if (typeof requestId !== 'string' && typeof requestId !== 'number') return undefined;
  return { requestId, ...(typeof params?.reason === 'string' ? { reason: params.reason } : {}) };
}
