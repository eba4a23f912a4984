import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The demo imports the library by its package name; its tests get the source, not a stale dist/.
  resolve: { alias: [{ find: /^realtime-mcp-proxy$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) }] },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'scripts/**/*.test.ts', 'harness/**/*.test.ts', 'demo/src/**/*.test.ts'],
    environment: 'node',
    // fast-check replays one seed in `npm test` (FUZZ_SEED / FUZZ_EXPLORE=1 change it).
    setupFiles: ['test/support/fastCheckSeed.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
