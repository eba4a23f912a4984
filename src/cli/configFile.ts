/**
 * The CLI's config file: `realtime-mcp-proxy connect --config realtime-mcp-proxy.json` (and
 * `record … -- --config …`). JSON, checked against the published schema
 * (`realtime-mcp-proxy/schemas/config.schema.json`; unknown keys are errors, so a typo cannot be
 * silently ignored), then against what a schema cannot say: labels are unique, a stdio server takes
 * no headers and an HTTP server no args, secrets are not written in the file unless
 * `"allowInlineSecrets": true` (name an environment variable instead: `tokenEnv`, `headersFromEnv`,
 * `envFromEnv`, `realtime.apiKeyEnv`).
 *
 * ```json
 * {
 *   "$schema": "./node_modules/realtime-mcp-proxy/dist/config.schema.json",
 *   "servers": [
 *     { "label": "github", "url": "https://api.githubcopilot.com/mcp/", "tokenEnv": "GITHUB_TOKEN" },
 *     { "label": "memory", "command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"] }
 *   ],
 *   "approval": { "mode": "auto" }
 * }
 * ```
 *
 * Every problem is reported at once, by JSON path: "Failed to read the config file X:
 * /servers/1/url must be an http:// or https:// URL, not "ftp://…". Please fix the file …" — a
 * ProxyError `invalid_options` (exit 2). Environment variables are read later, in
 * `resolveConfig` (configResolve.ts), once the flags that may override them are known.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ProxyError } from '../errors.js';
import type { McpServerConfig } from '../mcp/types.js';
import type { ApprovalMode, ApprovalRule } from '../machines/types.js';
import type { RealtimeMcpProxyOptions } from '../proxy/options.js';
import { decodeClientEvent } from '../protocol/codec.js';
import { isHttpUrl } from '../mcp/serverConfig.js';
import { isCredentialHeader, isCredentialName } from '../redaction/index.js';
import type { SipPolicy } from '../serve/sipPolicy.js';
import { schemaProblems } from './configSchema.js';

/** One server as the file gives it (schemas/config.schema.json#/definitions/Server). */
export interface FileServer {
  label: string;
  url?: string;
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  envFromEnv?: Record<string, string>;
  cwd?: string;
  headers?: Record<string, string>;
  headersFromEnv?: Record<string, string>;
  tokenEnv?: string;
  token?: string;
  allowedTools?: string[];
  timeoutMs?: number;
  toolTimeoutsMs?: Record<string, number>;
  maxTotalTimeoutMs?: number;
  transport?: McpServerConfig['transport'];
  treatNoValidSessionAsExpired?: boolean;
  stderr?: 'capture' | 'inherit';
}

/** The whole file (schemas/config.schema.json). */
export interface ConfigFile {
  allowInlineSecrets?: boolean;
  realtime?: { url?: string; apiKeyEnv?: string };
  servers?: FileServer[];
  approval?: { mode?: ApprovalMode; tools?: Record<string, ApprovalRule> };
  instructions?: string;
  session?: RealtimeMcpProxyOptions['session'];
  prefixToolNames?: boolean;
  timeouts?: { defaultMs?: number; configureMs?: number };
  toolLimits?: { maxTools?: number; maxTokens?: number };
  serve?: ServeFileConfig;
}

/** The `serve` block (schemas/config.schema.json#/definitions/Serve). */
export interface ServeFileConfig {
  host?: string;
  port?: number;
  allowedOrigins?: string[];
  accessTokenEnv?: string;
  openaiBaseUrl?: string;
  clientSecretTtlSeconds?: number;
  webhook?: { secretEnv?: string; toleranceSeconds?: number; sip?: SipPolicy };
  runtimeMcp?: { enabled?: boolean; allowHosts?: string[]; allowAddresses?: string[] };
  limits?: { bodyBytes?: number; requestsPerMinute?: number; burst?: number; maxSessions?: number };
  approvalTimeoutMs?: number;
  shutdownTimeoutMs?: number;
}

/** A config file that passed every check, with where it came from (relative `cwd`s are resolved against its folder). */
export interface LoadedConfig {
  path: string;
  config: ConfigFile;
}

/** Reads, parses and checks a config file; throws a ProxyError `invalid_options` naming the file and every problem. */
export function loadConfigFile(path: string): LoadedConfig {
  const absolute = resolve(path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'there is no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw configError(path, [why], 'Please check the path given to --config');
  }
  return { path: absolute, config: parseConfigText(text, path, dirname(absolute)) };
}

/** Parses and checks the text of a config file (`path` only names it in errors; `baseDir` resolves relative `cwd`s). */
export function parseConfigText(text: string, path: string, baseDir: string): ConfigFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw configError(path, [`it is not valid JSON (${jsonErrorWhere(text, error as Error)})`], 'Please fix the JSON');
  }
  const problems = schemaProblems(parsed);
  if (problems.length > 0) throw configError(path, problems, FIX_THE_FILE);
  const config = parsed as ConfigFile;
  const more = meaningProblems(config);
  if (more.length > 0) throw configError(path, more, FIX_THE_FILE);
  for (const server of config.servers ?? []) if (server.cwd !== undefined) server.cwd = resolve(baseDir, server.cwd);
  return config;
}

