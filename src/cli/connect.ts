/**
 * `realtime-mcp-proxy connect`: a headless Realtime WebSocket session that exposes the MCP tools
 * and serves every function call until the socket closes. The flags (and `--config FILE`) are
 * parsed in connectArgs.ts; this runs the session and decides the exit code.
 */
import { ProxyError } from '../errors.js';
import { createNodeRealtimeMcpProxy, type NodeRealtimeMcpProxyOptions } from '../node/realtimeMcpProxy.js';
import { createNodeWebSocketTransport } from '../node/webSocketTransport.js';
import { DEFAULT_REALTIME_URL } from '../protocol/realtimeUrl.js';
import { Redactor } from '../redaction/index.js';
import type { Command } from './command.js';
import { MAX_TIMEOUT_MS, parseConnectArgs, type ConnectOptions } from './connectArgs.js';
import { describeEnd, followProxy, type Line } from './timeline.js';

export { parseConnectArgs, type ConnectOptions };

export const connectUsage = `Usage: realtime-mcp-proxy connect (--mcp label=url | --mcp-stdio "label=command …" | --config FILE) … [options]

Serves one Realtime WebSocket session with the tools of MCP servers, until the socket closes or
Ctrl-C. Every tool call is printed with its latency.

  --config FILE        a JSON config file: servers (URL or stdio, headers, tokens from environment
                       variables, allowed tools, timeouts), approval, instructions, session fields.
                       Schema: realtime-mcp-proxy/schemas/config.schema.json. The flags below
                       override it or add to it
  --realtime-url URL   Realtime WebSocket URL (default ${DEFAULT_REALTIME_URL})
  --api-key KEY        OpenAI API key (default: the OPENAI_API_KEY environment variable; prefer it:
                       a flag is visible in process listings). A ws:// URL on 127.0.0.1, localhost
                       or [::1] (a local simulator) needs none
  --mcp label=url      an MCP server over HTTP (repeatable)
  --mcp-stdio "label=command arg…"
                       an MCP server to spawn over stdio (repeatable), split like a shell would
                       split it; nothing is expanded
  --mcp-token label=ENV_VAR
                       send the bearer token held in the environment variable ENV_VAR to server
                       label (the name, never the token: flags show in process listings)
  --mcp-header-env label:Name=ENV_VAR
                       send the header Name with the value of ENV_VAR to server label
  --mcp-header label:Name=Value
                       send the header Name: Value to server label (not for secrets: use
                       --mcp-header-env)
  --allow l/t,…        the tools the model may see and call, as label/tool (e.g. weather/get_forecast;
                       split at the first "/"); a call to any other is refused (default: all)
  --prefix-tool-names  name functions label__tool (default: the MCP names, hashed only on a clash)
  --approval MODE      never | always | auto (default never; always/auto deny, as there is nobody to ask)
  --timeout MS         tool call deadline, 1 to ${MAX_TIMEOUT_MS} (default 30000)
  --instructions TEXT  session instructions
  --json               one JSON object per line instead of readable lines

Examples:
  OPENAI_API_KEY=sk-… realtime-mcp-proxy connect --mcp weather=http://127.0.0.1:4000/mcp
  realtime-mcp-proxy connect --mcp-stdio "memory=npx -y @modelcontextprotocol/server-memory" \\
      --realtime-url ws://127.0.0.1:4010/v1/realtime
  GITHUB_TOKEN=… realtime-mcp-proxy connect --mcp github=https://api.githubcopilot.com/mcp/ \\
      --mcp-token github=GITHUB_TOKEN --allow github/search_repositories
  realtime-mcp-proxy connect --config realtime-mcp-proxy.json --json

Exit codes:
  0  the session ended normally (closed with 1000, or Ctrl-C)
  1  the session failed or never started: no MCP server reachable, no tool to offer, the Realtime
     server refused or closed before the session was created, or the session ended abnormally
  2  bad usage: a bad flag, config file or --allow key; a label given twice; a variable not set`;

