/**
 * Watches the SSE streams that answer our POSTed requests (Streamable HTTP), so that a request
 * whose answer can no longer come ends now rather than at its deadline. The SDK's transport reports
 * a broken stream or a garbled event only to `onerror`, which names no request, and leaves the
 * request waiting (typescript-sdk 1.32 `_handleSseStream`). Here each answer stream is read a
 * second time on its way to the SDK, knowing which request it answers.
 *
 * A stream that ends cleanly after an event with an id is not a failure: the SDK resumes it with
 * GET + Last-Event-ID (SEP-1699 polling). Only a failed resumption is.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { createParser } from 'eventsource-parser';

export type RequestId = string | number;

export type StreamFailureKind =
  /** The connection broke (reset, server gone) before the answer: the request may or may not have run. */
  | 'broken'
  /** The stream ended cleanly without the answer, and without an event id to resume it from. */
  | 'ended'
  /** An event whose data is not a JSON-RPC message. */
  | 'malformed'
  /** The stream ended resumably, and resuming it (GET + Last-Event-ID) failed. */
  | 'resume_failed';

export interface StreamFailure {
  requestIds: RequestId[];
  kind: StreamFailureKind;
  /** What happened, for a message ("the connection broke (terminated: other side closed)"). */
  detail: string;
}

/** A fetch that reports, once per stream, the requests whose SSE answer can no longer come. */
export function watchResponseStreams(fetchImpl: FetchLike, onFailure: (failure: StreamFailure) => void): FetchLike {
  /** Requests whose stream ended resumably, by the last event id the SDK will resume from. */
  const awaitingResume = new Map<string, RequestId[]>();
  return async (url, init) => {
    const method = (init?.method ?? 'GET').toUpperCase();
    const resumeFrom = method === 'GET' ? (new Headers(init?.headers).get('last-event-id') ?? undefined) : undefined;
    const ids = method === 'POST' ? requestIdsOf(init?.body) : resumeFrom !== undefined ? awaitingResume.get(resumeFrom) : undefined;
    if (resumeFrom !== undefined) awaitingResume.delete(resumeFrom);
    if (ids === undefined || ids.length === 0) return fetchImpl(url, init);
    let response: Response;
    try {
      response = await fetchImpl(url, init);
    } catch (error) {
      // A POST that fails is rejected by the SDK itself; a failed resumption is only logged by it.
      if (resumeFrom !== undefined && !isAbort(error)) onFailure({ requestIds: ids, kind: 'resume_failed', detail: `resuming its answer stream failed (${describeError(error)})` });
      throw error;
    }
    if (resumeFrom !== undefined && !response.ok) {
      onFailure({ requestIds: ids, kind: 'resume_failed', detail: `resuming its answer stream got HTTP ${response.status}` });
      return response;
    }
    if (!response.ok || response.body === null || !isEventStream(response)) return response;
    const body = observeStream(response.body, ids, {
      onFailure,
      onResumable: (lastEventId, pending) => awaitingResume.set(lastEventId, pending),
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

interface StreamObserver {
  onFailure: (failure: StreamFailure) => void;
  onResumable: (lastEventId: string, pending: RequestId[]) => void;
}

/** The same bytes, read through: what they say about the `ids` is reported on the side. */
function observeStream(source: ReadableStream<Uint8Array>, ids: readonly RequestId[], observer: StreamObserver): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const decoder = new TextDecoder();
  const pending = new Set<RequestId>(ids);
  let settled = false;
  let lastEventId: string | undefined;
  const fail = (kind: StreamFailureKind, detail: string) => {
    if (settled || pending.size === 0) return;
    settled = true;
    observer.onFailure({ requestIds: [...pending], kind, detail });
  };
  const parser = createParser({
    onEvent: (event) => {
      if (event.id) lastEventId = event.id;
      // The SDK reads only `message` events (and unnamed ones); the rest are skipped there too.
      if (settled || event.data === '' || (event.event !== undefined && event.event !== 'message')) return;
      const problem = readMessage(event.data, pending);
      if (problem !== undefined) fail('malformed', problem);
    },
  });
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        // Our own abort (the transport closing) is not the server's doing.
        if (!isAbort(error)) fail('broken', describeError(error));
        controller.error(error);
        return;
      }
      if (chunk.done) {
        parser.feed(decoder.decode());
        if (!settled && pending.size > 0) {
          if (lastEventId !== undefined) observer.onResumable(lastEventId, [...pending]);
          else fail('ended', 'the server ended its answer stream without the response');
        }
        controller.close();
        return;
      }
      parser.feed(decoder.decode(chunk.value, { stream: true }));
      controller.enqueue(chunk.value);
    },
    cancel(reason) {
      settled = true;
      return reader.cancel(reason);
    },
  });
}

/** Undefined when `data` is a JSON-RPC message (and takes an answered id out of `pending`); else what is wrong. */
function readMessage(data: string, pending: Set<RequestId>): string | undefined {
  let message: unknown;
  try {
    message = JSON.parse(data);
  } catch {
    return `an event's data is not JSON (${clip(data)})`;
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message) || (message as { jsonrpc?: unknown }).jsonrpc !== '2.0') {
    return `an event's data is not a JSON-RPC message (${clip(data)})`;
  }
  const { id } = message as { id?: unknown };
  if ((typeof id === 'string' || typeof id === 'number') && ('result' in message || 'error' in message)) pending.delete(id);
  return undefined;
}

/** The ids of the requests in a POST body (the SDK sends one message per POST; a batch is read too). */
function requestIdsOf(body: unknown): RequestId[] | undefined {
  if (typeof body !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const ids: RequestId[] = [];
  for (const message of Array.isArray(parsed) ? parsed : [parsed]) {
    if (typeof message !== 'object' || message === null || typeof (message as { method?: unknown }).method !== 'string') continue;
    const { id } = message as { id?: unknown };
    if (typeof id === 'string' || typeof id === 'number') ids.push(id);
  }
  return ids;
}

function isEventStream(response: Response): boolean {
  return /^\s*text\/event-stream\b/i.test(response.headers.get('content-type') ?? '');
}

function isAbort(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > 60 ? `${flat.slice(0, 60)}…` : flat);
}