const FIX_THE_FILE = 'Please fix the file (its JSON Schema is realtime-mcp-proxy/schemas/config.schema.json)';

/** "Failed to read the config file X: a; b. Please …." */
export function configError(path: string, problems: readonly string[], please: string): ProxyError {
  return new ProxyError('invalid_options', `Failed to read the config file ${path}: ${problems.join('; ')}. ${please}.`, { data: { path, problems: [...problems] } });
}

const URL_ONLY = ['headers', 'headersFromEnv', 'token', 'tokenEnv', 'treatNoValidSessionAsExpired'] as const;
const STDIO_ONLY = ['args', 'env', 'envFromEnv', 'cwd', 'stderr'] as const;

/** What the schema cannot say. */
function meaningProblems(config: ConfigFile): string[] {
  const problems: string[] = [];
  const inline = config.allowInlineSecrets === true;
  const firstByLabel = new Map<string, number>();
  (config.servers ?? []).forEach((server, index) => {
    const at = `/servers/${index}`;
    const first = firstByLabel.get(server.label);
    if (first !== undefined) problems.push(`${at}/label "${server.label}" is also the label of /servers/${first} (labels name servers in "server/tool" keys: give each its own)`);
    else firstByLabel.set(server.label, index);
    const stdio = server.command !== undefined;
    for (const key of stdio ? URL_ONLY : STDIO_ONLY) {
      if (server[key] !== undefined) problems.push(`${at}/${key} applies to ${stdio ? 'an HTTP server (with "url")' : 'a stdio server (with "command")'} only`);
    }
    if (server.token !== undefined && server.tokenEnv !== undefined) problems.push(`${at} has "token" and "tokenEnv": give one`);
    if (server.token !== undefined && !inline) {
      problems.push(`${at}/token is a secret written in the file: name the environment variable that holds it with "tokenEnv" instead (or set "allowInlineSecrets": true at the top level)`);
    }
    for (const name of Object.keys(server.headers ?? {})) {
      if (!inline && isCredentialHeader(name)) {
        problems.push(`${at}/headers/${name} is a credential written in the file: use "headersFromEnv": { "${name}": "ENV_VAR" } instead (or set "allowInlineSecrets": true at the top level)`);
      }
      if (Object.keys(server.headersFromEnv ?? {}).some((other) => other.toLowerCase() === name.toLowerCase())) {
        problems.push(`${at} sets the header "${name}" in both "headers" and "headersFromEnv": give it once`);
      }
      if (name.toLowerCase() === 'authorization' && (server.token !== undefined || server.tokenEnv !== undefined)) {
        problems.push(`${at} sets Authorization in "headers" and a token: give one`);
      }
    }
    for (const name of Object.keys(server.headersFromEnv ?? {})) {
      if (name.toLowerCase() === 'authorization' && (server.token !== undefined || server.tokenEnv !== undefined)) problems.push(`${at} sets Authorization in "headersFromEnv" and a token: give one`);
    }
    for (const name of Object.keys(server.env ?? {})) {
      if (!inline && isCredentialName(name)) {
        problems.push(`${at}/env/${name} is a credential written in the file: use "envFromEnv": { "${name}": "ENV_VAR" } instead (or set "allowInlineSecrets": true at the top level)`);
      }
      if (server.envFromEnv?.[name] !== undefined) problems.push(`${at} sets the variable "${name}" in both "env" and "envFromEnv": give it once`);
    }
    if (server.transport === 'stdio' && !stdio) problems.push(`${at}/transport "stdio" needs a "command"`);
    if ((server.transport === 'streamable-http' || server.transport === 'sse') && stdio) problems.push(`${at}/transport "${server.transport}" needs a "url"`);
    if (server.url !== undefined && !isHttpUrl(server.url)) problems.push(`${at}/url is not a URL`);
  });
  if (config.session !== undefined) {
    // The published schema refers to the Realtime shapes as the server sends them; what the proxy
    // sends is checked strictly (a misspelt field would be ignored by the server), as it will be.
    const checked = decodeClientEvent({ type: 'session.update', session: { type: 'realtime', ...config.session } });
    if (!checked.ok) problems.push(/^Failed to [^:]*: ([\s\S]*?)\. Please /.exec(checked.error.message)?.[1] ?? `${checked.error.path || '/session'} is not valid`);
  }
  return problems;
}

/**
 * What JSON.parse said, without the excerpt of the file that V8 quotes after a comma (the file may
 * hold a secret next to the mistake), and with the line and column when the message gives a position.
 */
function jsonErrorWhere(text: string, error: Error): string {
  const position = /at position (\d+)/.exec(error.message)?.[1];
  const message = error.message.replace(/, "[\s\S]*" is not valid JSON$/, '').replace(/, \.\.\.[\s\S]*$/, '').replace(/ in JSON at position \d+[\s\S]*$/, '');
  if (position === undefined) return message;
  const before = text.slice(0, Number(position));
  return `${message} at line ${before.split('\n').length}, column ${Number(position) - before.lastIndexOf('\n')}`;
}
