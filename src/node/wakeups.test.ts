import { describe, expect, it } from 'vitest';
import { createWakeups } from './wakeups.js';

describe('createWakeups', () => {
  it('resolves true at the wake-up after which the condition holds, without waiting for the deadline', async () => {
    const wakeups = createWakeups();
    let ready = false;
    const started = Date.now();
    const waiting = wakeups.until(() => ready, started + 5000);
    setTimeout(() => wakeups.wakeAll(), 5); // not ready yet: it sleeps again
    setTimeout(() => {
      ready = true;
      wakeups.wakeAll();
    }, 15);
    await expect(waiting).resolves.toBe(true);
    expect(Date.now() - started).toBeLessThan(4000);
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
  });
});
