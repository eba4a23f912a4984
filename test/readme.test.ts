/** The README's examples are the files in examples/, and they print what the README says they print. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

function blockAfter(heading: string, language: string, after = ''): string {
  const from = readme.indexOf(heading, readme.indexOf(after));
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

  it('shows examples/mcp.ts verbatim', () => {
    expect(blockAfter('## The MCP API', 'ts')).toBe(readFileSync(join(root, 'examples/mcp.ts'), 'utf8'));
  });

  it('shows what the MCP example really prints (against server-everything over stdio)', () => {
    const output = execFileSync(join(root, 'node_modules/.bin/tsx'), ['examples/mcp.ts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(output).toBe(blockAfter('It prints:', 'text', '## The MCP API'));
  }, 60_000);

  it('keeps the Quick start: npm install && npm start, then npm test', () => {
    expect(blockAfter('## Quick start', 'sh')).toBe('npm install && npm start\nnpm test\n');
  });

  it('shows examples/proxy.ts verbatim (type-checked with the examples)', () => {
    expect(blockAfter('## The proxy', 'ts')).toBe(readFileSync(join(root, 'examples/proxy.ts'), 'utf8'));
  });

  it('shows examples/hostTools.ts verbatim (type-checked with the examples)', () => {
    expect(blockAfter('### Your own tools', 'ts')).toBe(readFileSync(join(root, 'examples/hostTools.ts'), 'utf8'));
  });

  it('shows examples/embedding.ts verbatim (type-checked with the examples)', () => {
    expect(blockAfter('### Embedding', 'ts')).toBe(readFileSync(join(root, 'examples/embedding.ts'), 'utf8'));
  });
});

describe('README: the config file', () => {
  it('shows examples/realtime-mcp-proxy.json verbatim (the tests check that file against the schema)', () => {
    expect(blockAfter('### The config file', 'json')).toBe(readFileSync(join(root, 'examples/realtime-mcp-proxy.json'), 'utf8'));
  });
});

describe('README: Deploy', () => {
  it('shows examples/deployBrowser.ts and examples/deployServer.ts verbatim (type-checked with the examples)', () => {
    expect(blockAfter('**Browser + sideband**', 'ts')).toBe(readFileSync(join(root, 'examples/deployBrowser.ts'), 'utf8'));
    expect(blockAfter('In your own server it is a few lines', 'ts')).toBe(readFileSync(join(root, 'examples/deployServer.ts'), 'utf8'));
  });
});
