/**
 * `--demo`: the built page served by serve itself, over real HTTP (a temp dir with an index.html and
 * an asset stands in for Vite's dist).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServeHarness, TEST_TOKEN, type ServeHarness } from '../../test/support/serveHarness.js';
import { ProxyError } from '../errors.js';
import { contentSecurityPolicy, isApiPath } from './demoStatic.js';
import { startServe } from './startServe.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rmp-demo-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>demo</title><script type="module" src="/assets/app-3f2a.js"></script>');
  writeFileSync(join(dir, 'assets', 'app-3f2a.js'), 'console.log("demo");');
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  // Outside the served folder: must never come out.
  writeFileSync(join(dir, '..', `${dir.split('/').at(-1)}-secret.txt`), 'not for the page');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(dir, '..', `${dir.split('/').at(-1)}-secret.txt`), { force: true });
});

const opened: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const started of opened.splice(0)) await started.close();
});
async function harness(): Promise<ServeHarness> {
  const started = await startServeHarness({ serve: { demo: { dir } } });
  opened.push(started);
  return started;
}

/** A GET with the path exactly as written (fetch would resolve the dots first). */
function rawGet(url: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(`${url}/`, { path, headers }, (incoming) => {
      let body = '';
      incoming.on('data', (chunk: Buffer) => (body += chunk.toString()));
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('serve --demo', () => {
  it('serves the page and its assets without a token, with the cache rules and a strict CSP; the API keeps its token', async () => {
    const h = await harness();
    const page = await fetch(`${h.serve.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("media-src 'self' blob: mediastream:");
    expect(csp).toContain(`connect-src 'self' ${h.sim.httpUrl}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(await page.text()).toContain('<title>demo</title>');
    const asset = await fetch(`${h.serve.url}/assets/app-3f2a.js`);
    expect([asset.status, asset.headers.get('cache-control')]).toEqual([200, 'public, max-age=31536000, immutable']);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${h.serve.url}/favicon.svg`)).headers.get('cache-control')).toBe('no-cache');
    // A route of the page's own: index.html for a browser, 404 for anything else.
    const route = await fetch(`${h.serve.url}/replay/latest`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect([route.status, route.headers.get('cache-control')]).toEqual([200, 'no-store']);
    expect(await route.text()).toContain('<title>demo</title>');
    const missing = await fetch(`${h.serve.url}/assets/app-0000.js`, { headers: { accept: 'text/html' } });
    expect([missing.status, ((await missing.json()) as { error: { code: string } }).error.code]).toEqual([404, 'not_found']);
    expect(missing.headers.get('cache-control')).toBe('no-store');
    // The API: still the token, even for a browser asking for HTML.
    for (const path of ['/info', '/tools', '/events?session=s_x', '/sessions/s_x/recording']) {
      expect((await fetch(`${h.serve.url}${path}`, { headers: { accept: 'text/html' } })).status).toBe(401);
    }
    expect((await fetch(`${h.serve.url}/session`, { method: 'POST' })).status).toBe(401);
  });

  it('refuses paths that climb out of the folder', async () => {
    const h = await harness();
    const name = `${dir.split('/').at(-1)}-secret.txt`;
    for (const path of [`/../${name}`, `/%2e%2e/${name}`, `/assets/..%2f..%2f${name}`, `/assets/%2e%2e%5c${name}`, `//..//${name}`, `/..\\${name}`]) {
      const answer = await rawGet(h.serve.url, path, { accept: 'text/html' });
      expect(answer.body, path).not.toContain('not for the page');
      expect([200, 400, 404], path).toContain(answer.status);
    }
  });

  it('takes its own loopback origin (the page\'s fetches), not a rebound name nor another origin', async () => {
    const h = await harness();
    const origin = h.serve.url;
    const own = await fetch(`${origin}/info`, { headers: { origin, authorization: `Bearer ${TEST_TOKEN}` } });
    expect(own.status).toBe(200);
    const rebound = await rawGet(origin, '/info', { origin: 'http://evil.example', host: 'evil.example', authorization: `Bearer ${TEST_TOKEN}` });
    expect(rebound.status).toBe(403);
    const other = await fetch(`${origin}/info`, { headers: { origin: 'http://127.0.0.1:1', authorization: `Bearer ${TEST_TOKEN}` } });
    expect(other.status).toBe(403);
  });

  it('refuses to start without a built page', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'rmp-demo-empty-'));
    try {
      const started = startServe({ port: 0, apiKey: 'sk-test-key', runtimeMcp: { enabled: true }, demo: { dir: empty } });
      await expect(started).rejects.toSatisfy((error) => ProxyError.isInstance(error) && /^Failed to serve the demo: .* has no index\.html\. Please build it first/.test(error.message));
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('knows its API paths and writes one policy', () => {
    expect(['/info', '/sessions/x/tools', '/replays', '/events'].map(isApiPath)).toEqual([true, true, true, true]);
    expect(['/', '/assets/a.js', '/information', '/replay'].map(isApiPath)).toEqual([false, false, false, false]);
    expect(contentSecurityPolicy(['http://127.0.0.1:9', 'http://127.0.0.1:9'])).toContain("connect-src 'self' http://127.0.0.1:9;");
  });
});
