import { describe, expect, it } from 'vitest';
import { Listeners } from './listeners.js';

describe('Listeners', () => {
  it('runs every listener even when one throws, and logs the throw', () => {
    const log: string[] = [];
    const seen: number[] = [];
    const listeners = new Listeners<number>('onSpeech', (line) => log.push(line));
    listeners.add(() => {
      throw new Error('boom');
    });
    listeners.add((value) => seen.push(value));
    listeners.emit(1);
    expect(seen).toEqual([1]);
    expect(log).toEqual(['an onSpeech listener threw: boom']);
  });

  it('removes a listener with the returned function, even during an emit', () => {
    const seen: string[] = [];
    const listeners = new Listeners<string>('onClientEvent', () => {});
    let removeSecond = (): void => {};
    listeners.add(() => removeSecond());
    removeSecond = listeners.add((value) => seen.push(value));
    listeners.emit('a'); // removed during this emit, which still walks the listeners it started with
    listeners.emit('b');
    expect(seen).toEqual(['a']);
  });
});
