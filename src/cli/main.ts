#!/usr/bin/env node
/**
 * The `realtime-mcp-proxy` command. `start` (the default) runs the embedded demo; `connect` serves
 * a real Realtime session. Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { ProxyError } from '../errors.js';
import { connectUsage, parseConnectArgs, runConnect } from './connect.js';
import { runStart } from './start.js';

const usage = `Usage: realtime-mcp-proxy [command]

Commands:
  start     (default) a full round trip on the embedded default: local Realtime simulator + bundled MCP server
  connect   serve a Realtime WebSocket session with the tools of MCP servers (see connect --help)`;

export async function main(argv: string[], env: NodeJS.ProcessEnv, write: (text: string) => void, writeError: (text: string) => void): Promise<number> {
  const [command = 'start', ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    write(usage);
    return 0;
  }
  if (command === 'start') return runStart(write);
  if (command === 'connect') {
    if (rest.includes('--help') || rest.includes('-h')) {
      write(connectUsage);
      return 0;
    }
    try {
      return await runConnect(parseConnectArgs(rest, env), write);
    } catch (error) {
      if (ProxyError.isInstance(error) && error.code === 'invalid_options') {
        writeError(error.message);
        return 2;
      }
      throw error;
    }
  }
  writeError(`Failed to run "${command}": there is no such command. Please see \`realtime-mcp-proxy --help\`.`);
  return 2;
}

const invokedDirectly = process.argv[1] !== undefined && /(?:^|[\\/])(?:main\.[cm]?[jt]s|cli\.[cm]?js|realtime-mcp-proxy)$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2), process.env, (text) => console.log(text), (text) => console.error(text)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? `Failed to run: ${error.message}. Please report this if it persists.` : String(error));
      process.exit(1);
    },
  );
}
