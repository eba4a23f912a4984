import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecentIds } from './recentIds.js';

describe('RecentIds', () => {
  it('remembers what was added, forgets what was deleted, and leaves older copies as they were', () => {
    const empty = new RecentIds(4);
    const one = empty.add('a');
    const two = one.add('toString').add('__proto__');
    expect([empty.has('a'), one.has('a'), two.has('toString'), two.has('__proto__'), two.has('constructor')]).toEqual([false, true, true, true, false]);
    const without = two.delete('a');
    expect([without.has('a'), two.has('a'), without.size, two.size]).toEqual([false, true, 2, 3]);
  });

  it('behaves like a bounded set that forgets its oldest ids first (property, against a plain model)', () => {
    const id = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', '__proto__', 'toString');
    const op = fc.oneof(fc.record({ add: id }), fc.record({ del: id }));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(op, { maxLength: 300 }), (limit, ops) => {
        let ids = new RecentIds(limit);
        const model: string[] = [];
        for (const step of ops) {
          const before = ids;
          const snapshot = model.slice();
          if ('add' in step) {
            ids = ids.add(step.add);
            if (!model.includes(step.add)) model.push(step.add);
            while (model.length > limit) model.shift();
          } else {
            ids = ids.delete(step.del);
            const at = model.indexOf(step.del);
            if (at >= 0) model.splice(at, 1);
          }
          // The copy made before this step still says what it said.
          for (const candidate of ['a', 'b', 'c', 'd', 'e', 'f', 'g', '__proto__', 'toString']) expect(before.has(candidate)).toBe(snapshot.includes(candidate));
        }
        for (const candidate of ['a', 'b', 'c', 'd', 'e', 'f', 'g', '__proto__', 'toString']) expect(ids.has(candidate), candidate).toBe(model.includes(candidate));
        expect(ids.size).toBe(model.length);
      }),
      { numRuns: 300 },
    );
  });
});
