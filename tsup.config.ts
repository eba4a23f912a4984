import { copyFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', protocol: 'src/protocol/index.ts', mcp: 'src/mcp/index.ts', node: 'src/node/index.ts', cli: 'src/cli/main.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  treeshake: true,
  external: ['ws'],
  onSuccess: async () => {
    copyFileSync('src/protocol/generated/realtime.schema.json', 'dist/realtime.schema.json');
    // The CLI config file's schema; its session fields refer to realtime.schema.json beside it.
    copyFileSync('schemas/config.schema.json', 'dist/config.schema.json');
  },
});
