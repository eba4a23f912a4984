import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createJsonSchemaValidator } from './jsonSchemaValidator.js';
import { DEFAULT_MAX_OUTPUT_BYTES, checkStructuredContent, formatToolError, formatToolResult, truncateOutput } from './results.js';
import type { CallToolResult, JsonSchema } from './types.js';

const encoder = new TextEncoder();
const bytesOf = (text: string) => encoder.encode(text).length;
const strictDecoder = new TextDecoder('utf-8', { fatal: true });
/** True when the text has no lone surrogate, i.e. its UTF-8 is exactly the text. */
const wellFormed = (text: string) => strictDecoder.decode(encoder.encode(text)) === text;

const pngBytes = Uint8Array.from({ length: 4035 }, (_, i) => (i * 131 + 7) % 256);
const pngBase64 = Buffer.from(pngBytes).toString('base64');

// Shapes as server-everything 2026.x returns them.
const tinyImage: CallToolResult = {
  content: [
    { type: 'text', text: "Here's the image you requested:" },
    { type: 'image', data: pngBase64, mimeType: 'image/png' },
    { type: 'text', text: 'The image above is the MCP logo.' },
  ],
};
const resourceLinks: CallToolResult = {
  content: [
    { type: 'text', text: 'Here are 2 resource links to resources available in this server:' },
    { name: 'Blob Resource 1', uri: 'demo://resource/dynamic/blob/1', description: 'Resource 1: plaintext resource', mimeType: 'text/plain', type: 'resource_link' },
    { name: 'Text Resource 2', uri: 'demo://resource/dynamic/text/2', description: 'Resource 2: plaintext resource', mimeType: 'text/plain', type: 'resource_link', size: 61 },
  ],
};
const weather = { temperature: 33, conditions: 'Cloudy', humidity: 82 };
const structured: CallToolResult = { content: [{ type: 'text', text: JSON.stringify(weather) }], structuredContent: weather };
const weatherSchema: JsonSchema = {
  type: 'object',
  properties: { temperature: { type: 'number' }, conditions: { type: 'string' }, humidity: { type: 'number' } },
  required: ['temperature', 'conditions', 'humidity'],
  $schema: 'http://json-schema.org/draft-07/schema#',
  additionalProperties: false,
};
const annotated = (audience: Array<'user' | 'assistant'>, text: string) => ({ type: 'text' as const, text, annotations: { priority: 0.7, audience } });

function parseError(output: string) {
  return JSON.parse(output) as { error: { code: string; message: string } };
}

describe('formatToolResult: content blocks', () => {
  it('joins text blocks and puts a placeholder with the decoded size where the image was (get-tiny-image)', () => {
    const output = formatToolResult(tinyImage);
    expect(output).toBe(`Here's the image you requested:\n[image: image/png, ${pngBytes.length} bytes]\nThe image above is the MCP logo.`);
    expect(output).not.toContain(pngBase64.slice(0, 32));
  });

  it('describes resource links in one short line each (get-resource-links)', () => {
    const lines = formatToolResult(resourceLinks).split('\n');
    expect(lines).toEqual([
      'Here are 2 resource links to resources available in this server:',
      '[resource link: Blob Resource 1 demo://resource/dynamic/blob/1 (text/plain)]',
      '[resource link: Text Resource 2 demo://resource/dynamic/text/2 (text/plain, 61 bytes)]',
    ]);
  });

  it('gives embedded text resources their text and blob resources a placeholder (get-resource-reference)', () => {
    const blob = Buffer.from('Resource 1: This is a base64 blob created at 9:13:16 AM');
    const result: CallToolResult = {
      content: [
        { type: 'text', text: 'Returning resource reference for Resource 1:' },
        { type: 'resource', resource: { uri: 'demo://resource/dynamic/blob/1', mimeType: 'text/plain', blob: blob.toString('base64') } },
        { type: 'resource', resource: { uri: 'demo://resource/dynamic/text/2', mimeType: 'text/plain', text: 'Resource 2: plaintext' } },
      ],
    };
    expect(formatToolResult(result).split('\n')).toEqual([
      'Returning resource reference for Resource 1:',
      `[resource demo://resource/dynamic/blob/1: text/plain, ${blob.length} bytes]`,
      '[resource demo://resource/dynamic/text/2]',
      'Resource 2: plaintext',
    ]);
  });

  it('gives audio a placeholder too, and names block types it does not know', () => {
    const wav = Buffer.alloc(1001, 1).toString('base64');
    const result = { content: [{ type: 'audio', data: wav, mimeType: 'audio/wav' }, { type: 'widget', html: '<b>' }] } as unknown as CallToolResult;
    expect(formatToolResult(result)).toBe('[audio: audio/wav, 1001 bytes]\n[widget content]');
  });

  it('computes the decoded size of any base64 (padded, unpadded, url-safe, wrapped at 76)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom('padded', 'unpadded', 'url', 'wrapped'), (bytes, style) => {
        const buffer = Buffer.from(bytes);
        let data = buffer.toString(style === 'url' ? 'base64url' : 'base64');
        if (style === 'unpadded') data = data.replace(/=+$/, '');
        if (style === 'wrapped') data = data.replace(/.{76}/g, '$&\r\n');
        const output = formatToolResult({ content: [{ type: 'image', data, mimeType: 'image/jpeg' }] });
        expect(output).toBe(`[image: image/jpeg, ${bytes.length} bytes]`);
      }),
    );
  });
});

