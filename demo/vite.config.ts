// Minimal Vite config made by helper viz so its branch builds alone; the lead keeps e2e's.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  resolve: { alias: { 'realtime-mcp-proxy': fileURLToPath(new URL('../src/index.ts', import.meta.url)) } },
});
