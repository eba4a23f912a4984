/**
 * `Listeners`: one event's listeners for the simulator's WebRTC peer. A listener that throws is
 * logged and the others still run: the peer's own callbacks (werift's, the pacing timer) must never
 * unwind because of the code listening to them.
 */
export class Listeners<T> {
  #listeners: ReadonlyArray<(value: T) => void> = [];
  readonly #name: string;
  readonly #log: (line: string) => void;

  constructor(name: string, log: (line: string) => void) {
    this.#name = name;
    this.#log = log;
  }

  /** Adds a listener; returns a function that removes it. */
  add(listener: (value: T) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError(`${this.#name} takes a function`);
    // A fresh array per change: emit walks the one it read, whatever its listeners add or remove.
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  emit(value: T): void {
    for (const listener of this.#listeners) {
      try {
        listener(value);
      } catch (cause) {
        this.#log(`an ${this.#name} listener threw: ${cause instanceof Error ? cause.message : String(cause)}`);
      }
    }
  }

  clear(): void {
    this.#listeners = [];
  }
}