describe('formatToolResult: what the model reads', () => {
  it('prefers structuredContent over the text blocks repeating it (get-structured-content)', () => {
    const output = formatToolResult({ ...structured, content: [{ type: 'text', text: 'It is cloudy.' }] });
    expect(JSON.parse(output)).toEqual(weather);
  });

  it('leaves out blocks meant for the user only (get-annotated-message)', () => {
    const debug = { content: [annotated(['assistant'], 'Debug: Cache hit ratio 0.95, latency 150ms')] };
    const error = { content: [annotated(['user', 'assistant'], 'Error: Operation failed')] };
    const mixed = { content: [annotated(['user'], 'Operation completed successfully'), annotated(['assistant'], 'Debug: 150ms')] };
    expect(formatToolResult(debug)).toBe('Debug: Cache hit ratio 0.95, latency 150ms');
    expect(formatToolResult(error)).toBe('Error: Operation failed');
    expect(formatToolResult(mixed)).toBe('Debug: 150ms');
  });

  it('still tells the model the tool succeeded when everything was for the user', () => {
    const success = {
      content: [annotated(['user'], 'Operation completed successfully'), { type: 'image' as const, data: pngBase64, mimeType: 'image/png', annotations: { priority: 0.5, audience: ['user' as const] } }],
    };
    const output = JSON.parse(formatToolResult(success)) as { ok: boolean; note: string };
    expect(output.ok).toBe(true);
    expect(output.note).toMatch(/user/);
  });

  it.each([
    ['no content', { content: [] }],
    ['an empty text', { content: [{ type: 'text' as const, text: '' }] }],
    ['blank text', { content: [{ type: 'text' as const, text: ' \n ' }] }],
  ])('answers {"ok":true} for %s, so the model knows the tool succeeded', (_, result) => {
    expect(JSON.parse(formatToolResult(result))).toEqual({ ok: true });
  });

  it('reads the legacy { toolResult } shape', () => {
    const legacy = { toolResult: { rows: 3 } } as unknown as CallToolResult;
    expect(JSON.parse(formatToolResult(legacy))).toEqual({ rows: 3 });
  });

  it('falls back to the content when structuredContent cannot be serialized', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(formatToolResult({ content: [{ type: 'text', text: 'a is 1' }], structuredContent: cyclic })).toBe('a is 1');
  });
});

describe('formatToolResult: isError', () => {
  it('wraps the text in an error object the model cannot mistake for data', () => {
    const text = 'MCP error -32602: Input validation error: Invalid arguments for tool get-sum: Invalid input: expected number, received string at a\nInvalid input: expected number, received undefined at b';
    const output = formatToolResult({ content: [{ type: 'text', text }], isError: true });
    expect(parseError(output)).toEqual({ error: { code: 'tool_error', message: text } });
  });

  it('uses structuredContent, then a stock sentence, when the error has no text', () => {
    expect(parseError(formatToolResult({ content: [], structuredContent: { reason: 'quota' }, isError: true })).error.message).toBe('{"reason":"quota"}');
    expect(parseError(formatToolResult({ content: [], isError: true })).error.message).toMatch(/without a message/);
  });

  it('keeps a huge error valid JSON within the cap', () => {
    const text = `"quoted" and \u0001 control ${'x\n'.repeat(50_000)} end`;
    const output = formatToolResult({ content: [{ type: 'text', text }], isError: true }, { maxOutputBytes: 2000 });
    expect(bytesOf(output)).toBeLessThanOrEqual(2000);
    const { message } = parseError(output).error;
    expect(text.startsWith(message.slice(0, message.indexOf('\n…[truncated')))).toBe(true);
    expect(message.endsWith(' end')).toBe(true);
  });
});

