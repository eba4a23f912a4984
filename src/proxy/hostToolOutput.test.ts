import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor } from '../redaction/index.js';
import { DONE_OUTPUT, hostToolOutput, toJsonTree } from './hostToolOutput.js';

const redactor = new Redactor(['sk-test-key']);
const output = (value: unknown, max = 16 * 1024) => hostToolOutput(value, redactor, max);

describe('hostToolOutput', () => {
  it('sends a string as it is, anything else as JSON, and nothing as {"ok":true}', () => {
    expect(output('It is sunny.')).toBe('It is sunny.');
    expect(output({ temperature: 21, unit: 'C' })).toBe('{"temperature":21,"unit":"C"}');
    expect(output([1, 'two', null])).toBe('[1,"two",null]');
    expect(output(42)).toBe('42');
    expect(output(false)).toBe('false');
    expect(output(null)).toBe('null');
    expect(output(undefined)).toBe(DONE_OUTPUT);
    expect(output(() => 1)).toBe(DONE_OUTPUT);
    expect(output(Symbol('x'))).toBe(DONE_OUTPUT);
  });

  it('survives a cyclic object: the cycle is marked, a shared (not cyclic) reference is copied', () => {
    const shared = { n: 1 };
    const root: Record<string, unknown> = { a: shared, b: shared };
    root.self = root;
    expect(JSON.parse(output(root))).toEqual({ a: { n: 1 }, b: { n: 1 }, self: '[Circular]' });
  });

  it('writes BigInts as their digits, NaN and Infinity as null, and a Date through its toJSON', () => {
    expect(JSON.parse(output({ big: 12345678901234567890n, nan: Number.NaN, inf: Infinity, at: new Date(0) }))).toEqual({ big: '12345678901234567890', nan: null, inf: null, at: '1970-01-01T00:00:00.000Z' });
    expect(output(7n)).toBe('"7"');
  });

  it('marks a throwing getter, a throwing toJSON and a revoked proxy instead of failing the call', () => {
    const value = {
      fine: 1,
      get broken(): never {
        throw new Error('getter exploded');
      },
      nested: { toJSON: () => { throw new Error('toJSON exploded'); } },
      proxy: (() => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return proxy;
      })(),
    };
    expect(JSON.parse(output(value))).toEqual({ fine: 1, broken: '[unreadable: reading it threw]', nested: '[unreadable: reading it threw]', proxy: '[unreadable: reading it threw]' });
  });

  it('keeps "__proto__" as data and copies Maps and Sets', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true}}') as object;
    expect(output(value)).toBe('{"__proto__":{"polluted":true}}');
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    expect(JSON.parse(output({ m: new Map<unknown, unknown>([['a', 1], [2, 'b']]), s: new Set([1, 2]) }))).toEqual({ m: { a: 1, '2': 'b' }, s: [1, 2] });
  });

  it('scrubs known secrets and key shapes from strings and JSON alike', () => {
    expect(output('the key is sk-test-key')).toBe(`the key is ${REDACTED}`);
    expect(output({ echoed: 'Bearer sk-test-key' })).not.toContain('sk-test-key');
  });

  it('caps the output at maxOutputBytes, scrubbing before the cut so no secret is split by it', () => {
    // Wherever the cut falls relative to the secret, no piece of it is left.
    for (let before = 100; before <= 200; before++) {
      const capped = output(`${'a '.repeat(before).slice(0, before)}sk-test-key${' b'.repeat(200).slice(0, 400 - before)}`, 200);
      expect(new TextEncoder().encode(capped).length).toBeLessThanOrEqual(200);
      expect(capped).toContain('…[truncated');
      expect(capped).not.toMatch(/sk|ey/);
    }
    expect(output({ list: Array.from({ length: 5000 }, (_, i) => i) }, 300).length).toBeLessThanOrEqual(300);
  });

  it('replaces base64 payloads with a placeholder, as for MCP results', () => {
    const image = 'iVBORw0KGgo'.padEnd(4000, 'A');
    expect(output({ mimeType: 'image/png', data: image })).toBe('{"mimeType":"image/png","data":"[image/png data removed: 3000 bytes]"}');
  });
});

describe('toJsonTree', () => {
  it('stops at a depth and a size far past any output cap', () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 200; i++) deep = (deep.next = {}) as Record<string, unknown>;
    expect(JSON.stringify(toJsonTree(root))).toContain('[…]');
    const wide = toJsonTree(Array.from({ length: 50_000 }, () => 1)) as unknown[];
    expect(wide.length).toBe(50_000);
    expect(wide.at(-1)).toBe('[…]');
  });
});
