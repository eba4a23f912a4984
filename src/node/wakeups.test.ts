import { describe, expect, it } from 'vitest';
import { createWakeups } from './wakeups.js';

describe('createWakeups', () => {
  it('resolves true at the wake-up after which the condition holds (there is no deadline to wait for)', async () => {
    const wakeups = createWakeups();
    let ready = false;
    let looks = 0;
    const waiting = wakeups.until(() => (looks++, ready), Infinity);
    await new Promise((resolve) => setImmediate(resolve));
    wakeups.wakeAll(); // not ready yet: it sleeps again
    await new Promise((resolve) => setImmediate(resolve));
    ready = true;
    wakeups.wakeAll();
    await expect(waiting).resolves.toBe(true);
    expect(looks).toBe(3);
  });

  it('resolves false at the deadline, or as soon as the waiter gives up', async () => {
    const wakeups = createWakeups();
    await expect(wakeups.until(() => false, Date.now() + 20)).resolves.toBe(false);
    let givenUp = false;
    const waiting = wakeups.until(() => false, Infinity, () => givenUp);
    givenUp = true;
    wakeups.wakeAll();
    await expect(waiting).resolves.toBe(false);
  });

  it('does not sleep when the condition already holds, even past the deadline', async () => {
    const wakeups = createWakeups();
    await expect(wakeups.until(() => true, 0, () => true)).resolves.toBe(true);
    expect(wakeups.sleeping).toBe(0);
  });

  it('counts the waiters asleep: one per waiter whose condition did not hold, none once woken to a condition that holds', async () => {
    const wakeups = createWakeups();
    let ready = false;
    const first = wakeups.until(() => ready, Infinity);
    const second = wakeups.until(() => ready, Infinity);
    expect(wakeups.sleeping).toBe(2);
    wakeups.wakeAll(); // still not ready: both sleep again
    await Promise.resolve();
    expect(wakeups.sleeping).toBe(2);
    ready = true;
    wakeups.wakeAll();
    await expect(Promise.all([first, second])).resolves.toEqual([true, true]);
    expect(wakeups.sleeping).toBe(0);
  });
});