describe('formatToolError', () => {
  it('builds {"error":{"code","message"}}', () => {
    expect(parseError(formatToolError('timeout', 'The tool did not answer within 30 s.'))).toEqual({ error: { code: 'timeout', message: 'The tool did not answer within 30 s.' } });
  });

  it('stays parseable JSON within the cap for any message, escapes and all', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '"', '\\', '\n', '\u0001', 'é', '語', '😀'), maxLength: 3000 }), fc.integer({ min: 60, max: 1500 }), (message, max) => {
        const output = formatToolError('tool_error', message, { maxOutputBytes: max });
        expect(bytesOf(output)).toBeLessThanOrEqual(max);
        const parsed = parseError(output);
        expect(parsed.error.code).toBe('tool_error');
        const kept = parsed.error.message;
        if (bytesOf(JSON.stringify({ error: { code: 'tool_error', message } })) <= max) expect(kept).toBe(message);
        else if (!kept.includes('\n…[truncated ')) expect(message.startsWith(kept)).toBe(true); // too little room for a marker
        else {
          const [head = '', tail = ''] = kept.split(/\n…\[truncated \d+ bytes\]…\n/);
          expect(message.startsWith(head) && message.endsWith(tail)).toBe(true);
        }
      }),
    );
  });
});

describe('output cap', () => {
  it('caps at 16 KiB by default, and at maxOutputBytes when given', () => {
    const text = 'word '.repeat(10_000);
    expect(bytesOf(formatToolResult({ content: [{ type: 'text', text }] }))).toBeLessThanOrEqual(DEFAULT_MAX_OUTPUT_BYTES);
    expect(bytesOf(formatToolResult({ content: [{ type: 'text', text }] }))).toBeGreaterThan(DEFAULT_MAX_OUTPUT_BYTES - 8);
    expect(bytesOf(formatToolResult({ content: [{ type: 'text', text }] }, { maxOutputBytes: 500 }))).toBeLessThanOrEqual(500);
    expect(formatToolResult({ content: [{ type: 'text', text: 'short' }] }, { maxOutputBytes: 500 })).toBe('short');
  });

  it.each([0, -1, Number.NaN])('falls back to the default for maxOutputBytes %s', (maxOutputBytes) => {
    const text = 'word '.repeat(10_000);
    const output = formatToolResult({ content: [{ type: 'text', text }] }, { maxOutputBytes });
    expect(bytesOf(output)).toBeLessThanOrEqual(DEFAULT_MAX_OUTPUT_BYTES);
    expect(bytesOf(output)).toBeGreaterThan(DEFAULT_MAX_OUTPUT_BYTES - 8);
  });

  it('caps structuredContent as well', () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({ id: i, name: `row ${i}` }));
    const output = formatToolResult({ content: [], structuredContent: { rows } }, { maxOutputBytes: 1000 });
    expect(bytesOf(output)).toBeLessThanOrEqual(1000);
    expect(output.startsWith('{"rows":[{"id":0,')).toBe(true);
    expect(output.endsWith(`"name":"row 4999"}]}`)).toBe(true);
  });

  it('handles a 5 MB result of mixed scripts: head, tail and an exact count of what was cut', () => {
    const text = `START ${'日本語のテキスト😀 and ascii '.repeat(180_000)} END`;
    const total = bytesOf(text);
    expect(total).toBeGreaterThan(5_000_000);
    const output = formatToolResult({ content: [{ type: 'text', text }] });
    const bytes = bytesOf(output);
    expect(bytes).toBeLessThanOrEqual(DEFAULT_MAX_OUTPUT_BYTES);
    expect(output.startsWith('START 日本語')).toBe(true);
    expect(output.endsWith(' END')).toBe(true);
    const [head = '', tail = ''] = output.split(/\n…\[truncated \d+ bytes\]…\n/);
    const removed = Number(/\[truncated (\d+) bytes\]/.exec(output)?.[1]);
    expect(removed).toBe(total - bytesOf(head) - bytesOf(tail));
    expect(wellFormed(output)).toBe(true);
  });
});

