import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import type { MockFault } from './config.js';
import { faultMatches, invalidStructuredContent, isHttpFault, planCall, planKinds } from './faults.js';

describe('faultMatches', () => {
  it.each([
    [undefined, [1, 2, 3], [true, true, true]],
    [{ every: true }, [1, 2, 3], [true, true, true]],
    [{ every: false }, [1, 2, 3], [false, false, false]],
    [{ call: 2 }, [1, 2, 3], [false, true, false]],
    [{ call: 2, every: true }, [1, 2, 3], [false, true, true]],
  ])('%j matches calls %j as %j', (on, calls, expected) => {
    expect(calls.map((n) => faultMatches(on, n))).toEqual(expected);
  });
});

describe('planCall', () => {
  const faults: MockFault[] = [
    { kind: 'delay', ms: 5 },
    { kind: 'progress', steps: 2, intervalMs: 1, on: { call: 2 } },
    { kind: 'isError', on: { call: 3 } },
    { kind: 'delay', ms: 7 },
    { kind: 'http500', on: { call: 3, every: true } },
  ];

  it('collects delays and progress up to the first fault that decides the answer', () => {
    expect(planCall(faults, 1)).toEqual({ lead: [faults[0], faults[3]] });
    expect(planCall(faults, 2)).toEqual({ lead: [faults[0], faults[1], faults[3]] });
    expect(planCall(faults, 3)).toEqual({ lead: [faults[0]], final: faults[2] });
    expect(planCall(faults, 4)).toEqual({ lead: [faults[0], faults[3]], final: faults[4] });
    expect(planKinds(planCall(faults, 4))).toEqual(['delay', 'delay', 'http500']);
  });

  it('plans a normal answer without faults', () => {
    expect(planCall(undefined, 1)).toEqual({ lead: [] });
  });

  it('knows which faults the HTTP layer carries out', () => {
    expect(['http500', 'httpStatus', 'expireSession', 'malformedSse', 'hang', 'throw'].map((kind) => isHttpFault({ kind } as MockFault))).toEqual([true, true, true, true, false, false]);
    expect(isHttpFault(undefined)).toBe(false);
  });
});

describe('invalidStructuredContent', () => {
  const ajv = new Ajv2020({ strict: false });

  it.each([
    { type: 'object', properties: { a: { type: 'string' }, b: { type: 'number' } } },
    { type: 'object', properties: { a: { type: ['string', 'object'] }, b: { type: 'integer' }, c: { type: 'boolean' } } },
    { type: 'object', properties: { a: { type: ['string', 'number', 'integer', 'boolean', 'object'] } } },
    { type: 'object', properties: { a: {} }, required: ['a'] },
    { type: 'object', required: ['x'] },
  ])('breaks %j', (schema) => {
    expect(ajv.validate(schema, invalidStructuredContent(schema))).toBe(false);
  });

  it('breaks a property named "__proto__" (an output schema may come from a recorded server) by giving it an own value', () => {
    const schema = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}}}') as Record<string, unknown>;
    const broken = invalidStructuredContent(schema);
    expect(Object.entries(broken)).toEqual([['__proto__', 42]]);
    expect(Object.getPrototypeOf(broken)).toBe(Object.prototype);
  });
});
