/**
 * The published surface: the root and `./protocol` entries stay browser-safe (no Node built-ins, no
 * `ws`), and the built package loads through its `exports` map as ESM and as CJS.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const nodeBuiltins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

async function browserBundleInputs(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

describe.each(['src/index.ts', 'src/protocol/index.ts', 'src/mcp/index.ts'])('browser-safe entry %s', (entry) => {
  it('bundles for the browser without Node built-ins or ws', async () => {
    const inputs = await browserBundleInputs(entry);
    expect(inputs.length).toBeGreaterThan(3);
    expect(inputs.filter((input) => nodeBuiltins.has(input) || input.includes('node_modules/ws/'))).toEqual([]);
    expect(inputs.filter((input) => input.startsWith('src/node/'))).toEqual([]);
  });
});

describe('the Node entry', () => {
  it('is the one that pulls in ws', async () => {
    const inputs = await browserBundleInputs('src/node/index.ts').catch((error: Error) => [error.message]);
    expect(inputs.join('\n')).toMatch(/ws|node:|Could not resolve/);
  });
});

describe('the built package', () => {
  beforeAll(() => {
    execFileSync(join(root, 'node_modules/.bin/tsup'), { cwd: root, stdio: 'pipe' });
  }, 180_000);

  it('emits ESM, CJS and type declarations for every entry', () => {
    for (const entry of ['index', 'protocol', 'mcp', 'node']) {
      for (const ext of ['.js', '.cjs', '.d.ts', '.d.cts']) expect(existsSync(join(root, 'dist', entry + ext)), entry + ext).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(root, 'dist/realtime.schema.json'), 'utf8')).definitions.ServerEvent).toBeTruthy();
  });

  it('loads through the exports map as ESM and CJS', () => {
    const esm = `import { decodeServerEvent } from 'realtime-mcp-proxy';
import { createNodeWebSocketTransport } from 'realtime-mcp-proxy/node';
import { encodeClientEvent } from 'realtime-mcp-proxy/protocol';
const decoded = decodeServerEvent('{"type":"input_audio_buffer.cleared","event_id":"event_1"}');
console.log(JSON.stringify([decoded.ok, typeof createNodeWebSocketTransport, encodeClientEvent({ type: 'response.create' }).ok]));`;
    const cjs = `const { decodeServerEvent } = require('realtime-mcp-proxy');
const { createNodeWebSocketTransport } = require('realtime-mcp-proxy/node');
console.log(JSON.stringify([decodeServerEvent('{"type":"nope.new_event"}').event.type, typeof createNodeWebSocketTransport]));`;
    const run = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
    expect(JSON.parse(run(['--input-type=module', '-e', esm]))).toEqual([true, 'function', true]);
    expect(JSON.parse(run(['-e', cjs]))).toEqual(['proxy.unknown_event', 'function']);
  });

  it('keeps ws out of the root entry', () => {
    for (const file of ['dist/index.js', 'dist/index.cjs', 'dist/protocol.js']) {
      expect(readFileSync(join(root, file), 'utf8')).not.toMatch(/require\(["']ws["']\)|from ["']ws["']/);
    }
  });
});
