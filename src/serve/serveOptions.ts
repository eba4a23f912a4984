/**
 * What `createServeApp` / `startServe` take, and its checks (a bad option throws a ProxyError
 * `invalid_options` before anything listens or connects).
 */
import { ProxyError } from '../errors.js';
import type { ApprovalMode, ApprovalRule, BargeInPolicy } from '../machines/types.js';
import type { McpConnectionOptions } from '../mcp/connection.js';
import { validateServerConfigs } from '../mcp/serverConfig.js';
import { resolveToolLimits, type ResolvedToolLimits, type ToolLimits } from '../mcp/toolLimits.js';
import type { McpServerConfig } from '../mcp/types.js';
import type { RealtimeMcpProxyOptions } from '../proxy/options.js';
import { normalizeOrigin } from './auth.js';
import { isOfflineBaseUrl } from './info.js';
import { DEFAULT_BODY_LIMIT_BYTES, DEFAULT_REQUESTS_PER_MINUTE } from './limits.js';
import { McpAddressPolicy, type McpUrlPolicy, type ResolveHost } from './mcpUrlPolicy.js';
import { DEFAULT_OPENAI_BASE_URL, type ServeOpenAi } from './openAi.js';
import { DEFAULT_MAX_SESSIONS } from './sessions.js';
import { compileSipPolicy, type SipPolicy } from './sipPolicy.js';

export interface ServeLogEntry {
  level: 'info' | 'warn' | 'error';
  /** Redacted. */
  message: string;
}

export interface ServeOptions {
  /** The standard OpenAI key: used for client secrets, calls and the sideband; never sent to a browser. Leave it out with `openAiKeyFromBrowser`. */
  apiKey?: string | (() => string | Promise<string>);
  /**
   * The page sends the OpenAI key with `POST /session` and `POST /call` (`X-OpenAI-Key`), for a demo
   * on the user's own machine: serve uses it for that session only (redacted everywhere, never kept).
   * Only when serve has no key of its own and binds a loopback address; offline (a loopback OpenAI
   * base URL: the simulator) the key may be left out.
   */
  openAiKeyFromBrowser?: boolean;
  /** The Realtime REST functions and the sideband transport (default: the library's own). */
  openai?: Partial<ServeOpenAi>;
  /** Default https://api.openai.com/v1 (the simulator: `sim.httpUrl + '/v1'`). The sideband's WebSocket base is derived from it. */
  openaiBaseUrl?: string;
  /** The bearer token every route but /healthz (and the signed webhook) needs. Default: a random one (`app.accessToken`). */
  accessToken?: string;
  /** Origins whose pages may call serve (CORS). A request with any other Origin gets 403. Default: none. */
  allowedOrigins?: readonly string[];
  /** The configured MCP servers (every session gets them). */
  servers?: McpServerConfig[];
  /** Default gpt-realtime. */
  model?: string;
  instructions?: string;
  /** Realtime session fields for every call (voice, output modalities…); `model` and `audio` are set when the call is created, not over the sideband. */
  session?: RealtimeMcpProxyOptions['session'];
  /** "server/tool" keys: the only tools sessions may see and call. */
  allowedTools?: readonly string[];
  /** Approvals are answered with POST /approvals/:id; unanswered ones are denied after `timeoutMs` (default 60 000). */
  approval?: { mode?: ApprovalMode; tools?: Record<string, ApprovalRule>; timeoutMs?: number };
  timeouts?: { defaultMs?: number; configureMs?: number };
  bargeIn?: Record<string, BargeInPolicy>;
  prefixToolNames?: boolean;
  toolLimits?: ToolLimits;
  /** The ephemeral key's TTL (10–7200 s, default 600); a session not attached by then is dropped. */
  clientSecretTtlSeconds?: number;
  /** Phone calls: the webhook secret (`whsec_…`) and who may call. Without it POST /webhooks/openai answers 404. */
  webhook?: { secret: string; toleranceSeconds?: number; sip?: SipPolicy };
  /** MCP servers given by the browser (`mcpServers` in POST /session, /call, /tools). Off unless `enabled`. */
  runtimeMcp?: McpUrlPolicy & { enabled?: boolean };
  limits?: {
    /** Default 65 536 bytes (an SDP offer is a few KB). */
    bodyBytes?: number;
    /** Per client address. Default 120. */
    requestsPerMinute?: number;
    burst?: number;
    /** Sessions open at once (pending ones included). Default 20. */
    maxSessions?: number;
  };
  events?: { capacity?: number; heartbeatMs?: number; maxQueued?: number };
  /** Serve the built demo page (a directory with index.html) at `/`, without a token; the API routes keep theirs. */
  demo?: { dir: string };
  /**
   * Keep each session's recording (redacted, ids as placeholders, audio elided; at most 8 MiB each)
   * in memory for `GET /sessions/:id/recording`, a file `replay` and the demo can load. The last 20
   * ended sessions' recordings are kept too.
   */
  recordSessions?: boolean;
  /** How long a shutdown waits for tool calls in flight. Default 10 000 ms. */
  shutdownTimeoutMs?: number;
  /** Where serve says what it does (redacted). Default: nowhere. */
  log?: (entry: ServeLogEntry) => void;
  /** Options for every MCP connection (tests: `fetch`). */
  mcp?: Pick<McpConnectionOptions, 'fetch' | 'connectTimeoutMs'>;
  /** How run-time MCP hosts are resolved (tests). */
  resolveHost?: ResolveHost;
}

