/**
 * The demo app: React, built into demo/dist (served by `serve --demo`), or run by `npm run demo`
 * with Vite's dev server in front of serve. The page always calls same-origin paths: in dev this
 * server proxies serve's routes to DEMO_SERVE_URL.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type ProxyOptions } from 'vite';

/** serve's HTTP API, as the page calls it (a path prefix, then the end, a slash or a query). */
export const SERVE_ROUTES = ['info', 'session', 'sessions', 'call', 'tools', 'approvals', 'events', 'replays'] as const;
const SERVE_ROUTE_PATTERN = `^/(${SERVE_ROUTES.join('|')})(/|\\?|$)`;

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

function serveProxy(target: string): ProxyOptions {
  return {
    target,
    // serve checks Origin against its allowlist: keep the page's (npm run demo allows the dev origin).
    changeOrigin: false,
    configure(proxy) {
      proxy.on('proxyRes', (response) => {
        // Server-sent events: pass every message on as it comes; nothing between may buffer or compress.
        if (String(response.headers['content-type'] ?? '').startsWith('text/event-stream')) {
          response.headers['cache-control'] = 'no-cache, no-transform';
          response.headers['x-accel-buffering'] = 'no';
        }
      });
    },
  };
}

export default defineConfig({
  root: here('.'),
  // Keep Vite's dependency cache out of demo/.
  cacheDir: here('../node_modules/.vite-demo'),
  plugins: [react()],
  resolve: {
    // The browser-safe public root of the library, from source: the demo uses nothing else of src/.
    alias: { 'realtime-mcp-proxy': here('../src/index.ts') },
  },
  server: {
    host: '127.0.0.1',
    strictPort: true,
    proxy: process.env.DEMO_SERVE_URL ? { [SERVE_ROUTE_PATTERN]: serveProxy(process.env.DEMO_SERVE_URL) } : {},
  },
  preview: { host: '127.0.0.1' },
  // The library's root brings its codecs and schemas (≈ 560 kB, 100 kB gzipped): one chunk is fine for a local demo.
  build: { outDir: here('dist'), emptyOutDir: true, chunkSizeWarningLimit: 1500 },
});
