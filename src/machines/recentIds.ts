/**
 * A bounded, immutable memory of ids seen lately (settled calls, answered approvals, out-of-band
 * responses): enough to recognise a repeat, without growing for the whole session. Immutable so
 * that a machine's older snapshots keep what they held.
 */
export class RecentIds {
  static readonly DEFAULT_LIMIT = 1024;

  readonly #ids: ReadonlySet<string>;
  readonly #order: readonly string[];
  readonly #limit: number;

  constructor(limit = RecentIds.DEFAULT_LIMIT, ids: ReadonlySet<string> = new Set(), order: readonly string[] = []) {
    this.#limit = limit;
    this.#ids = ids;
    this.#order = order;
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  get size(): number {
    return this.#order.length;
  }

  /** A copy without `id`. */
  delete(id: string): RecentIds {
    if (!this.#ids.has(id)) return this;
    const ids = new Set(this.#ids);
    ids.delete(id);
    return new RecentIds(this.#limit, ids, this.#order.filter((kept) => kept !== id));
  }

  /** A copy that also holds `id`, forgetting the oldest beyond the limit. */
  add(id: string): RecentIds {
    if (this.#ids.has(id)) return this;
    const order = [...this.#order, id];
    const ids = new Set(this.#ids).add(id);
    while (order.length > this.#limit) ids.delete(order.shift()!);
    return new RecentIds(this.#limit, ids, order);
  }
}
