/**
 * Property: whatever a server answers (text, structured content, error, legacy toolResult; base64,
 * data: URLs and bytes anywhere inside, JSON escapes around them), the `function_call_output` holds
 * no base64 run past BASE64_RUN_LIMIT and stays within maxOutputBytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { longestBase64Run } from '../../test/support/longestBase64Run.js';
import { BASE64_RUN_LIMIT } from './binaryPayloads.js';
import { formatToolResult } from './results.js';
import type { CallToolResult } from './types.js';

// The seed is the suite's (test/support/fastCheckSeed.ts); FUZZ_RUNS asks for more cases.
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

const base64 = fc.uint8Array({ minLength: 150, maxLength: 3000 }).map((bytes) => Buffer.from(bytes).toString('base64'));
const base64url = fc.uint8Array({ minLength: 150, maxLength: 3000 }).map((bytes) => Buffer.from(bytes).toString('base64url'));
const latin1 = fc.uint8Array({ minLength: 50, maxLength: 800 }).map((bytes) => Buffer.from(bytes).toString('latin1'));
const runOf = fc.tuple(fc.constantFrom('A', 'x', '/', '-', '0', 'Zz9+'), fc.integer({ min: 100, max: 600 })).map(([unit, times]) => unit.repeat(times));
const escape = fc.constantFrom('\n', '\t', '\u0001', '\u001f', '\ud800', '\udfff', '"', '\\');
/** Pieces a payload is made of, glued together so that runs meet escapes, quotes and words. */
const piece = fc.oneof(
  base64,
  base64url,
  latin1,
  runOf,
  escape,
  base64.map((data) => `data:image/png;base64,${data}`),
  base64.map((data) => data.match(/.{1,76}/g)!.join('\n')),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('hello ', 'data:', ';base64,', ' ', 'data:,'),
);
const payload = fc.array(piece, { minLength: 1, maxLength: 6 }).map((pieces) => pieces.join(''));
const mime = fc.option(fc.constantFrom('image/png', 'audio/wav', 'application/pdf'), { nil: undefined });
const structured: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    payload,
    fc.jsonValue({ maxDepth: 2 }),
    fc.record({ type: fc.constantFrom('image', 'audio'), data: payload, mimeType: mime }),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), payload), tie('node'), { maxKeys: 4 }),
  ),
})).node;
const block = fc.oneof(
  fc.record({ type: fc.constant('text'), text: payload }),
  fc.record({ type: fc.constant('image'), data: payload, mimeType: fc.constant('image/png') }),
  fc.record({ type: fc.constant('resource'), resource: fc.record({ uri: fc.oneof(payload, base64.map((data) => `data:image/png;base64,${data}`)), text: payload }) }),
  fc.record({ type: fc.constant('resource_link'), uri: payload, name: payload }),
);
const result = fc.record(
  {
    content: fc.array(block, { maxLength: 4 }),
    structuredContent: structured,
    isError: fc.boolean(),
    toolResult: fc.oneof(payload, structured),
  },
  { requiredKeys: [] },
);

describe('formatToolResult (fast-check)', () => {
  it(`never gives the model a base64 run over ${BASE64_RUN_LIMIT} characters, and stays within maxOutputBytes`, () => {
    fc.assert(
      fc.property(result, fc.constantFrom(undefined, 300, 1024, 16 * 1024), (answer, maxOutputBytes) => {
        const output = formatToolResult(answer as CallToolResult, maxOutputBytes === undefined ? {} : { maxOutputBytes });
        expect(longestBase64Run(output)).toBeLessThanOrEqual(BASE64_RUN_LIMIT);
        expect(Buffer.byteLength(output)).toBeLessThanOrEqual(maxOutputBytes ?? 16 * 1024);
      }),
      { numRuns: RUNS },
    );
  });
});