export interface ResolvedServeOptions {
  readonly baseUrl: string;
  /** The key comes from the page (`X-OpenAI-Key`), not from serve. */
  readonly keyFromBrowser: boolean;
  /** The OpenAI base URL is loopback (the simulator). */
  readonly offline: boolean;
  readonly model: string;
  readonly servers: McpServerConfig[];
  readonly allowedOrigins: string[];
  readonly toolLimits: ResolvedToolLimits;
  readonly clientSecretTtlSeconds: number;
  readonly bodyBytes: number;
  readonly requestsPerMinute: number;
  readonly maxSessions: number;
  readonly shutdownTimeoutMs: number;
  readonly addressPolicy: McpAddressPolicy;
  readonly sipDecision: ReturnType<typeof compileSipPolicy>;
}

const fail = (why: string, please: string): never => {
  throw new ProxyError('invalid_options', `Failed to configure serve: ${why}. Please ${please}.`);
};

function wholeNumber(value: number | undefined, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) fail(`${name} is ${String(value)}`, `give a whole number from ${min} to ${max}`);
  return value;
}

export function resolveServeOptions(options: ServeOptions, openai: ServeOpenAi): ResolvedServeOptions {
  const keyFromBrowser = options.openAiKeyFromBrowser === true;
  if (options.openAiKeyFromBrowser !== undefined && typeof options.openAiKeyFromBrowser !== 'boolean') fail('openAiKeyFromBrowser is not true or false', 'give a boolean');
  if (keyFromBrowser && options.apiKey !== undefined) fail('openAiKeyFromBrowser is set and serve has a key of its own', 'choose one: leave out apiKey (the page sends its key), or openAiKeyFromBrowser');
  if (!keyFromBrowser && (options.apiKey === undefined || options.apiKey === '')) fail('there is no OpenAI API key', 'give `apiKey` (a standard key: it stays on the server), or openAiKeyFromBrowser for a local demo');
  if (keyFromBrowser && options.webhook !== undefined) fail('phone calls (webhook) need serve\'s own key, and openAiKeyFromBrowser leaves serve without one', 'give apiKey instead of openAiKeyFromBrowser');
  const baseUrl = options.openaiBaseUrl ?? DEFAULT_OPENAI_BASE_URL;
  if (!/^https?:\/\/[^/]/.test(baseUrl)) fail(`the OpenAI base URL is not an http(s) URL`, `give one such as ${DEFAULT_OPENAI_BASE_URL}`);
  if (options.accessToken !== undefined && (options.accessToken.length < 16 || /\s/.test(options.accessToken))) fail('the access token is shorter than 16 characters or has spaces', 'give a long random one (or none, and serve makes one)');
  const servers = options.servers ?? [];
  validateServerConfigs(servers);
  let allowedOrigins: string[] = [];
  try {
    allowedOrigins = (options.allowedOrigins ?? []).map(normalizeOrigin);
  } catch (error) {
    fail(`an allowed origin ${(error as Error).message}`, 'give origins as scheme://host[:port]');
  }
  let addressPolicy!: McpAddressPolicy;
  try {
    addressPolicy = new McpAddressPolicy(options.runtimeMcp ?? {}, options.resolveHost);
  } catch (error) {
    fail(`runtimeMcp.allowAddresses: ${(error as Error).message}`, 'give addresses or CIDR ranges');
  }
  let sipDecision!: ReturnType<typeof compileSipPolicy>;
  try {
    sipDecision = compileSipPolicy(options.webhook?.sip);
  } catch (error) {
    fail((error as Error).message, 'fix the SIP policy');
  }
  if (options.webhook !== undefined && (typeof options.webhook.secret !== 'string' || options.webhook.secret.length < 8)) fail('the webhook secret is missing or too short', 'give the whsec_… secret of the OpenAI webhook');
  for (const name of ['createClientSecret', 'createCall', 'acceptCall', 'rejectCall', 'hangupCall', 'verifyRealtimeWebhook', 'createNodeSidebandTransport'] as const) {
    if (typeof openai[name] !== 'function') fail(`openai.${name} is not a function`, 'pass every Realtime REST function, or none');
  }
  return {
    baseUrl,
    keyFromBrowser,
    offline: isOfflineBaseUrl(baseUrl),
    model: options.model ?? options.session?.model ?? 'gpt-realtime',
    servers,
    allowedOrigins,
    toolLimits: resolveToolLimits(options.toolLimits),
    clientSecretTtlSeconds: wholeNumber(options.clientSecretTtlSeconds, 'clientSecretTtlSeconds', 10, 7200, 600),
    bodyBytes: wholeNumber(options.limits?.bodyBytes, 'limits.bodyBytes', 1024, 16 * 1024 * 1024, DEFAULT_BODY_LIMIT_BYTES),
    requestsPerMinute: wholeNumber(options.limits?.requestsPerMinute, 'limits.requestsPerMinute', 1, 1_000_000, DEFAULT_REQUESTS_PER_MINUTE),
    maxSessions: wholeNumber(options.limits?.maxSessions, 'limits.maxSessions', 1, 100_000, DEFAULT_MAX_SESSIONS),
    shutdownTimeoutMs: wholeNumber(options.shutdownTimeoutMs, 'shutdownTimeoutMs', 0, 3_600_000, 10_000),
    addressPolicy,
    sipDecision,
  };
}