describe('truncateOutput', () => {
  const split = (output: string) => {
    const match = /\n…\[truncated (\d+) bytes\]…\n/.exec(output);
    if (match === null) return undefined;
    return { head: output.slice(0, match.index), tail: output.slice(match.index + match[0].length), removed: Number(match[1]) };
  };
  const unit = fc.oneof(fc.constantFrom('a', ' ', '\n', 'é', '語', '😀', '👩‍👩‍👧'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }));
  const text = fc.string({ unit, maxLength: 2000 });
  const longText = fc.string({ unit, minLength: 50, maxLength: 3000, size: 'medium' });

  it('returns text within the cap unchanged', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 10_000 }), (input, max) => {
        fc.pre(bytesOf(input) <= max);
        expect(truncateOutput(input, max)).toBe(input);
      }),
    );
  });

  it('keeps head and tail, counts the cut bytes exactly, stays within the cap and never splits a character', () => {
    fc.assert(
      fc.property(longText, fc.double({ min: 0, max: 1, noNaN: true }), (input, fraction) => {
        const total = bytesOf(input);
        // Any cap from 40 bytes to one byte short of the text.
        const max = 40 + Math.floor(fraction * (total - 41));
        const output = truncateOutput(input, max);
        const bytes = bytesOf(output);
        expect(bytes).toBeLessThanOrEqual(max);
        expect(wellFormed(output)).toBe(true);
        const parts = split(output);
        expect(parts).toBeDefined();
        if (parts === undefined) return;
        const { head, tail, removed } = parts;
        expect(input.startsWith(head)).toBe(true);
        expect(input.endsWith(tail)).toBe(true);
        expect(removed).toBe(total - bytesOf(head) - bytesOf(tail));
        // Little room goes unused: one character at the tail's edge, and the marker's count may be shorter than planned.
        const slack = 4 + String(total).length - String(removed).length;
        expect(bytes).toBeGreaterThanOrEqual(max - slack);
        // Three quarters of the room go to the head.
        const room = max - bytesOf(`\n…[truncated ${total} bytes]…\n`);
        expect(bytesOf(head)).toBeGreaterThan(Math.floor((room * 3) / 4) - 4);
        expect(bytesOf(head)).toBeLessThanOrEqual(Math.floor((room * 3) / 4));
      }),
      { numRuns: 300 },
    );
  });

  it('never splits a surrogate pair at either edge, whatever the cap', () => {
    const emoji = '😀'.repeat(5000);
    for (let max = 40; max < 80; max++) {
      const output = truncateOutput(emoji, max);
      expect(wellFormed(output)).toBe(true);
      expect(bytesOf(output)).toBeLessThanOrEqual(max);
    }
  });

  it('counts a lone surrogate as TextEncoder does (U+FFFD, 3 bytes)', () => {
    const input = `${'\ud800x'.repeat(300)}`;
    const output = truncateOutput(input, 200);
    expect(bytesOf(output)).toBeLessThanOrEqual(200);
    const parts = split(output);
    expect(parts?.removed).toBe(bytesOf(input) - bytesOf(parts?.head ?? '') - bytesOf(parts?.tail ?? ''));
  });

  it('keeps only what fits when the cap is smaller than the marker', () => {
    expect(truncateOutput('abcdefghijklmnopqrstuvwxyz'.repeat(4), 10)).toBe('abcdefghij');
    expect(truncateOutput('abc', 0)).toBe('');
  });
});

describe('checkStructuredContent', () => {
  it('accepts anything when the tool has no outputSchema, and error results whatever they hold', () => {
    expect(checkStructuredContent(undefined, { content: [] })).toEqual({ ok: true });
    expect(checkStructuredContent(weatherSchema, { content: [{ type: 'text', text: 'boom' }], isError: true })).toEqual({ ok: true });
  });

  it('accepts structuredContent that matches (get-structured-content)', () => {
    expect(checkStructuredContent(weatherSchema, structured)).toEqual({ ok: true });
  });

  it('reports a result without structuredContent', () => {
    const check = checkStructuredContent(weatherSchema, { content: [{ type: 'text', text: JSON.stringify(weather) }] });
    expect(check.ok).toBe(false);
    expect(!check.ok && check.message).toMatch(/no structuredContent/);
  });

  it('names each mismatch as a path under structuredContent', () => {
    const check = checkStructuredContent(weatherSchema, { content: [], structuredContent: { temperature: '33', conditions: 'Cloudy', wind: 4 } });
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.message).toContain('structuredContent/temperature must be number');
    expect(check.message).toContain('missing required property "humidity"');
    expect(check.message).toContain('unexpected property "wind"');
    expect(check.problems?.map((p) => p.path).sort()).toEqual(['/humidity', '/temperature', '/wind']);
  });

  it('lets a result through, saying why, when the outputSchema does not compile', () => {
    const check = checkStructuredContent({ type: 'object', properties: { a: { type: 'decimal' } } }, { content: [], structuredContent: { a: 1 } });
    expect(check.ok).toBe(true);
    expect(check.ok && check.skipped).toMatch(/does not compile/);
  });

  it('compiles each outputSchema object once', () => {
    const validator = createJsonSchemaValidator();
    for (let i = 0; i < 3; i++) checkStructuredContent(weatherSchema, { content: [], structuredContent: { ...weather, temperature: i } }, validator);
    expect(validator.compiledCount).toBe(1);
    checkStructuredContent({ ...weatherSchema }, structured, validator);
    expect(validator.compiledCount).toBe(2);
  });
});
