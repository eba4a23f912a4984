/**
 * Checks an McpServerConfig before anything connects, so a typo fails at start-up with a message
 * that says which field is wrong rather than as a confusing network error later.
 */
import { ProxyError } from '../errors.js';
import { isCredentialName, type Redactor } from '../redaction/index.js';
import type { McpServerConfig } from './types.js';

export const SERVER_LABEL_PATTERN = /^[a-zA-Z0-9_-]{1,32}$/;

const transports = new Set(['auto', 'streamable-http', 'sse', 'stdio']);

export function validateServerConfig(config: McpServerConfig): McpServerConfig {
  const problems = serverConfigProblems(config);
  if (problems.length > 0) {
    const label = typeof config?.label === 'string' ? `"${config.label}"` : '(no label)';
    throw new ProxyError('invalid_options', `Failed to configure MCP server ${label}: ${problems.join('; ')}. Please fix the server configuration.`, {
      data: { problems },
    });
  }
  return config;
}

/**
 * Checks the servers of one session together: each one (validateServerConfig), and that no two share
 * a label. A label names the server in tool identities ("server/tool"), settings and recordings:
 * with two servers under one label, one server's tools would silently disappear.
 */
export function validateServerConfigs(configs: readonly McpServerConfig[]): readonly McpServerConfig[] {
  if (!Array.isArray(configs)) {
    throw new ProxyError('invalid_options', 'Failed to configure the MCP servers: "servers" is not an array. Please pass servers: [{ label, url }] (or [] for none).');
  }
  const seen = new Map<string, number>();
  for (const [index, config] of configs.entries()) {
    validateServerConfig(config);
    const first = seen.get(config.label);
    if (first !== undefined) {
      throw new ProxyError(
        'invalid_options',
        `Failed to configure the MCP servers: two servers are labelled "${config.label}" (servers[${first}] and servers[${index}]), and a label must name one server. Please give each server its own label.`,
        { data: { label: config.label, indexes: [first, index] } },
      );
    }
    seen.set(config.label, index);
  }
  return configs;
}

/**
 * Registers what a server config holds that is secret: a string token, every header value, the
 * URL's credentials, and environment values named like credentials (`GITHUB_TOKEN`, not `PATH`).
 * A token function's values are registered by the connection as they are resolved.
 */
export function registerServerSecrets(redactor: Redactor, config: McpServerConfig): void {
  // Runs before validation too (a recorder's header is written first): a malformed config registers what it can.
  if (typeof config !== 'object' || config === null) return;
  redactor.add(typeof config.token === 'string' ? config.token : undefined).addHeaders(config.headers).addUrl(config.url);
  if (Array.isArray(config.args)) redactor.add(...credentialArgs(config.args));
  if (typeof config.env !== 'object' || config.env === null) return;
  for (const [name, value] of Object.entries(config.env)) if (isCredentialName(name)) redactor.add(value);
}

/**
 * The values of command-line flags named like credentials (`--api-key sk_…`, `--token=…`): a
 * stdio server's error output may quote its own command line.
 */
function credentialArgs(args: readonly unknown[]): string[] {
  const values: string[] = [];
  args.forEach((arg, i) => {
    if (typeof arg !== 'string') return;
    const flag = /^--?([A-Za-z][\w.-]*)(?:=(.*))?$/s.exec(arg);
    if (!flag || !isCredentialName(flag[1]!)) return;
    const value = flag[2] ?? args[i + 1];
    if (typeof value === 'string' && !value.startsWith('-')) values.push(value);
  });
  return values;
}

/**
 * Whether the config gives the server anything to authenticate with: a token, an OAuth provider, a
 * header (any header may carry a key), or credentials in the URL (user:password, or a query
 * parameter named like one, `?api_key=`).
 */
export function hasServerCredentials(config: McpServerConfig): boolean {
  if (config.token !== undefined || config.authProvider !== undefined) return true;
  if (config.headers !== undefined && Object.keys(config.headers).length > 0) return true;
  if (typeof config.url !== 'string') return false;
  try {
    const url = new URL(config.url);
    return url.username !== '' || url.password !== '' || [...url.searchParams.keys()].some(isCredentialName);
  } catch {
    return false;
  }
}

function serverConfigProblems(config: McpServerConfig): string[] {
  if (typeof config !== 'object' || config === null) return ['the configuration is not an object'];
  const problems: string[] = [];
  if (typeof config.label !== 'string' || !SERVER_LABEL_PATTERN.test(config.label)) {
    problems.push('"label" must be 1–32 characters of a-z, A-Z, 0-9, "_" or "-"');
  }
  const hasUrl = config.url !== undefined;
  const hasCommand = config.command !== undefined;
  if (hasUrl === hasCommand) problems.push('give exactly one of "url" and "command"');
  if (hasUrl && !isHttpUrl(config.url)) problems.push('"url" must be an http:// or https:// URL');
  if (hasCommand && (typeof config.command !== 'string' || config.command.length === 0)) problems.push('"command" must be a non-empty string');
  if (config.args !== undefined && (!Array.isArray(config.args) || !config.args.every((arg) => typeof arg === 'string'))) {
    problems.push('"args" must be an array of strings');
  }
  if (config.stderr !== undefined && config.stderr !== 'capture' && config.stderr !== 'inherit') problems.push('"stderr" must be "capture" or "inherit"');
  if (config.treatNoValidSessionAsExpired !== undefined && typeof config.treatNoValidSessionAsExpired !== 'boolean') problems.push('"treatNoValidSessionAsExpired" must be true or false');
  if (config.transport !== undefined && !transports.has(config.transport)) {
    problems.push('"transport" must be one of auto, streamable-http, sse, stdio');
  } else if (config.transport === 'stdio' && !hasCommand) {
    problems.push('"transport": "stdio" needs a "command"');
  } else if ((config.transport === 'streamable-http' || config.transport === 'sse') && !hasUrl) {
    problems.push(`"transport": "${config.transport}" needs a "url"`);
  }
  for (const key of ['timeoutMs', 'maxTotalTimeoutMs'] as const) {
    if (config[key] !== undefined && !isPositiveNumber(config[key])) problems.push(`"${key}" must be a positive number of milliseconds`);
  }
  for (const [tool, ms] of Object.entries(config.toolTimeoutsMs ?? {})) {
    if (!isPositiveNumber(ms)) problems.push(`"toolTimeoutsMs.${tool}" must be a positive number of milliseconds`);
  }
  if (config.token !== undefined && typeof config.token !== 'function' && (typeof config.token !== 'string' || config.token.length === 0)) {
    problems.push('"token" must be a non-empty string or a function returning one');
  }
  if (config.headers !== undefined && (typeof config.headers !== 'object' || !Object.values(config.headers).every((v) => typeof v === 'string'))) {
    problems.push('"headers" must map header names to strings');
  }
  if (config.allowedTools !== undefined && typeof config.allowedTools !== 'function' && !Array.isArray(config.allowedTools)) {
    problems.push('"allowedTools" must be an array of tool names or a function');
  }
  return problems;
}

/** An http:// or https:// URL (what an MCP server over HTTP is reached at). */
export function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function isPositiveNumber(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}
