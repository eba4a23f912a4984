import { describe, expect, it, vi } from 'vitest';
import type { ProxyError } from './errors.js';
import { Emitter } from './emitter.js';

type Events = { [event: string]: unknown[]; ping: [n: number]; error: [ProxyError] };

describe('Emitter', () => {
  it('calls listeners in order with their arguments, and stops after off', () => {
    const emitter = new Emitter<Events>();
    const seen: number[] = [];
    const off = emitter.on('ping', (n) => seen.push(n));
    emitter.on('ping', (n) => seen.push(n * 10));
    emitter.emit('ping', 1);
    off();
    emitter.emit('ping', 2);
    expect(seen).toEqual([1, 10, 20]);
  });

  it('turns a throwing listener into a listener_error and still calls the others', () => {
    const emitter = new Emitter<Events>();
    const errors: ProxyError[] = [];
    const after = vi.fn();
    emitter.on('error', (error) => errors.push(error));
    emitter.on('ping', () => {
      throw new Error('boom');
    });
    emitter.on('ping', after);
    emitter.emit('ping', 1);
    expect(after).toHaveBeenCalledWith(1);
    expect(errors[0]?.code).toBe('listener_error');
    expect(errors[0]?.message).toMatch(/^Failed to run a "ping" listener: it threw boom\. Please/);
  });

  it('reports hasListeners', () => {
    const emitter = new Emitter<Events>();
    expect(emitter.hasListeners('ping')).toBe(false);
    const off = emitter.on('ping', () => undefined);
    expect(emitter.hasListeners('ping')).toBe(true);
    off();
    expect(emitter.hasListeners('ping')).toBe(false);
  });

  it('keeps one copy of a listener added twice, which one off removes', () => {
    const emitter = new Emitter<Events>();
    const seen: number[] = [];
    const listener = (n: number) => seen.push(n);
    emitter.on('ping', listener);
    const off = emitter.on('ping', listener);
    emitter.emit('ping', 1);
    off();
    emitter.emit('ping', 2);
    expect(seen).toEqual([1]);
    expect(emitter.hasListeners('ping')).toBe(false);
  });

  it('runs an emit over the listeners present when it began, whatever they add or remove', () => {
    const emitter = new Emitter<Events>();
    const seen: string[] = [];
    const late = (n: number) => seen.push(`late ${n}`);
    const removed = (n: number) => seen.push(`removed ${n}`);
    emitter.on('ping', (n) => {
      seen.push(`first ${n}`);
      if (n === 1) {
        emitter.on('ping', late);
        emitter.off('ping', removed);
      }
    });
    emitter.on('ping', removed);
    emitter.emit('ping', 1);
    emitter.emit('ping', 2);
    expect(seen).toEqual(['first 1', 'removed 1', 'first 2', 'late 2']);
  });
});

describe('Emitter with onErrorListenerThrew', () => {
  it('hands an exception thrown by an error listener to the sink instead of rethrowing it', () => {
    const thrown: unknown[] = [];
    const emitter = new Emitter<Events>({ onErrorListenerThrew: (cause) => thrown.push(cause) });
    const after = vi.fn();
    emitter.on('error', () => {
      throw new Error('error listener broke');
    });
    emitter.on('error', after);
    emitter.on('ping', () => {
      throw new Error('boom');
    });
    emitter.emit('ping', 1);
    expect((thrown[0] as Error).message).toBe('error listener broke');
    expect(after).toHaveBeenCalledTimes(1);
  });
});
