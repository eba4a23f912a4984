/**
 * `realtime-mcp-proxy serve`: the hardened HTTP server (src/serve/) from the command line. The flags
 * are parsed in serveArgs.ts; this starts it, prints where it listens (stdout) and what it does
 * (stderr, redacted), shows a generated access token once, and stops gracefully on the first
 * SIGTERM or SIGINT (a second one ends the process at once).
 */
import { ProxyError } from '../errors.js';
import { registerServerSecrets } from '../mcp/serverConfig.js';
import { Redactor } from '../redaction/index.js';
import { DEFAULT_OPENAI_BASE_URL } from '../serve/openAi.js';
import type { ServeLogEntry } from '../serve/serveOptions.js';
import { DEFAULT_SERVE_PORT, startServe, type RunningServe } from '../serve/startServe.js';
import type { Command, CommandIo } from './command.js';
import { parseServeArgs } from './serveArgs.js';

export const serveUsage = `Usage: realtime-mcp-proxy serve (--mcp label=url | --mcp-stdio "label=command …" | --config FILE | --allow-runtime-mcp) … [options]

An HTTP server for browsers and phones: it mints ephemeral keys (POST /session) or relays the
browser's SDP offer (POST /call), answers SIP calls (POST /webhooks/openai), and attaches to each
call over the sideband to run every tool call itself, so the OpenAI key and the MCP credentials
never reach a browser. Also GET /tools, POST /approvals/:id, GET /events?session=ID (server-sent
events) and GET /healthz. Every route but /healthz needs Authorization: Bearer <access token>.

  --config FILE          a JSON config file: servers, approval, instructions, session fields, and a
                         "serve" block (host, port, origins, limits, webhook, run-time MCP servers)
  --host HOST            the address to bind (default 127.0.0.1; anything else is warned about:
                         put TLS in front of it)
  --port N               default ${DEFAULT_SERVE_PORT}; 0 picks a free port
  --allow-origin ORIGIN  a page origin that may call serve, e.g. http://localhost:5173 (repeatable);
                         any other Origin is refused (403)
  --openai-base-url URL  the OpenAI REST base (default ${DEFAULT_OPENAI_BASE_URL}); the sideband's
                         WebSocket base is derived from it
  --api-key KEY          OpenAI API key (default: OPENAI_API_KEY; prefer it: a flag is visible in
                         process listings)
  --model NAME           the Realtime model (default gpt-realtime)
  --mcp label=url, --mcp-stdio "label=command …", --mcp-token label=ENV_VAR,
  --mcp-header-env label:Name=ENV_VAR, --mcp-header label:Name=Value
                         the MCP servers, as for connect
  --allow l/t,…          the only tools sessions may see and call, as label/tool
  --prefix-tool-names    name functions label__tool
  --approval MODE        never | always | auto (default never); approvals are answered with
                         POST /approvals/:id
  --approval-timeout MS  an unanswered approval is denied after this long (default 60000)
  --timeout MS           tool call deadline (default 30000)
  --instructions TEXT    session instructions
  --allow-runtime-mcp    take MCP servers from the browser (mcpServers in POST /session, /call,
                         /tools); loopback, private, link-local and metadata addresses are refused
  --allow-mcp-host HOST  with --allow-runtime-mcp: the only hosts allowed (exact or *.example.com;
                         repeatable)
  --allow-mcp-address CIDR
                         with --allow-runtime-mcp: an address range allowed although not public
                         (e.g. 10.0.0.0/8; repeatable)
  --max-sessions N       sessions at once (default 20)
  --body-limit BYTES     the largest request body (default 65536)
  --rate-limit N         requests per minute per client address (default 120)
  --shutdown-timeout MS  how long a shutdown waits for tool calls in flight (default 10000)
  --openai-key-from-browser
                         no key of serve's own: the page sends one with POST /session and POST /call
                         (X-OpenAI-Key), used for that session only; loopback --host only. Offline
                         (a loopback --openai-base-url: the simulator) the page may send none
  --events-capacity N    events kept per session for GET /events (default 500)
  --demo [DIR]           serve the built demo page at / (default: demo/dist of this package) and
                         print its address with the access token in the fragment
  --record-sessions      keep each session's redacted recording in memory (GET
                         /sessions/ID/recording, replayable; the last 20 ended sessions are kept)
  --json                 log lines as JSON

Environment:
  OPENAI_API_KEY            the OpenAI key (or realtime.apiKeyEnv in the config file)
  REALTIME_MCP_PROXY_TOKEN  the access token (or serve.accessTokenEnv); when unset, serve makes one
                            and prints it once to stderr
  OPENAI_WEBHOOK_SECRET     the webhook secret (whsec_…; or serve.webhook.secretEnv); without it
                            POST /webhooks/openai answers 404

Examples:
  OPENAI_API_KEY=sk-… realtime-mcp-proxy serve --mcp weather=http://127.0.0.1:4000/mcp \\
      --allow-origin http://localhost:5173
  REALTIME_MCP_PROXY_TOKEN=… OPENAI_WEBHOOK_SECRET=whsec_… realtime-mcp-proxy serve --config realtime-mcp-proxy.json

Exit codes:
  0  stopped by SIGTERM or SIGINT (tool calls in flight finished or the deadline passed)
  1  failed to start (the port is taken, …)
  2  bad usage: a bad flag or config file, no key, a variable not set`;

