/**
 * stdio servers and their stderr: real child processes (a tiny node script that fails the way
 * Stripe's server does without a key, and server-memory from npm), no mocks.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProxyError } from '../errors.js';
import type { McpConnection } from '../mcp/connection.js';
import type { Transport } from '../mcp/transports.js';
import { createNodeMcpConnection, createStdioTransportFactory } from './mcpConnection.js';

const memoryServer = resolve(dirname(fileURLToPath(import.meta.url)), '../../node_modules/@modelcontextprotocol/server-memory/dist/index.js');

let folder: string;
const connections: McpConnection[] = [];
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'rmp-stdio-'));
});
afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.close()));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** A script that writes `lines` to stderr (its 30 lines of noise first) and exits with `code`. */
function failingServer(name: string, lines: string[], code: number): string {
  const path = join(folder, `${name}.cjs`);
  const noise = Array.from({ length: 30 }, (_, i) => `starting step ${i}`);
  writeFileSync(path, `process.stderr.write(${JSON.stringify([...noise, ...lines].join('\n') + '\n')});\nprocess.exit(${code});\n`);
  return path;
}

async function connectError(connection: McpConnection): Promise<ProxyError> {
  connections.push(connection);
  const error = await connection.connect().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(ProxyError.isInstance(error)).toBe(true);
  return error as ProxyError;
}

describe('a stdio server that fails to start', () => {
  it('is reported with its exit code and its last stderr lines, credentials redacted', async () => {
    const key = 'value-of-the-stripe-key-0123';
    const script = failingServer('stripe', ['Error: Stripe API key not provided', `(tried STRIPE_SECRET_KEY=${key})`, 'Please set it and start again'], 1);
    const error = await connectError(createNodeMcpConnection({ label: 'stripe', command: process.execPath, args: [script], env: { STRIPE_SECRET_KEY: key } }));
    expect(error.code).toBe('mcp_connect_failed');
    expect(error.message).toMatch(/^Failed to connect to MCP server "stripe" \(.+\): the server exited \(code 1\) before it answered\. Its last output: .*"Error: Stripe API key not provided".* Please check/);
    expect(error.message).toContain('"(tried STRIPE_SECRET_KEY=<redacted>)"');
    expect(error.message).not.toContain(key);
    // Bounded: the last 20 lines, not the 30 lines of noise before them.
    expect(error.message).not.toContain('"starting step 12"');
    expect(error.message).toContain('"starting step 29"');
    expect(error.data).toMatchObject({ server: 'stripe', exitCode: 1 });
  });

  it('says so when the command does not exist', async () => {
    const error = await connectError(createNodeMcpConnection({ label: 'missing', command: join(folder, 'no-such-server') }));
    expect(error.message).toMatch(/its command could not be started \(spawn .*ENOENT\)\. Please check the server's command/);
  });

  it("with stderr: 'inherit', passes the server's stderr through as well", async () => {
    const passed: Buffer[] = [];
    const factory = createStdioTransportFactory({ inheritTo: { write: (chunk: Buffer) => passed.push(chunk) } });
    const script = failingServer('loud', ['fatal: no config'], 3);
    const connection = createNodeMcpConnection({ label: 'loud', command: process.execPath, args: [script], stderr: 'inherit' }, { stdioTransport: factory });
    const error = await connectError(connection);
    expect(error.message).toContain('exited (code 3)');
    expect(Buffer.concat(passed).toString()).toMatch(/^starting step 0\n[\s\S]*fatal: no config\n$/);
    // The default (capture) keeps the tail for the error and passes nothing through.
    const before = passed.length;
    const quiet = await connectError(createNodeMcpConnection({ label: 'quiet', command: process.execPath, args: [script] }, { stdioTransport: factory }));
    expect(quiet.message).toContain('fatal: no config');
    expect(passed).toHaveLength(before);
  });
});

describe('server-memory over stdio', () => {
  it('works with its stderr captured, and an exit while idle says how on the next call, which starts it again', async () => {
    const transports: Transport[] = [];
    const factory = createStdioTransportFactory();
    const connection = createNodeMcpConnection(
      { label: 'memory', command: process.execPath, args: [memoryServer], env: { MEMORY_FILE_PATH: join(folder, 'graph.jsonl'), PATH: process.env.PATH ?? '' } },
      { stdioTransport: (config) => transports[transports.push(factory(config)) - 1]! },
    );
    connections.push(connection);
    const reinitialized: string[] = [];
    connection.on('reinitialized', (reason) => reinitialized.push(reason));
    expect((await connection.listTools()).map((t) => t.name)).toContain('read_graph');
    const lost = new Promise<void>((done) => connection.on('state', (state) => state === 'idle' && done()));
    process.kill((transports[0] as unknown as { pid: number }).pid, 'SIGTERM');
    await lost;
    const graph = await connection.callTool('read_graph', {}, { timeoutMs: 10_000 });
    expect(graph.isError).not.toBe(true);
    expect(transports).toHaveLength(2);
    expect(reinitialized).toEqual(['reconnected after the server was killed (SIGTERM)']);
  });
});
