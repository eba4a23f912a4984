/**
 * Waiting on a condition that other code makes true: waiters sleep until the next `wakeAll()` (or
 * their deadline) and then look again. One helper for the replay's loop and the recorded MCP
 * server, which both wait for records that arrive as the replay advances.
 */
export interface Wakeups {
  /** Wakes every sleeper; each looks at its condition again. */
  wakeAll(): void;
  /** How many waiters sleep now (their condition did not hold at the last look). */
  readonly sleeping: number;
  /**
   * Resolves `true` once `ready()` holds, `false` when `givenUp()` holds or the deadline (a
   * `Date.now()` time; `Infinity` for none) passes first.
   */
  until(ready: () => boolean, deadline: number, givenUp?: () => boolean): Promise<boolean>;
}

export function createWakeups(): Wakeups {
  const sleepers = new Set<() => void>();
  const sleep = (deadline: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        sleepers.delete(wake);
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      };
      const timer = Number.isFinite(deadline) ? setTimeout(wake, Math.max(0, deadline - Date.now())) : undefined;
      sleepers.add(wake);
    });
  return {
    wakeAll() {
      for (const wake of [...sleepers]) wake();
    },
    get sleeping() {
      return sleepers.size;
    },
    async until(ready, deadline, givenUp) {
      for (;;) {
        if (ready()) return true;
        if (givenUp?.() || Date.now() >= deadline) return false;
        await sleep(deadline);
      }
    },
  };
}
