/**
 * The flags of `serve`, with `--config FILE` under them (its `serve` block, and the servers,
 * approval, instructions, session, deadlines and tool limits `connect` reads too) and secrets from
 * the environment: the OpenAI key (OPENAI_API_KEY or realtime.apiKeyEnv), the access token
 * (REALTIME_MCP_PROXY_TOKEN or serve.accessTokenEnv) and the webhook secret (OPENAI_WEBHOOK_SECRET
 * or serve.webhook.secretEnv). Everything is checked before anything listens; a problem throws a
 * ProxyError `invalid_options` (exit 2).
 */
import type { ApprovalMode } from '../machines/types.js';
import type { StartServeOptions } from '../serve/startServe.js';
import { DEFAULT_SERVE_PORT } from '../serve/startServe.js';
import { DEFAULT_OPENAI_BASE_URL } from '../serve/openAi.js';
import { redactUrl } from '../redaction/index.js';
import { defaultDemoDir } from '../serve/demoStatic.js';
import { parseFlags, usageError } from './command.js';
import { configError, loadConfigFile } from './configFile.js';
import { connectServers } from './connectServers.js';
import { MAX_TIMEOUT_MS } from './connectArgs.js';
import { MCP_SERVER_FLAGS } from './serverFlags.js';

export const SERVE_FLAGS = {
  config: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'allow-origin': { type: 'string', multiple: true },
  'openai-base-url': { type: 'string' },
  'api-key': { type: 'string' },
  model: { type: 'string' },
  ...MCP_SERVER_FLAGS,
  allow: { type: 'string' },
  'prefix-tool-names': { type: 'boolean' },
  approval: { type: 'string' },
  'approval-timeout': { type: 'string' },
  timeout: { type: 'string' },
  instructions: { type: 'string' },
  'allow-runtime-mcp': { type: 'boolean' },
  'allow-mcp-host': { type: 'string', multiple: true },
  'allow-mcp-address': { type: 'string', multiple: true },
  'max-sessions': { type: 'string' },
  'body-limit': { type: 'string' },
  'rate-limit': { type: 'string' },
  'shutdown-timeout': { type: 'string' },
  'openai-key-from-browser': { type: 'boolean' },
  'events-capacity': { type: 'string' },
  demo: { type: 'string' },
  'record-sessions': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export interface ServeCliOptions {
  /** What startServe takes, but `log` and `openai` (the command adds them). */
  serve: Omit<StartServeOptions, 'log' | 'openai'>;
  json: boolean;
  /** Said once serve starts (a credential on the command line, no tool source). */
  warnings: string[];
}

export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv): ServeCliOptions {
  const fail = (why: string): never => {
    throw usageError('serve', why);
  };
  const { values } = parseFlags('serve', demoWithoutDir(argv), SERVE_FLAGS, {
    unknownFlag: (flag) => (flag === '--realtime-url' ? '--realtime-url is a connect flag: serve attaches to calls over the sideband, whose WebSocket comes from --openai-base-url' : undefined),
  });
  const loaded = values.config === undefined ? undefined : loadConfigFile(values.config);
  const file = loaded?.config;
  const block = file?.serve;
  const warnings: string[] = [];

  const keyEnv = file?.realtime?.apiKeyEnv ?? 'OPENAI_API_KEY';
  const keyFromBrowser = values['openai-key-from-browser'] === true;
  if (keyFromBrowser && values['api-key'] !== undefined) fail('--openai-key-from-browser and --api-key: serve takes the key from the page or has its own, not both');
  if (keyFromBrowser && env[keyEnv]) warnings.push(`${keyEnv} is set and not used: with --openai-key-from-browser each session uses the key the page sends.`);
  const apiKey = keyFromBrowser ? undefined : values['api-key'] || env[keyEnv] || undefined;
  if (apiKey === undefined && !keyFromBrowser) {
    if (file?.realtime?.apiKeyEnv !== undefined) throw configError(loaded!.path, [`/realtime/apiKeyEnv names the environment variable ${keyEnv}, which is not set`], 'Please set it, or give --api-key');
    fail('no OpenAI API key (set OPENAI_API_KEY, or give --api-key): serve mints ephemeral keys, creates and accepts calls and attaches the sideband with it');
  }
  if (values['api-key'] !== undefined) warnings.push('--api-key puts the key on the command line, where process listings show it. Please set OPENAI_API_KEY instead.');

  const tokenEnv = block?.accessTokenEnv ?? 'REALTIME_MCP_PROXY_TOKEN';
  const accessToken = env[tokenEnv] || undefined;
  if (accessToken === undefined && block?.accessTokenEnv !== undefined) {
    throw configError(loaded!.path, [`/serve/accessTokenEnv names the environment variable ${tokenEnv}, which is not set`], 'Please set it (or leave accessTokenEnv out: serve then makes a token and prints it once)');
  }
  if (accessToken !== undefined && accessToken.length < 16) fail(`the access token in ${tokenEnv} is shorter than 16 characters: give a long random one (e.g. openssl rand -base64 32)`);

  const secretEnv = block?.webhook?.secretEnv ?? 'OPENAI_WEBHOOK_SECRET';
  const webhookSecret = env[secretEnv] || undefined;
  if (webhookSecret === undefined && block?.webhook !== undefined) {
    throw configError(loaded!.path, [`/serve/webhook asks for phone calls, and the environment variable ${block.webhook.secretEnv ?? 'OPENAI_WEBHOOK_SECRET'} (the webhook secret) is not set`], 'Please set it');
  }

  const baseUrl = values['openai-base-url'] ?? block?.openaiBaseUrl ?? DEFAULT_OPENAI_BASE_URL;
  let base: URL | undefined;
  try {
    base = new URL(baseUrl);
  } catch {
    fail(`--openai-base-url "${redactUrl(baseUrl)}" is not a URL`);
  }
  if (base!.protocol !== 'https:' && base!.protocol !== 'http:') fail('--openai-base-url must be an http:// or https:// URL');
  if (base!.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(base!.hostname)) {
    warnings.push(`The API key goes to ${base!.hostname} over plain http://, unencrypted. Please use an https:// base URL.`);
  }

  const { servers, warnings: serverWarnings } = connectServers(loaded, values, env, 'serve');
  warnings.push(...serverWarnings);
  const runtimeEnabled = values['allow-runtime-mcp'] ?? block?.runtimeMcp?.enabled ?? false;
  if (servers.length === 0 && !runtimeEnabled) {
    fail('no MCP server (give --mcp label=url, --mcp-stdio "label=command …" or --config FILE with "servers"; or --allow-runtime-mcp to take them from the browser)');
  }

  const approval = (values.approval ?? file?.approval?.mode ?? 'never') as ApprovalMode;
  if (!['never', 'always', 'auto'].includes(approval)) fail(`--approval must be never, always or auto, not "${approval}"`);
  let allow: string[] | undefined;
  if (values.allow !== undefined) {
    allow = values.allow.split(',').map((name) => name.trim()).filter(Boolean);
    if (allow.length === 0) fail('--allow names no tool (give label/tool keys separated by commas, e.g. --allow weather/get_forecast)');
  }
  const number = (flag: string, text: string | undefined, min: number, max: number): number | undefined => {
    if (text === undefined) return undefined;
    const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
    if (!(Number.isSafeInteger(value) && value >= min && value <= max)) fail(`${flag} must be a whole number from ${min} to ${max}, not "${text}"`);
    return value;
  };
  const port = number('--port', values.port, 0, 65535) ?? block?.port ?? DEFAULT_SERVE_PORT;
  const timeoutMs = number('--timeout', values.timeout, 1, MAX_TIMEOUT_MS) ?? file?.timeouts?.defaultMs;
  const approvalTimeoutMs = number('--approval-timeout', values['approval-timeout'], 1, MAX_TIMEOUT_MS) ?? block?.approvalTimeoutMs;
  const maxSessions = number('--max-sessions', values['max-sessions'], 1, 100_000) ?? block?.limits?.maxSessions;
  const bodyBytes = number('--body-limit', values['body-limit'], 1024, 16 * 1024 * 1024) ?? block?.limits?.bodyBytes;
  const requestsPerMinute = number('--rate-limit', values['rate-limit'], 1, 1_000_000) ?? block?.limits?.requestsPerMinute;
  const eventsCapacity = number('--events-capacity', values['events-capacity'], 1, 100_000);
  const shutdownTimeoutMs = number('--shutdown-timeout', values['shutdown-timeout'], 0, MAX_TIMEOUT_MS) ?? block?.shutdownTimeoutMs;
  const instructions = values.instructions ?? file?.instructions;
  const model = values.model ?? file?.session?.model;
  const allowHosts = [...(block?.runtimeMcp?.allowHosts ?? []), ...(values['allow-mcp-host'] ?? [])];
  const allowAddresses = [...(block?.runtimeMcp?.allowAddresses ?? []), ...(values['allow-mcp-address'] ?? [])];
  const timeouts = { ...(timeoutMs !== undefined ? { defaultMs: timeoutMs } : {}), ...(file?.timeouts?.configureMs !== undefined ? { configureMs: file.timeouts.configureMs } : {}) };
  const limits = {
    ...(bodyBytes !== undefined ? { bodyBytes } : {}),
    ...(requestsPerMinute !== undefined ? { requestsPerMinute } : {}),
    ...(block?.limits?.burst !== undefined ? { burst: block.limits.burst } : {}),
    ...(maxSessions !== undefined ? { maxSessions } : {}),
  };
  return {
    json: values.json ?? false,
    warnings,
    serve: {
      ...(keyFromBrowser ? { openAiKeyFromBrowser: true } : { apiKey: apiKey! }),
      ...(eventsCapacity !== undefined ? { events: { capacity: eventsCapacity } } : {}),
      ...(values.demo !== undefined ? { demo: { dir: values.demo === '' ? defaultDemoDir() : values.demo } } : {}),
      ...(values['record-sessions'] ? { recordSessions: true } : {}),
      host: values.host ?? block?.host ?? '127.0.0.1',
      port,
      openaiBaseUrl: baseUrl,
      ...(accessToken !== undefined ? { accessToken } : {}),
      allowedOrigins: [...(block?.allowedOrigins ?? []), ...(values['allow-origin'] ?? [])],
      servers,
      ...(model !== undefined ? { model } : {}),
      ...(instructions ? { instructions } : {}),
      ...(file?.session ? { session: file.session } : {}),
      ...(allow ? { allowedTools: allow } : {}),
      approval: { mode: approval, ...(file?.approval?.tools ? { tools: file.approval.tools } : {}), ...(approvalTimeoutMs !== undefined ? { timeoutMs: approvalTimeoutMs } : {}) },
      ...(Object.keys(timeouts).length > 0 ? { timeouts } : {}),
      prefixToolNames: values['prefix-tool-names'] ?? file?.prefixToolNames ?? false,
      ...(file?.toolLimits ? { toolLimits: file.toolLimits } : {}),
      ...(block?.clientSecretTtlSeconds !== undefined ? { clientSecretTtlSeconds: block.clientSecretTtlSeconds } : {}),
      ...(webhookSecret !== undefined
        ? { webhook: { secret: webhookSecret, ...(block?.webhook?.toleranceSeconds !== undefined ? { toleranceSeconds: block.webhook.toleranceSeconds } : {}), ...(block?.webhook?.sip ? { sip: block.webhook.sip } : {}) } }
        : {}),
      runtimeMcp: { enabled: runtimeEnabled, ...(allowHosts.length > 0 ? { allowHosts } : {}), ...(allowAddresses.length > 0 ? { allowAddresses } : {}) },
      ...(Object.keys(limits).length > 0 ? { limits } : {}),
      ...(shutdownTimeoutMs !== undefined ? { shutdownTimeoutMs } : {}),
    },
  };
}

/** `--demo` takes an optional directory: alone (last, or before another flag) it means the default one. */
function demoWithoutDir(argv: string[]): string[] {
  return argv.map((arg, index) => (arg === '--demo' && (index === argv.length - 1 || argv[index + 1]!.startsWith('-')) ? '--demo=' : arg));
}
