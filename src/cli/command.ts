import { parseArgs, type ParseArgsConfig } from 'node:util';
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
  // "Failed to start start" would read as a typo.
  const what = command === 'start' ? 'run start' : `start ${command}`;
  return new ProxyError('invalid_options', `Failed to ${what}: ${why}. Please see \`realtime-mcp-proxy ${command} --help\`.`);
}

/** A command's flags, as `parseArgs` takes them (@types/node does not export ParseArgsOptionsConfig). */
export type FlagsConfig = NonNullable<ParseArgsConfig['options']>;

/** The values `parseFlags` gives for an options config, each typed from its flag's config. */
export type FlagValues<O extends FlagsConfig> = ReturnType<typeof parseArgs<{ options: O; strict: true }>>['values'];

export interface FlagRules {
  /** Take positional arguments (default false: one is a usage error). */
  positionals?: boolean;
  /**
   * What to say about a flag the command does not take (`--x` or `-x`), instead of node's
   * "Unknown option '--x'"; undefined keeps that. E.g. record: "--mcp is a connect flag: …".
   */
  unknownFlag?: (flag: string) => string | undefined;
}

/**
 * `parseArgs` (strict) for a command's flags. A bad flag throws `usageError(command, why)`, why
 * being "--x needs a value (…)", what `rules.unknownFlag` says, or node's message tidied up.
 */
export function parseFlags<const O extends FlagsConfig>(
  command: string,
  argv: readonly string[],
  options: O,
  rules: FlagRules = {},
): { values: FlagValues<O>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: rules.positionals ?? false });
    return { values, positionals };
  } catch (error) {
    const e = error as Error & { code?: string };
    if (!e.code?.startsWith('ERR_PARSE_ARGS_')) throw error; // a bad options config: a bug, not a usage error
    throw usageError(command, whyFlagsFailed(e.code, e.message, rules.unknownFlag));
  }
}

function whyFlagsFailed(code: string, message: string, unknownFlag: FlagRules['unknownFlag']): string {
  // The first quoted flag: '--out', '--out <value>' or '-x'.
  const flag = /'(--?[\w-]+)[^']*'/.exec(message)?.[1];
  if (flag && code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const why = unknownFlag?.(flag);
    if (why) return why;
  }
  if (flag && code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    // `--out --json` or `--out -x`: the next argument looks like a flag, so it is not taken as the value.
    if (/ambiguous/.test(message)) return `${flag} needs a value (write a value that starts with "-" as ${flag}=VALUE)`;
    // `--out` last.
    if (/argument missing/.test(message)) return `${flag} needs a value`;
  }
  // usageError adds its own ". Please see …"; node's advice on positionals does not apply here.
  return message.replace(/To specify a positional argument.*$/s, '').trim().replace(/\.$/, '');
}
