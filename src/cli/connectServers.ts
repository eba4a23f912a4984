/**
 * The MCP servers of a `connect` session: those of the config file, in order, then those of
 * `--mcp` and `--mcp-stdio`, in order; `--mcp-header`, `--mcp-header-env` and `--mcp-token` add to
 * or override the server they name. Secrets are read from the environment variables named here, at
 * the end, so a flag can stand in for a variable the file names. A label given twice, a flag that
 * names no server and a variable that is not set are errors (exit 2): the file's name the file and
 * the JSON path, the flags' the flag.
 */
import type { McpServerConfig } from '../mcp/types.js';
import { didYouMean } from '../didYouMean.js';
import { isCredentialHeader } from '../redaction/index.js';
import { usageError } from './command.js';
import { configError, type FileServer, type LoadedConfig } from './configFile.js';
import { parseHeaderFlag, parseMcpFlag, parseMcpStdioFlag, parseTokenFlag, type ServerFlagsCommand } from './serverFlags.js';

export interface ServerFlagValues {
  mcp?: string[];
  'mcp-stdio'?: string[];
  'mcp-header'?: string[];
  'mcp-header-env'?: string[];
  'mcp-token'?: string[];
}

/** Where a server or a setting came from: a JSON path in the file, or a flag. */
type Origin = { file: string } | { flag: string };

interface PendingServer {
  server: FileServer;
  origin: Origin;
  /** Where each environment variable name came from, by the field that names it ("tokenEnv", "headersFromEnv/X-Key"…). */
  named: Map<string, Origin>;
}

