/**
 * `npm run demo -- --offline`: the script starts the simulator, server-everything, serve and Vite's
 * dev server on 127.0.0.1, prints the page URL (token in the fragment, the MCP URL pre-filled),
 * serve answers through Vite's proxy, and SIGINT stops everything with exit 0. The script runs as
 * `npm run demo` runs it (node --import tsx): signalled directly, not through npm, which dies on
 * SIGINT at once and leaves its child to finish alone.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/demoStack.js';

const PAGE_URL = /(http:\/\/127\.0\.0\.1:\d+)\/#(token=\S+)/;

describe('npm run demo -- --offline', () => {
  it('prints the page URL, answers /info through the Vite proxy, and stops on Ctrl-C', { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--offline', '--no-open'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        const timer = setTimeout(() => reject(new Error(`no page URL within 40 s:\n${stdout}\n${output}`)), 40_000);
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          stdout += chunk;
          const found = stdout.split('\n').find((text) => PAGE_URL.test(text));
          if (found) {
            clearTimeout(timer);
            resolve(found);
          }
        });
        void exited.then(({ code }) => reject(new Error(`the demo exited (${code}) before printing its URL:\n${stdout}\n${output}`)));
      });
      const [, origin, fragment] = PAGE_URL.exec(line)!;
      const params = new URLSearchParams(fragment);
      const token = params.get('token')!;
      expect(token.length).toBeGreaterThanOrEqual(16);
      expect(params.getAll('mcp')).toEqual([expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/)]);
      // serve, through Vite's dev-server proxy: token needed, and offline (the simulator is its OpenAI).
      expect((await fetch(`${origin}/info`)).status).toBe(401);
      const info = await fetch(`${origin}/info`, { headers: { Authorization: `Bearer ${token}` } });
      expect(info.status).toBe(200);
      expect(await info.json()).toMatchObject({ offline: true, openAiKey: 'browser', runtimeMcp: true, approvalMode: 'auto' });
      // The page itself comes from Vite (its client script is injected into every page it serves).
      expect(await (await fetch(`${origin}/`)).text()).toContain('/@vite/client');
      // The access token is printed once, in the URL, and nowhere in the logs.
      expect(output).not.toContain(token);
    } finally {
      if (child.exitCode === null) child.kill('SIGINT');
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const end = await exited;
    clearTimeout(timer);
    expect(end, output).toEqual({ code: 0, signal: null });
  });
});
