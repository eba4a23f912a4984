/**
 * The `connect` flags that name MCP servers and their credentials, each parsed on its own:
 * `--mcp label=url`, `--mcp-stdio "label=command arg…"`, `--mcp-header label:Name=Value`,
 * `--mcp-header-env label:Name=ENV_VAR` and `--mcp-token label=ENV_VAR`. A bad one throws the usage
 * error of `connect` (exit 2). Values that may be secrets are never quoted back.
 */
import { parse as parseShell } from 'shell-quote';
import { SERVER_LABEL_PATTERN } from '../mcp/serverConfig.js';
import { redactUrl } from '../redaction/index.js';
import { usageError } from './command.js';

/** The flags that name MCP servers, the same for connect (and record) and serve. */
export const MCP_SERVER_FLAGS = {
  mcp: { type: 'string', multiple: true },
  'mcp-stdio': { type: 'string', multiple: true },
  'mcp-header': { type: 'string', multiple: true },
  'mcp-header-env': { type: 'string', multiple: true },
  'mcp-token': { type: 'string', multiple: true },
} as const;

export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The command whose usage error a bad flag is (connect, or serve, which takes the same server flags). */
export type ServerFlagsCommand = 'connect' | 'serve';

const failer =
  (command: ServerFlagsCommand) =>
  (why: string): never => {
    throw usageError(command, why);
  };

/** `--mcp label=url`. */
export function parseMcpFlag(spec: string, command: ServerFlagsCommand = 'connect'): { label: string; url: string } {
  const fail = failer(command);
  const at = spec.indexOf('=');
  // A URL without a label has an "=" too (`…?token=…`): the label must look like one.
  if (at <= 0 || !SERVER_LABEL_PATTERN.test(spec.slice(0, at))) fail(`--mcp "${redactUrl(spec)}" is not label=url`);
  return { label: spec.slice(0, at), url: spec.slice(at + 1) };
}

/**
 * `--mcp-stdio "label=command arg…"`: the command split as a POSIX shell would split it (quotes and
 * backslashes), by shell-quote. Nothing is expanded and no shell runs it, so operators (`|`, `&&`,
 * `>`), globs and `$VARIABLES` are refused rather than passed on as text the user did not mean.
 */
export function parseMcpStdioFlag(spec: string, commandName: ServerFlagsCommand = 'connect'): { label: string; command: string; args: string[] } {
  const fail = failer(commandName);
  const at = spec.indexOf('=');
  const label = spec.slice(0, Math.max(0, at));
  if (at <= 0 || !SERVER_LABEL_PATTERN.test(label)) fail(`--mcp-stdio "${spec}" is not label=command (e.g. --mcp-stdio "memory=npx -y @modelcontextprotocol/server-memory")`);
  const variables: string[] = [];
  const tokens = parseShell(spec.slice(at + 1), (name) => {
    variables.push(name);
    return '';
  });
  if (variables.length > 0) fail(`--mcp-stdio ${label}: $${variables[0]} would not be expanded (no shell runs the command): let your shell expand it (double quotes), or use a config file`);
  const args: string[] = [];
  for (const token of tokens) {
    if (typeof token === 'string') args.push(token);
    else if ('comment' in token) fail(`--mcp-stdio ${label}: "#" starts a comment in a shell: quote it`);
    else if (token.op === 'glob') fail(`--mcp-stdio ${label}: "${token.pattern}" is a pattern no shell will expand here: quote it, or list the files`);
    else fail(`--mcp-stdio ${label}: "${token.op}" is a shell operator, and no shell runs the command: quote it, or put the pipeline in a script and run that`);
  }
  const [command, ...rest] = args;
  if (command === undefined || command === '') fail(`--mcp-stdio ${label}= names no command`);
  return { label, command: command!, args: rest };
}

/** `--mcp-header label:Name=Value` and `--mcp-header-env label:Name=ENV_VAR`. */
export function parseHeaderFlag(flag: '--mcp-header' | '--mcp-header-env', spec: string, command: ServerFlagsCommand = 'connect'): { label: string; name: string; value: string } {
  const fail = failer(command);
  const colon = spec.indexOf(':');
  const equals = spec.indexOf('=', colon + 1);
  const label = spec.slice(0, Math.max(0, colon));
  const name = colon < 0 || equals < 0 ? '' : spec.slice(colon + 1, equals);
  const value = equals < 0 ? '' : spec.slice(equals + 1);
  const shape = flag === '--mcp-header' ? 'label:Name=Value' : 'label:Name=ENV_VAR';
  // The value is not quoted back: it may be the secret.
  if (colon <= 0 || !SERVER_LABEL_PATTERN.test(label)) fail(`${flag} takes ${shape}, and "${spec.slice(0, Math.max(0, colon)) || spec.split('=')[0]}" is not a server label`);
  if (!HEADER_NAME_PATTERN.test(name)) fail(`${flag} ${label}:… takes ${shape}, with a header name (e.g. ${label}:X-Api-Key=…)`);
  if (value === '') fail(`${flag} ${label}:${name}= has no value`);
  if (flag === '--mcp-header-env' && !ENV_NAME_PATTERN.test(value)) fail(`--mcp-header-env ${label}:${name}= takes the name of an environment variable (letters, digits and "_")`);
  return { label, name, value };
}

/** `--mcp-token label=ENV_VAR`: the name of the variable, never the token (flags show in process listings). */
export function parseTokenFlag(spec: string, command: ServerFlagsCommand = 'connect'): { label: string; envName: string } {
  const fail = failer(command);
  const at = spec.indexOf('=');
  const label = spec.slice(0, Math.max(0, at));
  const envName = spec.slice(at + 1);
  if (at <= 0 || !SERVER_LABEL_PATTERN.test(label)) fail('--mcp-token takes label=ENV_VAR (the label of a server, then the environment variable holding its token)');
  if (!ENV_NAME_PATTERN.test(envName)) {
    fail(`--mcp-token ${label}= takes the name of the environment variable that holds the token, not the token itself (a flag shows in process listings): e.g. --mcp-token ${label}=${label.toUpperCase().replace(/-/g, '_')}_TOKEN`);
  }
  return { label, envName };
}
