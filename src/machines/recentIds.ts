/**
 * A bounded, immutable memory of ids seen lately (settled calls, answered approvals, out-of-band
 * responses): enough to recognise a repeat, without growing for the whole session. Immutable so
 * that a machine's older snapshots keep what they held.
 *
 * Every settled call adds one id, on the call path: a copy of the whole set per add would cost
 * O(limit) each time. So the ids live in a shared base, never mutated, plus a short list of recent
 * additions; only when that list is full is a new base built (amortised O(limit / RECENT_LIMIT)).
 */
const RECENT_LIMIT = 32;
// Shared by every empty memory (four per session): never mutated, like every base.
const NONE: ReadonlySet<string> = new Set();
const NO_IDS: readonly string[] = Object.freeze([]);

export class RecentIds {
  static readonly DEFAULT_LIMIT = 1024;

  readonly #limit: number;
  /** Never mutated once built: shared by every copy made from it. */
  readonly #base: ReadonlySet<string>;
  /** The base's ids, oldest first (for forgetting the oldest). */
  readonly #baseOrder: readonly string[];
  /** Added since the base was built, oldest first; none of them is in the base. */
  readonly #recent: readonly string[];
  /** Removed from the base since it was built. */
  readonly #removed: ReadonlySet<string>;

  constructor(limit = RecentIds.DEFAULT_LIMIT, base: ReadonlySet<string> = NONE, baseOrder: readonly string[] = NO_IDS, recent: readonly string[] = NO_IDS, removed: ReadonlySet<string> = NONE) {
    this.#limit = limit;
    this.#base = base;
    this.#baseOrder = baseOrder;
    this.#recent = recent;
    this.#removed = removed;
  }

  has(id: string): boolean {
    return (this.#base.has(id) && !this.#removed.has(id)) || this.#recent.includes(id);
  }

  get size(): number {
    return this.#base.size - this.#removed.size + this.#recent.length;
  }

  /** A copy without `id`. */
  delete(id: string): RecentIds {
    if (!this.has(id)) return this;
    if (this.#recent.includes(id)) return new RecentIds(this.#limit, this.#base, this.#baseOrder, this.#recent.filter((kept) => kept !== id), this.#removed);
    return new RecentIds(this.#limit, this.#base, this.#baseOrder, this.#recent, new Set(this.#removed).add(id));
  }

  /** A copy that also holds `id`, forgetting the oldest beyond the limit. */
  add(id: string): RecentIds {
    if (this.has(id)) return this;
    const recent = [...this.#recent, id];
    if (recent.length < RECENT_LIMIT && this.size < this.#limit) return new RecentIds(this.#limit, this.#base, this.#baseOrder, recent, this.#removed);
    // Build a new base: what is kept, oldest first, trimmed to the limit.
    const order = [...this.#baseOrder.filter((kept) => !this.#removed.has(kept)), ...recent].slice(-this.#limit);
    return new RecentIds(this.#limit, new Set(order), order);
  }
}
