/**
 * The flags of `connect` (and of `record` after `--`), with `--config FILE` under them: the file is
 * read first, the flags override or add to it. Everything is checked before anything connects; a
 * problem throws a ProxyError `invalid_options`, which main turns into exit 2.
 */
import type { ApprovalMode, ApprovalRule } from '../machines/types.js';
import type { McpServerConfig } from '../mcp/types.js';
import type { RealtimeMcpProxyOptions } from '../proxy/options.js';
import { DEFAULT_REALTIME_URL } from '../protocol/realtimeUrl.js';
import { isLoopback } from '../isLoopback.js';
import { redactUrl } from '../redaction/index.js';
import { parseFlags, usageError } from './command.js';
import { configError, loadConfigFile } from './configFile.js';
import { connectServers } from './connectServers.js';
import { MCP_SERVER_FLAGS } from './serverFlags.js';

/** Deadlines a flag or the file may set: setTimeout overflows above 2^31-1 ms, and a call that waits an hour is a mistake. */
export const MAX_TIMEOUT_MS = 3_600_000;

export interface ConnectOptions {
  url: string;
  /** Undefined for a ws:// server on loopback (a local simulator): no key is sent. */
  apiKey?: string;
  servers: McpServerConfig[];
  allow?: string[];
  prefixToolNames: boolean;
  approval: ApprovalMode;
  /** Per tool, by "server/tool" (the config file's approval.tools). */
  approvalTools?: Record<string, ApprovalRule>;
  timeoutMs?: number;
  configureMs?: number;
  instructions?: string;
  session?: RealtimeMcpProxyOptions['session'];
  toolLimits?: { maxTools?: number; maxTokens?: number };
  json: boolean;
  /** Said before the session starts (a credential on the command line, a key over plain ws://). */
  warnings: string[];
}

export const CONNECT_FLAGS = {
  config: { type: 'string' },
  'realtime-url': { type: 'string' },
  'api-key': { type: 'string' },
  ...MCP_SERVER_FLAGS,
  allow: { type: 'string' },
  'prefix-tool-names': { type: 'boolean' },
  approval: { type: 'string' },
  timeout: { type: 'string' },
  instructions: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** Parses and checks the flags (and the config file they name); throws a ProxyError `invalid_options`. */
export function parseConnectArgs(argv: string[], env: NodeJS.ProcessEnv): ConnectOptions {
  const fail = (why: string): never => {
    throw usageError('connect', why);
  };
  const { values } = parseFlags('connect', argv, CONNECT_FLAGS);
  const loaded = values.config === undefined ? undefined : loadConfigFile(values.config);
  const file = loaded?.config;

  const url = values['realtime-url'] ?? file?.realtime?.url ?? DEFAULT_REALTIME_URL;
  if (!/^wss?:\/\//.test(url)) fail(`--realtime-url must be a ws:// or wss:// URL`);
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return fail(`--realtime-url "${redactUrl(url)}" is not a URL`);
  }
  const plain = url.startsWith('ws://');
  const local = isLoopback(host);
  const keyEnv = file?.realtime?.apiKeyEnv ?? 'OPENAI_API_KEY';
  const apiKey = values['api-key'] || env[keyEnv] || undefined;
  if (apiKey === undefined && !(plain && local)) {
    if (file?.realtime?.apiKeyEnv !== undefined) {
      throw configError(loaded!.path, [`/realtime/apiKeyEnv names the environment variable ${keyEnv}, which is not set`], 'Please set it, or give --api-key');
    }
    fail('no API key (give --api-key or set OPENAI_API_KEY; a ws:// URL on 127.0.0.1, localhost or [::1] needs none)');
  }
  const warnings: string[] = [];
  if (values['api-key'] !== undefined) warnings.push('--api-key puts the key on the command line, where process listings show it. Please set OPENAI_API_KEY instead.');
  if (apiKey !== undefined && plain && !local) {
    warnings.push(`The API key goes to ${host} over plain ws://, unencrypted: anyone on the way can read it. Please use a wss:// URL.`);
  }

  const { servers, warnings: serverWarnings } = connectServers(loaded, values, env);
  warnings.push(...serverWarnings);
  if (servers.length === 0) fail('no MCP server (give --mcp label=url, --mcp-stdio "label=command …" or --config FILE with "servers")');

  const approval = (values.approval ?? file?.approval?.mode ?? 'never') as ApprovalMode;
  if (!['never', 'always', 'auto'].includes(approval)) fail(`--approval must be never, always or auto, not "${approval}"`);
  const timeoutMs = values.timeout === undefined ? file?.timeouts?.defaultMs : parseMilliseconds('--timeout', values.timeout, fail);
  let allow: string[] | undefined;
  if (values.allow !== undefined) {
    allow = values.allow.split(',').map((name) => name.trim()).filter(Boolean);
    if (allow.length === 0) fail('--allow names no tool (give label/tool keys separated by commas, e.g. --allow weather/get_forecast,weather/get_alerts)');
  }
  const instructions = values.instructions ?? file?.instructions;
  return {
    url,
    ...(apiKey !== undefined ? { apiKey } : {}),
    servers,
    approval,
    prefixToolNames: values['prefix-tool-names'] ?? file?.prefixToolNames ?? false,
    json: values.json ?? false,
    warnings,
    ...(allow ? { allow } : {}),
    ...(file?.approval?.tools ? { approvalTools: file.approval.tools } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(file?.timeouts?.configureMs !== undefined ? { configureMs: file.timeouts.configureMs } : {}),
    ...(instructions ? { instructions } : {}),
    ...(file?.session ? { session: file.session } : {}),
    ...(file?.toolLimits ? { toolLimits: file.toolLimits } : {}),
  };
}

/** A whole number of milliseconds from 1 to MAX_TIMEOUT_MS. */
function parseMilliseconds(flag: string, text: string, fail: (why: string) => never): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(Number.isSafeInteger(value) && value >= 1 && value <= MAX_TIMEOUT_MS)) {
    fail(`${flag} must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS} (1 hour), not "${text}"`);
  }
  return value;
}

export { isLoopback };
