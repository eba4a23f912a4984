import { describe, expect, it } from 'vitest';
import { longestBase64Run } from '../../test/support/longestBase64Run.js';
import { BASE64_RUN_LIMIT, base64Bytes, binarySafeJson, replaceBinaryInText } from './binaryPayloads.js';

const png = Buffer.alloc(3000, 7).toString('base64') + Buffer.from([1, 2, 3, 4, 5]).toString('base64');

describe('replaceBinaryInText', () => {
  it('replaces a base64 run past the limit with what it was, and keeps the text around it', () => {
    expect(replaceBinaryInText(`The file: ${png} (end)`)).toBe(`The file: [base64 data removed: ${base64Bytes(png)} bytes] (end)`);
    expect(replaceBinaryInText(png, 'image/png')).toBe(`[image/png data removed: ${base64Bytes(png)} bytes]`);
    expect(base64Bytes(png)).toBe(3005);
  });

  it('keeps runs up to the limit, and ordinary text, URLs, hashes and ids', () => {
    const atLimit = 'A'.repeat(BASE64_RUN_LIMIT);
    const text = [
      atLimit,
      'The weather in Paris is 21 °C with light rain; see https://example.com/weather/paris?units=metric&lang=en.',
      'sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      Array.from({ length: 40 }, (_, i) => `c0ffee${i}-1234-5678-9abc-def012345678`).join(', '),
      'word '.repeat(500),
    ].join('\n');
    expect(replaceBinaryInText(text)).toBe(text);
  });

  it('replaces data: URLs (media type and size), and leaves a short one', () => {
    const url = `data:image/jpeg;base64,${png}`;
    expect(replaceBinaryInText(`<img src="${url}"> and more`)).toBe(`<img src="[data URL removed: image/jpeg, ${base64Bytes(png)} bytes]"> and more`);
    const tiny = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
    expect(replaceBinaryInText(`icon ${tiny} ${'padding '.repeat(10)}`)).toBe(`icon ${tiny} ${'padding '.repeat(10)}`);
    const plain = `data:text/plain,${'hello%20'.repeat(100)}`;
    expect(replaceBinaryInText(`see ${plain} there`)).toBe('see [data URL removed: text/plain, 800 bytes] there');
  });

  it('replaces base64 wrapped in lines (MIME, PEM), which has no long run', () => {
    const wrapped = png.match(/.{1,76}/g)!.join('\r\n');
    expect(longestBase64Run(wrapped)).toBeLessThanOrEqual(76);
    expect(replaceBinaryInText(wrapped, 'application/pdf')).toBe(`[application/pdf data removed: ${base64Bytes(png)} bytes]`);
  });

  it('replaces bytes read as text', () => {
    const binary = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256)).toString('latin1');
    expect(replaceBinaryInText(binary)).toBe('[binary data removed: 300 characters]');
    expect(replaceBinaryInText('\uFFFD'.repeat(100))).toBe('[binary data removed: 100 characters]');
  });

  it('counts a JSON escape with the run it joins, so the output holds no longer run', () => {
    const joined = `${'A'.repeat(200)}\u0001${'B'.repeat(253)}`;
    expect(longestBase64Run(JSON.stringify(joined))).toBe(258);
    const safe = JSON.stringify(replaceBinaryInText(joined));
    expect(longestBase64Run(safe)).toBeLessThanOrEqual(BASE64_RUN_LIMIT);
    expect(safe).toContain('A'.repeat(200));
  });
});

describe('binarySafeJson', () => {
  it('replaces payloads anywhere in the structure, named by the media type beside them', () => {
    const structured = {
      content: [
        { type: 'image', data: png, mimeType: 'image/png' },
        { type: 'resource', resource: { uri: 'file:///tmp/a.bin', mimeType: 'application/octet-stream', blob: png } },
      ],
      nested: [[{ preview: `data:image/webp;base64,${png}` }]],
      caption: 'a photo',
    };
    const json = binarySafeJson(structured)!;
    expect(JSON.parse(json)).toEqual({
      content: [
        { type: 'image', data: `[image/png data removed: ${base64Bytes(png)} bytes]`, mimeType: 'image/png' },
        { type: 'resource', resource: { uri: 'file:///tmp/a.bin', mimeType: 'application/octet-stream', blob: `[application/octet-stream data removed: ${base64Bytes(png)} bytes]` } },
      ],
      nested: [[{ preview: `[data URL removed: image/webp, ${base64Bytes(png)} bytes]` }]],
      caption: 'a photo',
    });
  });

  it('replaces a payload used as a key, and keeps what JSON.stringify cannot hold undefined', () => {
    expect(JSON.parse(binarySafeJson({ [png]: 1, ok: true })!)).toEqual({ [`[base64 data removed: ${base64Bytes(png)} bytes]`]: 1, ok: true });
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(binarySafeJson(cycle)).toBeUndefined();
    expect(binarySafeJson({ n: 10n })).toBeUndefined();
    expect(binarySafeJson(undefined)).toBeUndefined();
  });
});
