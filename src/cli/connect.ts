/**
 * `realtime-mcp-proxy connect`: a headless Realtime WebSocket session that exposes the MCP tools
 * and serves every function call until the socket closes.
 */
import { ProxyError } from '../errors.js';
import { SERVER_LABEL_PATTERN } from '../mcp/serverConfig.js';
import type { McpServerConfig } from '../mcp/types.js';
import { createNodeRealtimeMcpProxy, type NodeRealtimeMcpProxyOptions } from '../node/realtimeMcpProxy.js';
import { DEFAULT_REALTIME_URL } from '../protocol/realtimeUrl.js';
import { Redactor, redactUrl } from '../redaction/index.js';
import type { ApprovalMode } from '../machines/types.js';
import { parseFlags, usageError, type Command } from './command.js';
import { describeEnd, followProxy, type Line } from './timeline.js';

export const connectUsage = `Usage: realtime-mcp-proxy connect --mcp label=url [--mcp …] [options]

  --realtime-url URL   Realtime WebSocket URL (default ${DEFAULT_REALTIME_URL})
  --api-key KEY        OpenAI API key (default: the OPENAI_API_KEY environment variable; prefer it:
                       a flag is visible in process listings)
  --mcp label=url      an MCP server (repeatable)
  --allow l/t,…        the tools the model may see and call, as label/tool (e.g. weather/get_forecast;
                       split at the first "/"); a call to any other is refused (default: all)
  --prefix-tool-names  name functions label__tool (default: the MCP names, hashed only on a clash)
  --approval MODE      never | always | auto (default never; always/auto deny, as there is nobody to ask)
  --timeout MS         tool call deadline (default 30000)
  --instructions TEXT  session instructions
  --json               one JSON object per line instead of readable lines`;

export interface ConnectOptions {
  url: string;
  apiKey: string;
  servers: McpServerConfig[];
  allow?: string[];
  prefixToolNames: boolean;
  approval: ApprovalMode;
  timeoutMs?: number;
  instructions?: string;
  json: boolean;
}

/** Parses and checks the flags; throws a ProxyError `invalid_options` naming the flag. */
export function parseConnectArgs(argv: string[], env: NodeJS.ProcessEnv): ConnectOptions {
  const fail = (why: string): never => {
    throw usageError('connect', why);
  };
  const { values } = parseFlags('connect', argv, {
    'realtime-url': { type: 'string' },
    'api-key': { type: 'string' },
    mcp: { type: 'string', multiple: true },
    allow: { type: 'string' },
    'prefix-tool-names': { type: 'boolean' },
    approval: { type: 'string' },
    timeout: { type: 'string' },
    instructions: { type: 'string' },
    json: { type: 'boolean' },
  });
  const apiKey = values['api-key'] ?? env.OPENAI_API_KEY;
  if (!apiKey) fail('no API key (give --api-key or set OPENAI_API_KEY)');
  const url = values['realtime-url'] ?? DEFAULT_REALTIME_URL;
  if (!/^wss?:\/\//.test(url)) fail(`--realtime-url must be a ws:// or wss:// URL`);
  const servers = (values.mcp ?? []).map((spec): McpServerConfig => {
    const at = spec.indexOf('=');
    // A URL without a label has an "=" too (`…?token=…`): the label must look like one.
    if (at <= 0 || !SERVER_LABEL_PATTERN.test(spec.slice(0, at))) fail(`--mcp "${redactUrl(spec)}" is not label=url`);
    return { label: spec.slice(0, at), url: spec.slice(at + 1) };
  });
  if (servers.length === 0) fail('no MCP server (give --mcp label=url)');
  const approval = (values.approval ?? 'never') as ApprovalMode;
  if (!['never', 'always', 'auto'].includes(approval)) fail(`--approval must be never, always or auto, not "${approval}"`);
  const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) fail('--timeout must be a positive number of milliseconds');
  return {
    url,
    apiKey: apiKey!,
    servers,
    approval,
    prefixToolNames: values['prefix-tool-names'] ?? false,
    json: values.json ?? false,
    ...(values.allow ? { allow: values.allow.split(',').map((name) => name.trim()).filter(Boolean) } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(values.instructions ? { instructions: values.instructions } : {}),
  };
}

/** Runs the session until it ends; resolves with the process exit code. `more.record` records it (the `record` command). */
export async function runConnect(options: ConnectOptions, write: (text: string) => void, more: Pick<NodeRealtimeMcpProxyOptions, 'record'> = {}): Promise<number> {
  // The session's secrets (the proxy registers its key, URLs and tokens here): nothing printed carries one.
  const redactor = new Redactor();
  const print = (text: string) => write(redactor.text(text));
  const line: Line = options.json ? (tag, text) => print(JSON.stringify({ at: new Date().toISOString(), tag, text })) : (tag, text) => print(`${tag.padEnd(8)} ${text}`);
  const proxy = createNodeRealtimeMcpProxy({
    redactor,
    url: options.url,
    apiKey: options.apiKey,
    servers: options.servers,
    ...(options.allow ? { allowedTools: options.allow } : {}),
    ...(options.prefixToolNames ? { prefixToolNames: true } : {}),
    // Headless: nobody can approve, so a call that needs approval is denied (fails closed).
    approval: { mode: options.approval, onRequest: () => ({ approved: false, reason: 'No one is there to approve it (headless connect).' }) },
    ...(options.timeoutMs ? { timeouts: { defaultMs: options.timeoutMs } } : {}),
    ...(options.instructions ? { instructions: options.instructions } : {}),
    ...(more.record ? { record: more.record } : {}),
  });
  followProxy(proxy, line);
  // The first signal closes the session (teardown is bounded: MCP DELETEs have their own deadline);
  // the handlers are `once`, so a second signal ends the process the default way.
  let stopped = false;
  const stop = () => {
    stopped = true;
    void proxy.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await proxy.start();
  } catch (error) {
    await proxy.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    // Stopped while starting: the start failed because it was asked to.
    if (stopped) return 0;
    // A --allow key that names no tool is bad usage (exit 2), found once the servers have listed.
    if (ProxyError.isInstance(error) && error.code === 'invalid_options') throw error;
    line('error', ProxyError.isInstance(error) ? error.message : `Failed to connect: ${(error as Error).message}. Please check the URL and key.`);
    return 1;
  }
  const end = await proxy.ended;
  await proxy.close();
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  const normal = end.reason === 'closed_by_host' || (end.reason === 'socket_closed' && (end.code === 1000 || end.code === 1005));
  if (!normal) line('exit', `non-zero: ${describeEnd(end)}`);
  return normal ? 0 : 1;
}

export const connectCommand: Command = {
  name: 'connect',
  summary: 'serve a Realtime WebSocket session with the tools of MCP servers',
  usage: connectUsage,
  run: (argv, io) => runConnect(parseConnectArgs(argv, io.env), io.write),
};
