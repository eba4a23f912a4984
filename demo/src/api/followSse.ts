/**
 * Follows serve's `GET /events` stream with fetch (EventSource cannot send the Authorization
 * header): each SSE message is checked before anyone sees it, a dropped connection is resumed with
 * `Last-Event-ID` (serve replays what was missed), and the stream ends when the session ends, when
 * serve refuses it, or when the signal aborts.
 */
import { createParser } from 'eventsource-parser';
import { parseServeError, parseServeEvent, type ServeEvent } from './serveTypes';

export interface FollowSseOptions {
  url: string;
  headers: Record<string, string>;
  fetch: typeof fetch;
  signal: AbortSignal;
  onEvent: (event: ServeEvent) => void;
  /** Where dropped messages are reported (never with their data: it may be hostile or long). Default console.warn. */
  warn?: (message: string) => void;
  /** Reconnects in a row without a single event before giving up. Default 5. */
  maxRetries?: number;
  /** The first wait before a reconnect, doubled each time. Default 500 ms. */
  retryDelayMs?: number;
}

/** Statuses that will not change by asking again. */
const FINAL_STATUSES = new Set([400, 401, 403, 404]);

export class SseRefused extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'SseRefused';
  }
}

/** Resolves when the session ended or the signal aborted; rejects with serve's message when it refuses the stream or stays unreachable. */
export async function followSse(options: FollowSseOptions): Promise<void> {
  const warn = options.warn ?? ((message: string) => console.warn(message));
  const maxRetries = options.maxRetries ?? 5;
  const baseDelay = options.retryDelayMs ?? 500;
  let lastEventId = 0;
  let failures = 0;
  let ended = false;

  const deliver = (data: string) => {
    const event = parseServeEvent(data);
    if (event === undefined) {
      warn('Dropped a message from the event stream: it is not a serve event { id, type, at, data }.');
      return;
    }
    if (event.id > 0) {
      // Events repeat after a reconnect when serve cannot tell what arrived: each is shown once.
      if (event.id <= lastEventId) return;
      lastEventId = event.id;
    }
    failures = 0;
    if (event.type === 'session.ended') ended = true;
    try {
      options.onEvent(event);
    } catch (error) {
      warn(`An event listener failed: ${error instanceof Error ? error.name : 'error'}. The stream goes on.`);
    }
  };

  while (!options.signal.aborted && !ended) {
    let lastProblem = 'the stream closed';
    try {
      const headers: Record<string, string> = { ...options.headers, Accept: 'text/event-stream' };
      if (lastEventId > 0) headers['Last-Event-ID'] = String(lastEventId);
      const response = await options.fetch(options.url, { headers, signal: options.signal, cache: 'no-store' });
      if (!response.ok) {
        const refusal = parseServeError(await response.json().catch(() => undefined));
        const message = refusal?.message ?? `Failed to follow the session's events: serve answered ${response.status}. Please check that serve is running.`;
        if (FINAL_STATUSES.has(response.status)) throw new SseRefused(message, response.status);
        lastProblem = message;
      } else if (response.body === null) {
        lastProblem = 'the answer had no body';
      } else {
        await readMessages(response.body, deliver, options.signal);
      }
    } catch (error) {
      if (error instanceof SseRefused) throw error;
      if (options.signal.aborted) return;
      lastProblem = 'serve could not be reached';
    }
    if (ended || options.signal.aborted) return;
    failures += 1;
    if (failures > maxRetries) throw new Error(`Failed to follow the session's events: ${lastProblem} (${maxRetries} reconnects). Please check that serve is running and reload.`);
    await pause(baseDelay * 2 ** (failures - 1), options.signal);
  }
}

async function readMessages(body: ReadableStream<Uint8Array>, deliver: (data: string) => void, signal: AbortSignal): Promise<void> {
  const parser = createParser({ onEvent: (message) => deliver(message.data) });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', cancel, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