export async function runServe(argv: string[], io: CommandIo): Promise<number> {
  const options = parseServeArgs(argv, io.env);
  // Whatever serve prints goes through the redactor that knows the key and the MCP credentials.
  const redactor = new Redactor([options.serve.apiKey as string, options.serve.accessToken, options.serve.webhook?.secret]);
  for (const server of options.serve.servers ?? []) registerServerSecrets(redactor, server);
  const line = (level: ServeLogEntry['level'], message: string) =>
    io.writeError(redactor.text(options.json ? JSON.stringify({ at: new Date().toISOString(), level, message }) : `${level === 'info' ? 'serve' : level.padEnd(5)} ${message}`));
  for (const warning of options.warnings) line('warn', warning);
  let running: RunningServe;
  try {
    running = await startServe({ ...options.serve, log: (entry) => line(entry.level, entry.message) });
  } catch (error) {
    if (ProxyError.isInstance(error) && error.code === 'invalid_options' && /^Failed to configure serve/.test(error.message)) throw error;
    line('error', ProxyError.isInstance(error) ? error.message : `Failed to start serve: ${(error as Error).message}. Please report this if it persists.`);
    return 1;
  }
  io.write(options.json ? JSON.stringify({ listening: running.url }) : `serve listening ${running.url}`);
  if (options.serve.demo !== undefined) {
    // The token rides in the fragment: the browser never sends it, so it reaches no server log.
    const page = `${running.url}/#token=${encodeURIComponent(running.accessToken)}`;
    io.write(options.json ? JSON.stringify({ demo: page }) : `serve demo page ${page}`);
  }
  if (running.generatedToken) {
    // Shown once, here; registered afterwards, so no later line can carry it.
    io.writeError(`serve access token (generated, shown once; set REALTIME_MCP_PROXY_TOKEN to choose one): ${running.accessToken}`);
  }
  redactor.add(running.accessToken);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      line('info', `${signal}: stopping (waiting up to ${running.app.options.shutdownTimeoutMs} ms for tool calls in flight; a second signal ends at once)`);
      void running.close().then((result) => {
        line('info', result.finished ? 'stopped: every tool call in flight finished' : `stopped: ${result.abandonedCalls} tool calls were still running at the deadline and were cancelled`);
        resolve();
      });
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
  return 0;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'an HTTP server: ephemeral keys, SDP relay, SIP calls; tools run on the server',
  usage: serveUsage,
  run: runServe,
};
