#!/usr/bin/env node
/**
 * The `realtime-mcp-proxy` command: a table of commands, each in its own module. `start` (the
 * default) runs the embedded demo. Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { ProxyError } from '../errors.js';
import { Redactor } from '../redaction/index.js';
import type { Command, CommandIo } from './command.js';
import { connectCommand } from './connect.js';
import { doctorCommand } from './doctor.js';
import { mockMcpCommand } from './mockMcp.js';
import { recordCommand } from './record.js';
import { replayCommand } from './replay.js';
import { serveCommand } from './serve.js';
import { startCommand } from './start.js';

export const commands: readonly Command[] = [startCommand, connectCommand, recordCommand, replayCommand, doctorCommand, mockMcpCommand, serveCommand];

const usage = () => `Usage: realtime-mcp-proxy [command] [--help]

Commands:
${commands.map((command) => `  ${command.name.padEnd(9)} ${command.summary}`).join('\n')}

\`realtime-mcp-proxy <command> --help\` shows a command's flags, examples and exit codes.

Examples:
  realtime-mcp-proxy start                       a full round trip offline (the default)
  realtime-mcp-proxy connect --config realtime-mcp-proxy.json
  realtime-mcp-proxy doctor http://127.0.0.1:4000/mcp   checks an MCP server as the proxy would use it
  realtime-mcp-proxy serve --config realtime-mcp-proxy.json --allow-origin http://localhost:5173

Exit codes (every command):
  0  done
  1  the session failed or never started (replay: a behaviour changed)
  2  bad usage or a bad input file`;

export async function main(argv: string[], env: NodeJS.ProcessEnv, write: (text: string) => void, writeError: (text: string) => void): Promise<number> {
  const [name = 'start', ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    write(usage());
    return 0;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (command === undefined) {
    writeError(`Failed to run "${name}": there is no such command. Please see \`realtime-mcp-proxy --help\`.`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    write(command.usage);
    return 0;
  }
  const io: CommandIo = { env, write, writeError };
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (ProxyError.isInstance(error) && error.code === 'invalid_options') {
      // A flag's value may be quoted back: its URL credentials and key shapes are not.
      writeError(new Redactor().text(error.message));
      return 2;
    }
    throw error;
  }
}

const invokedDirectly = process.argv[1] !== undefined && /(?:^|[\\/])(?:main\.[cm]?[jt]s|cli\.[cm]?js|realtime-mcp-proxy)$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2), process.env, (text) => console.log(text), (text) => console.error(text)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const text = error instanceof Error ? `Failed to run: ${error.message}. Please report this if it persists.` : String(error);
      console.error(new Redactor().text(text));
      process.exit(1);
    },
  );
}
