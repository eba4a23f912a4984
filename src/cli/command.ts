import { ProxyError } from '../errors.js';

/** What a command may touch: its output streams and the environment (tests pass their own). */
export interface CommandIo {
  readonly env: NodeJS.ProcessEnv;
  write(text: string): void;
  writeError(text: string): void;
}

/**
 * One `realtime-mcp-proxy <name>` command. `run` gets the arguments after the name (never
 * `--help`: main prints `usage` for that) and resolves with the exit code: 0 done, 1 failed.
 * A bad flag or file is a ProxyError `invalid_options`, which main prints and turns into 2.
 */
export interface Command {
  readonly name: string;
  /** One line for `realtime-mcp-proxy --help`. */
  readonly summary: string;
  /** The whole `--help` text, with examples. */
  readonly usage: string;
  run(argv: string[], io: CommandIo): Promise<number>;
}

/** The error for a bad flag: "Failed to start <command>: <why>. Please see `… <command> --help`." */
export function usageError(command: string, why: string): ProxyError {
  return new ProxyError('invalid_options', `Failed to start ${command}: ${why}. Please see \`realtime-mcp-proxy ${command} --help\`.`);
}
