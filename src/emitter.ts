import { ProxyError } from './errors.js';

/** Maps an event name to the arguments its listeners receive. */
export type EventMap = { [event: string]: unknown[] };

export type Listener<Args extends unknown[]> = (...args: Args) => void;

export interface EmitterOptions {
  /**
   * Where an exception thrown by an `error` listener goes. Default: rethrown on a fresh stack, so it
   * stays visible without unwinding the code that emitted. A host-facing emitter passes its logger,
   * so that a buggy error listener cannot take the process down.
   */
  onErrorListenerThrew?: (cause: unknown) => void;
}

/**
 * A small typed emitter. A listener that throws never breaks the emitter: its exception is reported
 * to the `error` listeners (or, from an `error` listener itself, to `onErrorListenerThrew`).
 */
export class Emitter<Events extends EventMap & { error: [ProxyError] }> {
  // Stored untyped: the map ties each event to its own argument list, which one Map type cannot say.
  // Each event's listeners are an array replaced on every change, never changed in place: `emit`
  // walks the array it read even when a listener adds or removes listeners, without copying it,
  // and a session's dozen events cost a few words each instead of a Set each.
  readonly #listeners = new Map<keyof Events, readonly Function[]>();
  readonly #onErrorListenerThrew: ((cause: unknown) => void) | undefined;

  constructor(options: EmitterOptions = {}) {
    this.#onErrorListenerThrew = options.onErrorListenerThrew;
  }

  /** Adds a listener; returns a function that removes it. */
  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): () => void {
    const listeners = this.#listeners.get(event) ?? [];
    // Adding a listener that is already there changes nothing (and one `off` removes it).
    if (!listeners.includes(listener)) this.#listeners.set(event, [...listeners, listener]);
    return () => this.off(event, listener);
  }

  off<E extends keyof Events>(event: E, listener: Listener<Events[E]>): void {
    const listeners = this.#listeners.get(event);
    if (listeners === undefined || !listeners.includes(listener)) return;
    if (listeners.length === 1) this.#listeners.delete(event);
    else this.#listeners.set(event, listeners.filter((l) => l !== listener));
  }

  hasListeners(event: keyof Events): boolean {
    return this.#listeners.has(event);
  }

  emit<E extends keyof Events>(event: E, ...args: Events[E]): void {
    const listeners = this.#listeners.get(event);
    if (listeners === undefined) return;
    for (const listener of listeners) {
      try {
        (listener as Listener<Events[E]>)(...args);
      } catch (cause) {
        if (event === 'error') {
          const sink = this.#onErrorListenerThrew;
          if (sink) {
            try {
              sink(cause);
            } catch {
              // The sink is the last resort: nothing is left to tell.
            }
          } else {
            setTimeout(() => {
              throw cause;
            });
          }
        } else {
          const message = `Failed to run a "${String(event)}" listener: it threw ${cause instanceof Error ? cause.message : String(cause)}. Please catch errors inside your listener.`;
          this.emit('error', ...([new ProxyError('listener_error', message, { cause })] as Events['error']));
        }
      }
    }
  }

  removeAllListeners(): void {
    this.#listeners.clear();
  }
}