export function connectServers(config: LoadedConfig | undefined, flags: ServerFlagValues, env: NodeJS.ProcessEnv, commandName: ServerFlagsCommand = 'connect'): { servers: McpServerConfig[]; warnings: string[] } {
  const warnings: string[] = [];
  const pending: PendingServer[] = (config?.config.servers ?? []).map((server, index) => {
    const named = new Map<string, Origin>();
    const at = `/servers/${index}`;
    if (server.tokenEnv !== undefined) named.set('tokenEnv', { file: `${at}/tokenEnv` });
    for (const name of Object.keys(server.headersFromEnv ?? {})) named.set(`headersFromEnv/${name}`, { file: `${at}/headersFromEnv/${name}` });
    for (const name of Object.keys(server.envFromEnv ?? {})) named.set(`envFromEnv/${name}`, { file: `${at}/envFromEnv/${name}` });
    return { server: structuredClone(server), origin: { file: at }, named };
  });
  const add = (server: FileServer, flag: string) => {
    const taken = pending.find((other) => other.server.label === server.label);
    if (taken) {
      const where = 'file' in taken.origin ? `by ${taken.origin.file} in ${config!.path}` : `by ${taken.origin.flag}`;
      throw usageError(commandName, `${flag}: the label "${server.label}" is already taken ${where} (labels name servers in "server/tool" keys: give each server its own)`);
    }
    pending.push({ server, origin: { flag }, named: new Map() });
  };
  for (const spec of flags.mcp ?? []) {
    const { label, url } = parseMcpFlag(spec, commandName);
    add({ label, url }, `--mcp ${label}=…`);
  }
  for (const spec of flags['mcp-stdio'] ?? []) {
    const { label, command, args } = parseMcpStdioFlag(spec, commandName);
    add({ label, command, ...(args.length > 0 ? { args } : {}) }, `--mcp-stdio ${label}=…`);
  }

  const target = (flag: string, label: string): PendingServer => {
    const found = pending.find((candidate) => candidate.server.label === label);
    if (found === undefined) {
      const labels = pending.map((candidate) => candidate.server.label);
      throw usageError(commandName, `${flag} names the server "${label}", and there is none${didYouMean(label, labels) || (labels.length > 0 ? ` (the servers: ${labels.join(', ')})` : '')}`);
    }
    if (found.server.command !== undefined) throw usageError(commandName, `${flag}: "${label}" is a stdio server, which takes no HTTP headers or token`);
    return found;
  };
  for (const spec of flags['mcp-header'] ?? []) {
    const { label, name, value } = parseHeaderFlag('--mcp-header', spec, commandName);
    const { server } = target(`--mcp-header ${label}:${name}`, label);
    dropHeader(server, name);
    server.headers = { ...server.headers, [name]: value };
    if (isCredentialHeader(name)) warnings.push(`--mcp-header ${label}:${name} puts a credential on the command line, where process listings show it. Please use --mcp-header-env ${label}:${name}=ENV_VAR, or a config file with "headersFromEnv".`);
  }
  for (const spec of flags['mcp-header-env'] ?? []) {
    const { label, name, value } = parseHeaderFlag('--mcp-header-env', spec, commandName);
    const found = target(`--mcp-header-env ${label}:${name}`, label);
    dropHeader(found.server, name);
    found.server.headersFromEnv = { ...found.server.headersFromEnv, [name]: value };
    found.named.set(`headersFromEnv/${name}`, { flag: `--mcp-header-env ${label}:${name}` });
  }
  for (const spec of flags['mcp-token'] ?? []) {
    const { label, envName } = parseTokenFlag(spec, commandName);
    const found = target(`--mcp-token ${label}`, label);
    delete found.server.token;
    dropHeader(found.server, 'Authorization');
    found.server.tokenEnv = envName;
    found.named.set('tokenEnv', { flag: `--mcp-token ${label}` });
  }

  const missing: Array<{ origin: Origin; name: string }> = [];
  const read = (name: string, origin: Origin): string => {
    const value = env[name];
    if (value === undefined || value === '') missing.push({ origin, name });
    return value ?? '';
  };
  const servers = pending.map(({ server, named }) => {
    const resolved: McpServerConfig = { label: server.label };
    if (server.url !== undefined) resolved.url = server.url;
    if (server.command !== undefined) resolved.command = server.command;
    if (server.args !== undefined) resolved.args = server.args;
    if (server.cwd !== undefined) resolved.cwd = server.cwd;
    const childEnv: Record<string, string> = { ...server.env };
    for (const [name, from] of Object.entries(server.envFromEnv ?? {})) childEnv[name] = read(from, named.get(`envFromEnv/${name}`)!);
    if (Object.keys(childEnv).length > 0) resolved.env = childEnv;
    if (server.token !== undefined) resolved.token = server.token;
    if (server.tokenEnv !== undefined) resolved.token = read(server.tokenEnv, named.get('tokenEnv')!);
    const headers: Record<string, string> = { ...server.headers };
    for (const [name, from] of Object.entries(server.headersFromEnv ?? {})) headers[name] = read(from, named.get(`headersFromEnv/${name}`)!);
    if (Object.keys(headers).length > 0) resolved.headers = headers;
    if (server.allowedTools !== undefined) resolved.allowedTools = server.allowedTools;
    if (server.timeoutMs !== undefined) resolved.timeoutMs = server.timeoutMs;
    if (server.toolTimeoutsMs !== undefined) resolved.toolTimeoutsMs = server.toolTimeoutsMs;
    if (server.maxTotalTimeoutMs !== undefined) resolved.maxTotalTimeoutMs = server.maxTotalTimeoutMs;
    if (server.transport !== undefined) resolved.transport = server.transport;
    if (server.treatNoValidSessionAsExpired !== undefined) resolved.treatNoValidSessionAsExpired = server.treatNoValidSessionAsExpired;
    if (server.stderr !== undefined) resolved.stderr = server.stderr;
    return resolved;
  });
  if (missing.length > 0) throw missingVariables(missing, config?.path, commandName);
  return { servers, warnings };
}

/** Removes a header (any case) from `headers` and `headersFromEnv`: the flag that sets it again wins. */
function dropHeader(server: FileServer, name: string): void {
  const lower = name.toLowerCase();
  for (const key of ['headers', 'headersFromEnv'] as const) {
    const headers = server[key];
    if (headers === undefined) continue;
    for (const existing of Object.keys(headers)) if (existing.toLowerCase() === lower) delete headers[existing];
  }
}

/**
 * The error for variables that are not set: the file's, named with their JSON path; else the flags'.
 * A name given on the command line is shown only when it looks like a variable name (upper case),
 * not a token given where a name was expected.
 */
function missingVariables(missing: ReadonlyArray<{ origin: Origin; name: string }>, path: string | undefined, command: ServerFlagsCommand) {
  const inFile = missing.filter((entry) => 'file' in entry.origin);
  if (inFile.length > 0 && path !== undefined) {
    const problems = inFile.map(({ origin, name }) => `${(origin as { file: string }).file} names the environment variable ${name}, which is not set`);
    return configError(path, problems, `Please set ${inFile.length === 1 ? 'it' : 'them'} before starting (or give the value with a flag: see ${command} --help)`);
  }
  const { origin, name } = missing[0]!;
  const shown = /^[A-Z_][A-Z0-9_]{0,63}$/.test(name) ? `the environment variable ${name} is not set` : 'no environment variable of the name given is set (give the name of a variable that holds the secret, not the secret)';
  return usageError(command, `${(origin as { flag: string }).flag}: ${shown}`);
}
