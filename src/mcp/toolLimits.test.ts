import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProxyError } from '../errors.js';
import { applyToolLimits, describeToolLimit, estimateToolTokens, resolveToolLimits, type LimitCandidate } from './toolLimits.js';

const candidate = (server: string, tool: string, description = `does ${tool}`): LimitCandidate => ({
  server,
  tool,
  definition: { type: 'function', name: tool, description, parameters: { type: 'object', properties: {} } },
});

describe('resolveToolLimits', () => {
  it('fills in the defaults: 128 tools, 16 000 tokens', () => {
    expect(resolveToolLimits(undefined)).toEqual({ maxTools: 128, maxTokens: 16_000 });
    expect(resolveToolLimits({ maxTools: 20 })).toEqual({ maxTools: 20, maxTokens: 16_000 });
    expect(resolveToolLimits({ maxTools: 10_000, maxTokens: 1 })).toEqual({ maxTools: 10_000, maxTokens: 1 });
  });

  it.each([
    [{ maxTools: 0 }, 'toolLimits.maxTools: 0 is not a whole number from 1 to 10000'],
    [{ maxTools: -5 }, 'toolLimits.maxTools: -5 is not'],
    [{ maxTools: 1.5 }, 'toolLimits.maxTools: 1.5 is not'],
    [{ maxTools: Number.NaN }, 'toolLimits.maxTools: NaN is not'],
    [{ maxTools: Number.POSITIVE_INFINITY }, 'toolLimits.maxTools: Infinity is not'],
    [{ maxTools: 10_001 }, 'toolLimits.maxTools: 10001 is not'],
    [{ maxTools: '128' }, 'toolLimits.maxTools: "128" is not'],
    [{ maxTokens: 1_000_001 }, 'toolLimits.maxTokens: 1000001 is not a whole number from 1 to 1000000'],
    [{ maxTokens: null }, 'toolLimits.maxTokens: null is not'],
    [{ maxtools: 5 }, 'toolLimits: "maxtools" is not a limit. Please use maxTools and maxTokens.'],
    [null, 'toolLimits: it is null, not an object'],
    [[128], 'toolLimits: it is an array, not an object'],
    [128, 'toolLimits: it is number, not an object'],
  ])('refuses %j', (limits, message) => {
    let thrown: unknown;
    try {
      resolveToolLimits(limits);
    } catch (error) {
      thrown = error;
    }
    expect(ProxyError.isInstance(thrown) && thrown.code).toBe('invalid_options');
    expect((thrown as Error).message).toContain(`Failed to configure ${message}`);
  });
});

describe('estimateToolTokens', () => {
  it('is the UTF-8 size of the tool JSON as sent, over 4, rounded up', () => {
    const ascii = candidate('s', 'lookup', 'Looks a word up.').definition;
    expect(estimateToolTokens(ascii)).toBe(Math.ceil(JSON.stringify(ascii).length / 4));
    // "é" is one character but two bytes: the estimate follows the bytes.
    const accented = candidate('s', 'lookup', 'é'.repeat(400)).definition;
    expect(estimateToolTokens(accented)).toBe(Math.ceil((JSON.stringify(accented).length + 400) / 4));
  });
});

describe('applyToolLimits', () => {
  const many = (server: string, count: number) => Array.from({ length: count }, (_, i) => candidate(server, `${server}_${i}`));

  it('keeps everything under both limits, and says nothing', () => {
    const outcome = applyToolLimits(many('a', 5), { maxTools: 5, maxTokens: 10_000 });
    expect([outcome.kept.length, outcome.leftOut.length, outcome.reached]).toEqual([5, 0, undefined]);
    expect(outcome.keptTokens).toBe(outcome.totalTokens);
    expect(describeToolLimit(outcome)).toBeUndefined();
  });

  it('keeps the first maxTools in the order given, and describes what was left out, by server', () => {
    const candidates = [...many('small', 3), ...many('twilio', 197)];
    const outcome = applyToolLimits(candidates, { maxTools: 128, maxTokens: 1_000_000 });
    expect(outcome.kept).toEqual(candidates.slice(0, 128));
    expect(outcome.leftOut).toEqual(candidates.slice(128));
    expect(outcome.reached).toBe('maxTools');
    const described = describeToolLimit(outcome)!;
    expect(described.message).toMatch(/^Offering 128 of 200 tools \(~\d+ of ~\d+ tokens, estimated\): /);
    expect(described.message).toContain('toolLimits.maxTools is 128');
    expect(described.message).toContain('their calls are refused: "twilio" (125 of 197 kept).');
    expect(described.message).not.toContain('"small"');
    expect(described.message).toContain('Please choose the tools the model needs with allowedTools (server "twilio"');
    expect(described.message).toContain('--allow');
    expect(described.message).toContain('or raise toolLimits.maxTools (at most 10000).');
    expect(described.data).toMatchObject({ kept: 128, total: 200, reached: 'maxTools', servers: [{ server: 'twilio', kept: 125, total: 197 }] });
    expect((described.data.leftOut as unknown[])[0]).toEqual({ server: 'twilio', tool: 'twilio_125', functionName: 'twilio_125' });
  });

  it('stops at the first tool that would pass maxTokens, even when a later one would fit', () => {
    const big = candidate('a', 'big', 'x'.repeat(4_000));
    const candidates = [candidate('a', 'one'), big, candidate('b', 'tiny')];
    const perTool = estimateToolTokens(candidates[0]!.definition);
    const outcome = applyToolLimits(candidates, { maxTools: 128, maxTokens: perTool + 100 });
    expect(outcome.kept.map((c) => c.tool)).toEqual(['one']);
    expect(outcome.leftOut.map((c) => c.tool)).toEqual(['big', 'tiny']);
    expect(outcome.reached).toBe('maxTokens');
    expect(outcome.keptTokens).toBe(perTool);
    expect(describeToolLimit(outcome)!.message).toContain(`would pass toolLimits.maxTokens, ${perTool + 100} tokens`);
    expect(describeToolLimit(outcome)!.message).toContain('"a" (1 of 2 kept), "b" (0 of 1 kept)');
  });

  it('property: a prefix within both limits, and the longest one', () => {
    const arbitraryCandidate = fc.record({ server: fc.constantFrom('a', 'b', 'c'), tool: fc.string({ maxLength: 8 }), description: fc.string({ maxLength: 300 }) });
    fc.assert(
      fc.property(fc.array(arbitraryCandidate, { maxLength: 60 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 3_000 }), (specs, maxTools, maxTokens) => {
        const candidates = specs.map((spec) => candidate(spec.server, spec.tool, spec.description));
        const outcome = applyToolLimits(candidates, { maxTools, maxTokens });
        expect([...outcome.kept, ...outcome.leftOut]).toEqual(candidates);
        expect(outcome.kept.length).toBeLessThanOrEqual(maxTools);
        expect(outcome.keptTokens).toBeLessThanOrEqual(maxTokens);
        expect(outcome.keptTokens).toBe(outcome.kept.reduce((sum, c) => sum + estimateToolTokens(c.definition), 0));
        if (outcome.leftOut.length > 0) {
          const next = estimateToolTokens(outcome.leftOut[0]!.definition);
          expect(outcome.kept.length + 1 > maxTools || outcome.keptTokens + next > maxTokens).toBe(true);
        }
      }),
    );
  });
});
