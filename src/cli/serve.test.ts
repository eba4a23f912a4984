import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockMcpServer, type MockMcpServer } from '../../harness/mock-mcp/index.js';
import { ProxyError } from '../errors.js';
import { defaultOpenAi } from '../serve/defaultOpenAi.js';
import { resolveServeOptions } from '../serve/serveOptions.js';
import { parseServeArgs } from './serveArgs.js';

const env = { OPENAI_API_KEY: 'sk-test-key' };
const usage = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    if (ProxyError.isInstance(error) && error.code === 'invalid_options') return error.message;
    throw error;
  }
  return 'accepted';
};

describe('parseServeArgs', () => {
  it('takes the flags, the config file and the environment; flags win', () => {
    const folder = mkdtempSync(join(tmpdir(), 'rmp-serve-'));
    try {
      const config = join(folder, 'c.json');
      writeFileSync(
        config,
        JSON.stringify({
          servers: [{ label: 'a', url: 'http://127.0.0.1:9/mcp', tokenEnv: 'A_TOKEN' }],
          instructions: 'Hi.',
          serve: {
            host: '0.0.0.0',
            port: 9000,
            allowedOrigins: ['https://app.example.com'],
            accessTokenEnv: 'MY_TOKEN',
            webhook: { sip: { allow: [{ header: 'From', pattern: 'example' }], maxConcurrentCalls: 2 } },
            runtimeMcp: { enabled: true, allowAddresses: ['10.0.0.0/8'] },
            limits: { maxSessions: 5, burst: 7 },
            shutdownTimeoutMs: 2000,
          },
        }),
      );
      const parsed = parseServeArgs(['--config', config, '--port', '0', '--allow-origin', 'http://localhost:5173', '--allow-mcp-address', '127.0.0.1', '--approval', 'always', '--rate-limit', '30'], {
        ...env,
        A_TOKEN: 'token-of-a-123',
        MY_TOKEN: 'access-token-from-env-01',
        OPENAI_WEBHOOK_SECRET: 'whsec_dGVzdA==',
      });
      expect(parsed.serve).toMatchObject({
        apiKey: 'sk-test-key',
        host: '0.0.0.0',
        port: 0,
        accessToken: 'access-token-from-env-01',
        allowedOrigins: ['https://app.example.com', 'http://localhost:5173'],
        servers: [{ label: 'a', url: 'http://127.0.0.1:9/mcp', token: 'token-of-a-123' }],
        instructions: 'Hi.',
        approval: { mode: 'always' },
        webhook: { secret: 'whsec_dGVzdA==', sip: { allow: [{ header: 'From', pattern: 'example' }], maxConcurrentCalls: 2 } },
        runtimeMcp: { enabled: true, allowAddresses: ['10.0.0.0/8', '127.0.0.1'] },
        limits: { maxSessions: 5, burst: 7, requestsPerMinute: 30 },
        shutdownTimeoutMs: 2000,
      });
      expect(usage(() => parseServeArgs(['--config', config], { ...env, A_TOKEN: 'token-of-a-123' }))).toMatch(/\/serve\/accessTokenEnv names the environment variable MY_TOKEN, which is not set/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('takes the example config file, whose serve block checks out', () => {
    const parsed = parseServeArgs(['--config', join(root, 'examples', 'realtime-mcp-proxy.json')], {
      ...env,
      GITHUB_TOKEN: 'gh-token-1234',
      NOTION_API_KEY: 'notion-key-1234',
      STRIPE_SECRET_KEY: 'stripe-key-1234',
      REALTIME_MCP_PROXY_TOKEN: 'access-token-from-env-01',
      OPENAI_WEBHOOK_SECRET: 'whsec_dGVzdA==',
    });
    expect(() => resolveServeOptions(parsed.serve, defaultOpenAi())).not.toThrow();
    expect(parsed.serve.approval).toMatchObject({ mode: 'auto', timeoutMs: 60000 });
    expect(parsed.serve.webhook?.sip?.deny).toEqual([{ header: 'From', pattern: 'anonymous' }]);
  });

  it('takes the page\'s key instead of its own with --openai-key-from-browser, and --events-capacity', () => {
    const parsed = parseServeArgs(['--allow-runtime-mcp', '--openai-key-from-browser', '--events-capacity', '5000'], env);
    expect(parsed.serve).not.toHaveProperty('apiKey');
    expect(parsed.serve).toMatchObject({ openAiKeyFromBrowser: true, events: { capacity: 5000 } });
    expect(parsed.warnings).toEqual([expect.stringMatching(/^OPENAI_API_KEY is set and not used/)]);
    expect(parseServeArgs(['--allow-runtime-mcp', '--openai-key-from-browser'], {}).serve.openAiKeyFromBrowser).toBe(true);
    expect(usage(() => parseServeArgs(['--allow-runtime-mcp', '--openai-key-from-browser', '--api-key', 'sk-test-key'], {}))).toMatch(/--openai-key-from-browser and --api-key/);
    expect(usage(() => parseServeArgs(['--allow-runtime-mcp', '--events-capacity', '0'], env))).toMatch(/--events-capacity must be a whole number from 1 to 100000/);
    // --demo takes an optional folder; alone it is this package's demo/dist.
    expect(parseServeArgs(['--allow-runtime-mcp', '--demo'], env).serve.demo).toEqual({ dir: join(root, 'demo', 'dist') });
    expect(parseServeArgs(['--demo', '--allow-runtime-mcp', '--record-sessions'], env).serve).toMatchObject({ demo: { dir: join(root, 'demo', 'dist') }, recordSessions: true });
    expect(parseServeArgs(['--allow-runtime-mcp', '--demo', '/srv/page'], env).serve.demo).toEqual({ dir: '/srv/page' });
  });

  it('refuses what cannot work, as usage errors naming serve', () => {
    expect(usage(() => parseServeArgs(['--mcp', 'a=http://127.0.0.1:9/mcp'], {}))).toMatch(/^Failed to start serve: no OpenAI API key/);
    expect(usage(() => parseServeArgs([], env))).toMatch(/^Failed to start serve: no MCP server .*--allow-runtime-mcp/);
    expect(parseServeArgs(['--allow-runtime-mcp'], env).serve.servers).toEqual([]);
    expect(usage(() => parseServeArgs(['--mcp', 'a=http://x/mcp', '--port', '70000'], env))).toMatch(/--port must be a whole number from 0 to 65535/);
    expect(usage(() => parseServeArgs(['--mcp', 'a=http://x/mcp', '--realtime-url', 'wss://x'], env))).toMatch(/--realtime-url is a connect flag/);
    expect(usage(() => parseServeArgs(['--mcp', 'a=http://x/mcp', '--mcp-token', 'b=B'], env))).toMatch(/^Failed to start serve: --mcp-token b names the server "b"/);
    expect(usage(() => parseServeArgs(['--mcp', 'a=http://x/mcp'], { ...env, REALTIME_MCP_PROXY_TOKEN: 'short' }))).toMatch(/shorter than 16 characters/);
  });
});

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('realtime-mcp-proxy serve (a child process)', () => {
  let mcp: MockMcpServer | undefined;
  afterEach(async () => {
    await mcp?.close();
  });

  it('listens on 127.0.0.1, prints a generated token once to stderr and the demo page\'s address on stdout, serves with it, and exits 0 on SIGTERM', async () => {
    mcp = await startMockMcpServer({ tools: [{ name: 'echo', description: 'Echoes.' }] });
    const page = mkdtempSync(join(tmpdir(), 'rmp-serve-page-'));
    writeFileSync(join(page, 'index.html'), '<!doctype html><title>demo</title>');
    const base = { ...process.env };
    delete base.OPENAI_API_KEY;
    delete base.REALTIME_MCP_PROXY_TOKEN;
    const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), ['src/cli/main.ts', 'serve', '--mcp', `tools=${mcp.url}`, '--port', '0', '--demo', page], { cwd: root, env: { ...base, OPENAI_API_KEY: 'sk-test-key' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // The URL comes on stdout, the token on stderr: two pipes, either may arrive first.
    const { url, token } = await new Promise<{ url: string; token: string }>((resolve, reject) => {
      const check = () => {
        const url = /serve listening (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
        const token = /access token \(generated, shown once[^)]*\): (\S+)\n/.exec(stderr)?.[1];
        if (url && token) resolve({ url, token });
      };
      child.stdout.on('data', (chunk: Buffer) => ((stdout += chunk.toString()), check()));
      child.stderr.on('data', (chunk: Buffer) => ((stderr += chunk.toString()), check()));
      void exited.then((code) => reject(new Error(`serve exited ${code} before listening:\n${stderr}`)));
    });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(stdout).toContain(`serve demo page ${url}/#token=${token}\n`);
    expect((await fetch(`${url}/`)).status).toBe(200);
    rmSync(page, { recursive: true, force: true });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/tools`)).status).toBe(401);
    const tools = await fetch(`${url}/tools`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await tools.json()) as { tools: Array<{ functionName: string }> }).tools.map((tool) => tool.functionName)).toEqual(['echo']);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr.split(token).length - 1).toBe(1);
    expect(stderr).toContain('SIGTERM: stopping');
    expect(stderr).toContain('stopped: every tool call in flight finished');
    expect(stderr).not.toContain('sk-test-key');
  }, 40_000);
});
