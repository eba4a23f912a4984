import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The demo's code imports the library's browser-safe root by name (Vite aliases it the same way).
    alias: [{ find: /^realtime-mcp-proxy$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) }],
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'scripts/**/*.test.ts', 'harness/**/*.test.ts', 'demo/src/**/*.test.ts', 'demo/src/**/*.test.tsx'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
