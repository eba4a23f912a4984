/**
 * Runs a mock MCP server from a JSON config file until SIGTERM/SIGINT:
 *   tsx harness/mock-mcp/main.ts <config.json> [--port <n>]
 * Prints one JSON line, `{"url":"http://127.0.0.1:<port>/mcp"}`, once it listens.
 */
import { loadMockMcpConfig } from './config.js';
import { startMockMcpServer } from './server.js';

async function main(argv: string[]): Promise<void> {
  const portAt = argv.indexOf('--port');
  const port = portAt >= 0 ? Number(argv[portAt + 1]) : 0;
  const file = argv.find((arg, i) => !arg.startsWith('--') && (portAt < 0 || i !== portAt + 1));
  if (file === undefined || !Number.isInteger(port) || port < 0) {
    throw new Error('Failed to start the mock MCP server: no config file or a bad --port. Please run: main.ts <config.json> [--port <n>]');
  }
  const server = await startMockMcpServer(await loadMockMcpConfig(file), { port });
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
