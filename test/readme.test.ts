/** The README's protocol example is examples/protocol.ts, and it prints what the README says it prints. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

function blockAfter(heading: string, language: string): string {
  const from = readme.indexOf(heading);
  const start = readme.indexOf('```' + language + '\n', from);
  const end = readme.indexOf('\n```', start + 4 + language.length);
  return readme.slice(start + 4 + language.length, end + 1);
}

describe('README', () => {
  it('shows examples/protocol.ts verbatim', () => {
    expect(blockAfter('## The protocol API', 'ts')).toBe(readFileSync(join(root, 'examples/protocol.ts'), 'utf8'));
  });

  it('shows what the example really prints', () => {
    const output = execFileSync(join(root, 'node_modules/.bin/tsx'), ['examples/protocol.ts'], { cwd: root, encoding: 'utf8' });
    expect(output).toBe(blockAfter('It prints:', 'text'));
  });

  it('keeps the Quick start test command', () => {
    expect(blockAfter('## Quick start', 'sh')).toContain('npm test');
  });
});
