// Minimal version by helper ui so the app builds before e2e's lands; e2e's version wins at merge.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const serveRoutes = ['/info', '/session', '/sessions', '/call', '/tools', '/approvals', '/events', '/replays'];
const target = process.env.DEMO_SERVE_URL ?? 'http://127.0.0.1:8787';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  resolve: { alias: { 'realtime-mcp-proxy': fileURLToPath(new URL('../src/index.ts', import.meta.url)) } },
  server: { host: '127.0.0.1', proxy: Object.fromEntries(serveRoutes.map((route) => [route, { target, changeOrigin: false }])) },
  build: { outDir: 'dist', emptyOutDir: true },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
