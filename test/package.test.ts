/**
 * The published surface: the root, `./protocol` and `./mcp` entries stay browser-safe (no Node
 * built-ins, no `ws`; `tsconfig.browser.json` type-checks exactly their code without Node's types),
 * and the built package loads through its `exports` map as ESM and as CJS.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const nodeBuiltins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

const BROWSER_ENTRIES = ['src/index.ts', 'src/protocol/index.ts', 'src/mcp/index.ts'];

/** An import a browser cannot satisfy (a Node built-in, or `ws`), and the file that made it. */
interface NodeOnlyImport {
  module: string;
  importer: string;
}

/**
 * Bundles an entry for the browser. Node built-ins and `ws` are not resolved (a browser has neither)
 * but kept aside with their importer, so the answer says which file pulled in which; any other
 * failure to bundle fails the build, and so the test.
 */
async function browserBundle(entry: string): Promise<{ inputs: string[]; nodeOnly: NodeOnlyImport[] }> {
  const nodeOnly: NodeOnlyImport[] = [];
  const setAside: Plugin = {
    name: 'node-only-imports',
    setup(context) {
      context.onResolve({ filter: /.*/ }, (args) => {
        const isNodeOnly = nodeBuiltins.has(args.path) || args.path.startsWith('node:') || args.path === 'ws' || args.path.startsWith('ws/');
        if (!isNodeOnly) return undefined;
        nodeOnly.push({ module: args.path, importer: relative(root, args.importer) });
        return { path: args.path, external: true };
      });
    },
  };
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [setAside],
  });
  return { inputs: Object.keys(result.metafile.inputs), nodeOnly };
}

describe.each(BROWSER_ENTRIES)('browser-safe entry %s', (entry) => {
  it('bundles for the browser without Node built-ins or ws', async () => {
    const { inputs, nodeOnly } = await browserBundle(entry);
    expect(inputs.length).toBeGreaterThan(3);
    expect(nodeOnly).toEqual([]);
    expect(inputs.filter((input) => input.startsWith('src/node/') || input.startsWith('src/cli/'))).toEqual([]);
  });
});

describe('the Node entry', () => {
  it('is the one that pulls in ws and Node built-ins: our src/node and src/serve files import them, the build fails for nothing else', async () => {
    const { nodeOnly } = await browserBundle('src/node/index.ts');
    const ours = nodeOnly.filter((found) => found.importer.startsWith('src/'));
    expect(ours).toContainEqual({ module: 'ws', importer: 'src/node/webSocketFactory.ts' });
    expect(ours.some((found) => nodeBuiltins.has(found.module))).toBe(true);
    expect(ours.some((found) => found.importer.startsWith('src/serve/'))).toBe(true);
    expect(ours.filter((found) => !found.importer.startsWith('src/node/') && !found.importer.startsWith('src/serve/'))).toEqual([]);
  });
});

describe('tsconfig.browser.json', () => {
  /** The files `tsc -p tsconfig.browser.json` type-checks, relative to the root. */
  const checkedFiles = () =>
    execFileSync(join(root, 'node_modules/.bin/tsc'), ['--listFilesOnly', '-p', join(root, 'tsconfig.browser.json')], { cwd: root, encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((file) => relative(root, file.trim()));

  it("type-checks exactly the browser bundles' sources, without Node's types", async () => {
    const checked = checkedFiles();
    expect(checked.filter((file) => file.includes('node_modules/@types/node/'))).toEqual([]);
    const ours = checked.filter((file) => !file.startsWith('node_modules/'));
    expect(ours.filter((file) => !file.startsWith('src/') || /^src\/(node|cli)\//.test(file) || file.endsWith('.test.ts'))).toEqual([]);
    // Every source file the browser bundles contain is type-checked (generated validators: by their .d.ts).
    const bundled = new Set<string>();
    for (const entry of BROWSER_ENTRIES) for (const input of (await browserBundle(entry)).inputs) if (input.startsWith('src/') && input.endsWith('.ts')) bundled.add(input);
    expect([...bundled].filter((file) => !ours.includes(file))).toEqual([]);
  }, 60_000);
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
    // The CLI config file's schema, beside the Realtime one its session fields refer to.
    expect(JSON.parse(readFileSync(join(root, 'dist/config.schema.json'), 'utf8')).definitions.Server).toBeTruthy();
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
    const schemas = `console.log(JSON.stringify([require('realtime-mcp-proxy/schemas/config.schema.json').title, require.resolve('realtime-mcp-proxy/schemas/realtime.schema.json').endsWith('dist/realtime.schema.json')]));`;
    expect(JSON.parse(run(['-e', schemas]))).toEqual(['realtime-mcp-proxy configuration', true]);
  });

  it('keeps ws out of the root entry', () => {
    for (const file of ['dist/index.js', 'dist/index.cjs', 'dist/protocol.js']) {
      expect(readFileSync(join(root, file), 'utf8')).not.toMatch(/require\(["']ws["']\)|from ["']ws["']/);
    }
  });
});

describe('the docs that ship', () => {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[]; repository: { url: string }; homepage: string; bugs: { url: string }; scripts: Record<string, string> };
  const shipped = (path: string) => manifest.files.some((entry) => path === entry || path.startsWith(`${entry}/`));

  it('link only to files that ship with them; anything else is an absolute link', () => {
    const docs = manifest.files.filter((file) => file.endsWith('.md'));
    expect(docs).toContain('README.md');
    const broken: string[] = [];
    for (const doc of docs) {
      const text = readFileSync(join(root, doc), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target!)) continue;
        const path = target!.split('#')[0]!;
        if (!shipped(path) || !existsSync(join(root, path))) broken.push(`${doc} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('say where the project lives and build dist/ on install from a clone', () => {
    expect(manifest.repository.url).toMatch(/^git\+https:\/\/github\.com\//);
    expect(manifest.homepage).toMatch(/^https:\/\//);
    expect(manifest.bugs.url).toMatch(/^https:\/\//);
    expect(manifest.scripts.prepare).toMatch(/tsup/);
  });
});
