import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function configFile(value: unknown): Promise<string> {
  dir ??= await mkdtemp(join(tmpdir(), 'mock-mcp-main-'));
  const path = join(dir, 'config.json');
  await writeFile(path, JSON.stringify(value));
  return path;
}

function run(args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', 'harness/mock-mcp/main.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('main.ts', () => {
  it('prints {"url"} once listening, serves the config, and exits 0 on SIGTERM', async () => {
    const child = run([await configFile({ tools: [{ name: 'hello', result: { content: [{ type: 'text', text: 'hi' }] } }] })]);
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const { url } = JSON.parse(line) as { url: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const client = new Client({ name: 'main-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    expect(await client.callTool({ name: 'hello', arguments: {} })).toEqual({ content: [{ type: 'text', text: 'hi' }] });
    await client.close();
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('exits 1 with the validation message for a bad config', async () => {
    const path = await configFile({ tools: [{ name: 'x', faults: [{ kind: 'nope' }] }] });
    const child = run([path, '--port', '0']);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr).toContain(`Failed to load the mock MCP config: ${path}: tools[0].faults[0].kind must be one of`);
  });
});
