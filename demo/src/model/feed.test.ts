import { describe, expect, it } from 'vitest';
import { createFeed } from './feed';

describe('createFeed', () => {
  it('numbers events itself, keeps the newest within capacity, and notifies once per batch', async () => {
    const feed = createFeed({ capacity: 3 });
    let notified = 0;
    feed.subscribe(() => void (notified += 1));
    for (let index = 0; index < 5; index += 1) feed.push({ id: 77, type: `e${index}`, data: index, origin: 'serve', at: 10 });
    expect(feed.getSnapshot().map((event) => [event.id, event.type])).toEqual([
      [3, 'e2'],
      [4, 'e3'],
      [5, 'e4'],
    ]);
    expect(feed.getSnapshot()).toBe(feed.getSnapshot());
    await Promise.resolve();
    expect(notified).toBe(1);
  });

  it('clears, pauses (notifying), and survives a listener that throws', async () => {
    const feed = createFeed();
    const seen: number[] = [];
    feed.subscribe(() => {
      throw new Error('view bug');
    });
    feed.subscribe(() => void seen.push(feed.getSnapshot().length));
    feed.push({ type: 'x', data: null, origin: 'page' });
    await Promise.resolve();
    feed.paused = true;
    await Promise.resolve();
    feed.clear();
    await Promise.resolve();
    expect(seen).toEqual([1, 1, 0]);
    expect(feed.paused).toBe(true);
  });
});
