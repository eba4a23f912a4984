/**
 * The recordings library: every file in recordings/ replays green against the current proxy (one
 * line per recording), holds no secret, is described in recordings/README.md, and comes from a
 * scenario of harness/recordings/scenarios.ts (`npm run recordings` writes them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarios } from '../harness/recordings/scenarios.js';
import { replay } from '../src/node/replay.js';
import { findSecrets } from '../src/redaction/index.js';

const dir = join(import.meta.dirname, '..', 'recordings');
const files = readdirSync(dir).filter((name) => name.endsWith('.jsonl') && !name.endsWith('.audio.jsonl'));

describe('recordings/', () => {
  it('has a recording for every scenario, and nothing else', () => {
    expect(files.map((name) => name.replace(/\.jsonl$/, '')).sort()).toEqual(scenarios.map((s) => s.name).sort());
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  it('describes every recording in its README', () => {
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    for (const name of files) expect(readme, name).toContain(`\`${name}\``);
  });

  it('holds no secret (API keys, client secrets, bearer tokens), in any file', () => {
    for (const name of readdirSync(dir)) {
      expect(findSecrets(readFileSync(join(dir, name), 'utf8')), name).toEqual([]);
    }
  });
});

describe('replay', () => {
  for (const name of files) {
    it(name, () => replay(join(dir, name)), 30_000);
  }
});