/** Runs the session until it ends; resolves with the process exit code. `more.record` records it (the `record` command). */
export async function runConnect(options: ConnectOptions, write: (text: string) => void, more: Pick<NodeRealtimeMcpProxyOptions, 'record'> = {}): Promise<number> {
  // The session's secrets (the proxy registers its key, URLs and tokens here): nothing printed carries one.
  const redactor = new Redactor();
  const print = (text: string) => write(redactor.text(text));
  const raw: Line = options.json ? (tag, text) => print(JSON.stringify({ at: new Date().toISOString(), tag, text })) : (tag, text) => print(`${tag.padEnd(8)} ${text}`);
  // A session that fails to start ends before start() rejects: its "ended" line waits for the error that explains it.
  let starting = true;
  const heldEnd: Array<[string, string]> = [];
  const line: Line = (tag, text) => {
    if (tag === 'ended' && starting) return void heldEnd.push([tag, text]);
    raw(tag, text);
  };
  const started = () => {
    starting = false;
    for (const [tag, text] of heldEnd.splice(0)) raw(tag, text);
  };
  for (const warning of options.warnings) line('warning', warning);

  // Each error the proxy reported is printed by the timeline: start()'s rejection is printed only if it was not.
  const reportedErrors = new Set<string>();
  const proxy = createNodeRealtimeMcpProxy({
    redactor,
    url: options.url,
    ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
    // A local server on loopback needs no key, and is sent none.
    transport: createNodeWebSocketTransport({ url: options.url, ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : { authentication: 'none' }) }),
    servers: options.servers,
    // A session with no reachable server or no tool left is not started (exit 1), rather than run empty.
    requireTools: true,
    ...(options.allow ? { allowedTools: options.allow } : {}),
    ...(options.prefixToolNames ? { prefixToolNames: true } : {}),
    // Headless: nobody can approve, so a call that needs approval is denied (fails closed).
    approval: {
      mode: options.approval,
      ...(options.approvalTools ? { tools: options.approvalTools } : {}),
      onRequest: () => ({ approved: false, reason: 'No one is there to approve it (headless connect).' }),
    },
    ...(options.timeoutMs !== undefined || options.configureMs !== undefined
      ? { timeouts: { ...(options.timeoutMs !== undefined ? { defaultMs: options.timeoutMs } : {}), ...(options.configureMs !== undefined ? { configureMs: options.configureMs } : {}) } }
      : {}),
    ...(options.instructions ? { instructions: options.instructions } : {}),
    ...(options.session ? { session: options.session } : {}),
    ...(options.toolLimits ? { toolLimits: options.toolLimits } : {}),
    ...(more.record ? { record: more.record } : {}),
  });
  proxy.on('error', (error) => reportedErrors.add(error.message));
  let created = false;
  proxy.on('realtime.event', (event) => {
    if (event.type === 'session.created') created = true;
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
  const release = async () => {
    await proxy.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
  try {
    await proxy.start();
    started();
  } catch (error) {
    // Stopped while starting: the start failed because it was asked to.
    // A --allow key that names no tool is bad usage (exit 2), found once the servers have listed.
    const usage = ProxyError.isInstance(error) && error.code === 'invalid_options';
    if (!stopped && !usage) {
      const message = ProxyError.isInstance(error) ? error.message : `Failed to connect: ${(error as Error).message}. Please check the URL and key.`;
      if (!reportedErrors.has(message)) line('error', message);
    }
    await release();
    started();
    if (usage) throw error;
    return stopped ? 0 : 1;
  }
  const end = await proxy.ended;
  await release();
  if (!created && end.reason === 'socket_closed') {
    line('exit', `non-zero: the Realtime server closed the socket (${end.code}) before it created the session. Please check the URL, the key and the model.`);
    return 1;
  }
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
