/**
 * Decodes every recorded Realtime event in ../shared/captures (real and reference streams, beta and
 * GA; see its README). The captures are test inputs only and never copied into this repository, so
 * the suite skips, visibly, where the folder is absent.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeClientEvent, decodeServerEvent } from '../src/protocol/codec.js';
import { betaEventNames } from '../src/protocol/dialects.js';

const capturesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/captures');
const exists = existsSync(capturesDir);
if (!exists) console.warn(`[captures.test] Skipping the capture tests: the captures folder was not found at ${capturesDir}.`);

/** Lines per file, as the captures README documents them: an empty or cut-short read must fail. */
const documentedLineCounts: Record<string, number> = {
  'ga-sip-gateway.jsonl': 27,
  'beta-webrtc-log1.jsonl': 415,
  'beta-webrtc-log2.jsonl': 73,
  'ga-reference-examples.jsonl': 47,
};

/**
 * Client events in the captures that are known not to be valid GA, keyed by file and 1-based line.
 * Any other failure fails the suite.
 */
const knownInvalidClientEvents: Record<string, Record<number, { code: string; path: string }>> = {
  // go-openai-realtime serializes user message content as types "text", "audio" and "transcript";
  // GA user content is input_text / input_audio / input_image, so the strict decoder rejects them.
  'ga-reference-examples.jsonl': {
    38: { code: 'invalid_event', path: '/item/content/0/type' },
    39: { code: 'invalid_event', path: '/item/content/0/type' },
  },
};

interface CaptureLine {
  line: number;
  dir: 'in' | 'out';
  event: unknown;
}

function readCapture(file: string): CaptureLine[] {
  const text = readFileSync(resolve(capturesDir, file), 'utf8');
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return lines.map((source, i) => {
    const value = JSON.parse(source) as Record<string, unknown>;
    const directed = (value.dir === 'in' || value.dir === 'out') && typeof value.event === 'object';
    return directed ? { line: i + 1, dir: value.dir as 'in' | 'out', event: value.event } : { line: i + 1, dir: 'in', event: value };
  });
}

const files = exists ? readdirSync(capturesDir).filter((f) => f.endsWith('.jsonl')).sort() : [];

describe.skipIf(!exists)('recorded Realtime events (../shared/captures)', () => {
  it('holds every documented capture file', () => {
    expect(files).toEqual(expect.arrayContaining(Object.keys(documentedLineCounts)));
  });

  describe.each(files)('%s', (file) => {
    const lines = readCapture(file);
    const beta = file.startsWith('beta-');
    const serverLines = lines.filter((l) => l.dir === 'in');
    const clientLines = lines.filter((l) => l.dir === 'out');

    it('has the documented number of lines', () => {
      const documented = documentedLineCounts[file];
      if (documented === undefined) expect(lines.length).toBeGreaterThan(0);
      else expect(lines.length).toBe(documented);
    });

    it('decodes every server event, with no errors and no unknown events', () => {
      const failures = [];
      const unknown = [];
      for (const { line, event } of serverLines) {
        const result = decodeServerEvent(event as object);
        if (!result.ok) failures.push({ line, ...result.error });
        else if (result.event.type === 'proxy.unknown_event') unknown.push({ line, type: result.wireType });
      }
      expect(failures).toEqual([]);
      expect(unknown).toEqual([]);
      expect(serverLines.length).toBeGreaterThan(0);
    });

    it(beta ? 'reports the beta dialect for renamed and reshaped events' : 'reports the GA dialect for every server event', () => {
      const results = serverLines.map(({ line, event }) => {
        const result = decodeServerEvent(event as object);
        if (!result.ok) expect.fail(`line ${line}: ${result.error.message}`);
        return { line, ...result, gaType: result.event.type };
      });
      const renamed = results.filter((r) => betaEventNames.has(r.wireType));
      const upgraded = results.filter((r) => r.dialect === 'beta');
      if (!beta) {
        expect(upgraded.map((r) => r.line)).toEqual([]);
        return;
      }
      expect(renamed.length).toBeGreaterThan(0);
      for (const r of renamed) expect({ line: r.line, dialect: r.dialect, type: r.gaType }).toEqual({ line: r.line, dialect: 'beta', type: betaEventNames.get(r.wireType) });
      // Beyond the renames, the flat session and beta responses/items are reshaped.
      expect(upgraded.length).toBeGreaterThan(renamed.length);
      expect(upgraded.filter((r) => r.wireType === 'session.created')).toHaveLength(1);
    });

    // Bare files hold server events only.
    if (clientLines.length > 0) it('decodes every client event, except the known non-GA ones', () => {
      const failures: Record<number, { code: string; path: string }> = {};
      for (const { line, event } of clientLines) {
        const result = decodeClientEvent(event as object, { acceptBeta: beta });
        if (!result.ok) failures[line] = { code: result.error.code, path: result.error.path };
        else if (beta && result.event.type === 'session.update') expect(result.dialect).toBe('beta');
      }
      expect(failures).toEqual(knownInvalidClientEvents[file] ?? {});
    });
  });
});
