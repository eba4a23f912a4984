/**
 * One session's events for `GET /events?session=<id>`: the proxy's inspection records, tool-call
 * timeline, approvals and session life, redacted before they are kept, in a bounded buffer (the
 * newest `capacity` events; a client that reconnects with `Last-Event-ID` gets what it missed, if
 * it is still there), and streamed as server-sent events with a heartbeat comment so proxies in
 * between do not close an idle stream. A client that falls `maxQueued` events behind is cut off
 * (with a `stream.overflow` event) rather than letting its backlog grow.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';

export interface ServeEvent {
  /** Increasing within the session: the SSE `id`. */
  readonly id: number;
  /** `toolCall.ended`, `approval.requested`, `inspect`, `session.ended`… */
  readonly type: string;
  /** Epoch ms. */
  readonly at: number;
  readonly data: unknown;
}

export interface SessionEventLogOptions {
  /** Events kept for late or reconnecting clients. Default 500. */
  capacity?: number;
  /** An event whose JSON is larger is kept as a summary (its scalar fields, `truncated: true`). Default 32 KiB. */
  maxEventBytes?: number;
}

interface Subscriber {
  event(event: ServeEvent): void;
  end(): void;
}

export class SessionEventLog {
  readonly #capacity: number;
  readonly #maxEventBytes: number;
  readonly #buffer: ServeEvent[] = [];
  readonly #subscribers = new Set<Subscriber>();
  #nextId = 1;
  #ended = false;

  constructor(options: SessionEventLogOptions = {}) {
    this.#capacity = options.capacity ?? 500;
    this.#maxEventBytes = options.maxEventBytes ?? 32 * 1024;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Keeps and sends an event (its data must already be redacted). Nothing is kept once the log ended. */
  push(type: string, data: unknown): void {
    if (this.#ended) return;
    const event: ServeEvent = { id: this.#nextId++, type, at: Date.now(), data: this.#bounded(data) };
    this.#buffer.push(event);
    if (this.#buffer.length > this.#capacity) this.#buffer.shift();
    for (const subscriber of this.#subscribers) subscriber.event(event);
  }

  /** The kept events after `lastId` (all of them for 0). */
  since(lastId: number): ServeEvent[] {
    return this.#buffer.filter((event) => event.id > lastId);
  }

  /** Follows new events until the log ends; returns the unsubscribe. */
  subscribe(subscriber: Subscriber): () => void {
    if (this.#ended) {
      subscriber.end();
      return () => undefined;
    }
    this.#subscribers.add(subscriber);
    return () => this.#subscribers.delete(subscriber);
  }

  /** No more events: every stream ends after what it has queued. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const subscriber of [...this.#subscribers]) subscriber.end();
    this.#subscribers.clear();
  }

  #bounded(data: unknown): unknown {
    let text: string | undefined;
    try {
      text = JSON.stringify(data);
    } catch {
      return { truncated: true, why: 'not serializable' };
    }
    if (text === undefined || text.length <= this.#maxEventBytes) return data;
    const summary: Record<string, unknown> = { truncated: true, bytes: text.length };
    if (typeof data === 'object' && data !== null) {
      for (const [key, value] of Object.entries(data)) {
        if (typeof value === 'string' ? value.length <= 256 : typeof value === 'number' || typeof value === 'boolean') summary[key] = value;
      }
    }
    return summary;
  }
}

export interface StreamEventsOptions {
  /** A comment line this often. Default 15 000 ms. */
  heartbeatMs?: number;
  /** A client this far behind is cut off. Default 1 000 events. */
  maxQueued?: number;
}

/** The SSE answer of `GET /events`: what the client missed (Last-Event-ID), then every new event until the session ends or the client leaves. */
export function streamSessionEvents(c: Context, log: SessionEventLog, options: StreamEventsOptions = {}): Response {
  const lastId = Number(c.req.header('last-event-id') ?? '0');
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxQueued = options.maxQueued ?? 1_000;
  c.header('Cache-Control', 'no-store');
  c.header('X-Accel-Buffering', 'no');
  return streamSSE(c, async (stream) => {
    const queue: ServeEvent[] = log.since(Number.isSafeInteger(lastId) && lastId > 0 ? lastId : 0);
    let ended = false;
    let overflow = false;
    let wake: (() => void) | undefined;
    const poke = () => {
      const resume = wake;
      wake = undefined;
      resume?.();
    };
    const unsubscribe = log.subscribe({
      event: (event) => {
        if (queue.length >= maxQueued) overflow = true;
        else queue.push(event);
        poke();
      },
      end: () => {
        ended = true;
        poke();
      },
    });
    stream.onAbort(poke);
    const heartbeat = setInterval(() => void stream.write(': keep-alive\n\n').catch(() => undefined), heartbeatMs);
    try {
      await stream.write(': connected\n\n');
      while (!stream.aborted && !stream.closed) {
        for (let event = queue.shift(); event !== undefined; event = queue.shift()) {
          await stream.writeSSE({ id: String(event.id), event: event.type, data: JSON.stringify(event) });
        }
        if (overflow) {
          await stream.writeSSE({ event: 'stream.overflow', data: JSON.stringify({ type: 'stream.overflow', at: Date.now(), data: { message: 'Failed to keep up: this client fell too far behind. Please reconnect with Last-Event-ID.' } }) });
          break;
        }
        if (ended) break;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } catch {
      // A write to a client that left: nothing to tell anyone (hono would print it).
    } finally {
      clearInterval(heartbeat);
      unsubscribe();
    }
  });
}
