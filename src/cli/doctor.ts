/**
 * `realtime-mcp-proxy doctor <mcp-url>`: a preflight for one MCP server. Connects the way the proxy
 * would (Streamable HTTP, then legacy SSE), lists the tools, runs them through the same catalog the
 * proxy uses, and explains every problem: the transport, credentials, protocol version, answer
 * format, renamed tools, adapted or unusable schemas, and the size of the tool list.
 * Exit 0: usable (connected, at least one usable tool); 1: not usable; 2: bad usage.
 */
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { ToolCatalog, type CatalogConnection } from '../mcp/catalog.js';
import { McpConnection } from '../mcp/connection.js';
import { Redactor, redactUrl } from '../redaction/index.js';
import { isHttpUrl, SERVER_LABEL_PATTERN } from '../mcp/serverConfig.js';
import type { FetchLike } from '../mcp/transports.js';
import type { McpServerConfig, Tool } from '../mcp/types.js';
import { parseFlags, usageError, type Command, type CommandIo } from './command.js';
import { explainConnectFailure, explainListFailure } from './doctorExplain.js';
import { countRequests, describeCapabilities, fallbackStatus, negotiatedProtocolVersion, recordingFetch, responseFormat } from './doctorHttp.js';
import { renderDoctorReport, type DoctorReport } from './doctorReport.js';
import { probeStaleSession } from './doctorStaleSession.js';
import { summarizeTools, toolListProblems, TOKEN_ESTIMATE_NOTE } from './doctorTools.js';

const DEFAULT_TIMEOUT_MS = 10_000;

export const doctorUsage = `Usage: realtime-mcp-proxy doctor <mcp-url> [--header "Name: value"] [--token TOKEN] [--timeout MS] [--json]

Checks one MCP server before you give it to the proxy: connects the way the proxy does (Streamable
HTTP, falling back to legacy HTTP+SSE), reports the transport, protocol version, capabilities and
timings, lists the tools, and checks each one for Realtime: function-name mapping, inputSchema
adaptations, tools left out and why, and the size of the tool list in tokens (an estimate).
Every problem comes with its cause and what to do ("why do I see 0 tools?").

  <mcp-url>            the server's http:// or https:// endpoint (often …/mcp, or …/sse for legacy SSE)
  --header "Name: v"   sent on every request (repeatable); values are never printed
  --token TOKEN        sent as "Authorization: Bearer TOKEN"; never printed (note: a flag is
                       visible in process listings)
  --timeout MS         deadline of initialize and of each tools/list page (default ${DEFAULT_TIMEOUT_MS})
  --json               one JSON report on stdout instead of readable text

Progress goes to stderr, the report to stdout.

Exit code: 0 the server is usable (connected, at least one usable tool); 1 it is not (cannot
connect, refused the credentials, or no usable tools); 2 bad usage.

Examples:
  realtime-mcp-proxy doctor http://127.0.0.1:3001/mcp
  realtime-mcp-proxy doctor https://mcp.example.com/mcp --token "$MCP_TOKEN"
  realtime-mcp-proxy doctor https://mcp.example.com/sse --header "X-Api-Key: $KEY" --json | jq .tools.usable
  realtime-mcp-proxy doctor http://127.0.0.1:3001/mcp --timeout 30000   # a slow server
  realtime-mcp-proxy doctor "$URL" > /dev/null && echo usable           # in a script: exit 0 = usable`;

export interface DoctorOptions {
  url: string;
  headers: Record<string, string>;
  token?: string;
  timeoutMs: number;
  json: boolean;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Parses and checks the flags; throws a ProxyError `invalid_options` naming the flag. */
export function parseDoctorArgs(argv: string[]): DoctorOptions {
  const fail = (why: string): never => {
    throw usageError('doctor', why);
  };
  const { values, positionals } = parseFlags(
    'doctor',
    argv,
    {
      header: { type: 'string', multiple: true },
      token: { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
    },
    { positionals: true, unknownFlag: (flag) => `${flag} is not a doctor flag (the flags are --header, --token, --timeout and --json)` },
  );
  if (positionals.length === 0) fail('no MCP server URL (give it first: doctor <mcp-url>)');
  if (positionals.length > 1) fail(`one MCP server URL at a time (got ${positionals.length}: ${positionals.map((p) => JSON.stringify(p)).join(', ')})`);
  const url = positionals[0]!;
  if (!isHttpUrl(url)) fail(`<mcp-url> "${redactUrl(url)}" is not an http:// or https:// URL`);
  const headers: Record<string, string> = {};
  for (const spec of values.header ?? []) {
    const colon = spec.indexOf(':');
    // Name only in the message: the value may be a secret.
    if (colon < 0) fail(`--header "${clipped(spec)}" has no colon (write it as --header "Name: value")`);
    if (colon === 0) fail('--header has no name before the colon (write it as --header "Name: value")');
    const name = spec.slice(0, colon).trim();
    if (!HEADER_NAME.test(name)) fail(`--header name "${clipped(name)}" is not a valid HTTP header name`);
    headers[name] = spec.slice(colon + 1).trim();
  }
  const token = values.token;
  if (token !== undefined && token.trim() === '') fail('--token is empty');
  if (token !== undefined && Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) {
    fail('--token and --header "Authorization: …" both set the Authorization header (give one of them)');
  }
  const timeoutMs = values.timeout === undefined ? DEFAULT_TIMEOUT_MS : Number(values.timeout);
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) fail('--timeout must be a positive number of milliseconds');
  return { url, headers, timeoutMs, json: values.json ?? false, ...(token !== undefined ? { token } : {}) };
}

/** A --header without a colon may be a bare secret: show only its start. */
function clipped(text: string): string {
  return text.length > 12 ? `${text.slice(0, 6)}…` : text;
}

// ---------------------------------------------------------------------------------------------
// Running the checks
// ---------------------------------------------------------------------------------------------

export interface DoctorRunOptions {
  /** The fetch underneath the recording one (tests). */
  fetch?: FetchLike;
  /** Progress lines (stderr in the CLI); called with a line at each step and every few seconds of a long one. */
  progress?: (line: string) => void;
  /** How often a long step says it is still waiting, in ms. Default 2000. */
  heartbeatMs?: number;
}

/** Runs the checks; never throws for a server problem (those are in `problems`). */
export async function runDoctor(options: DoctorOptions, run: DoctorRunOptions = {}): Promise<DoctorReport> {
  const started = performance.now();
  const since = () => Math.round(performance.now() - started);
  const recorder = recordingFetch(run.fetch ?? globalThis.fetch);
  const credentials = Object.keys(options.headers).some((name) => name.toLowerCase() === 'authorization') || options.token !== undefined;
  const headerNames = Object.keys(options.headers).filter((name) => name.toLowerCase() !== 'authorization');
  const context = { url: options.url, credentials, headerNames, timeoutMs: options.timeoutMs };
  const config: McpServerConfig = {
    label: labelFor(options.url),
    url: options.url,
    transport: 'auto',
    ...(Object.keys(options.headers).length > 0 ? { headers: options.headers } : {}),
    ...(options.token !== undefined ? { token: options.token } : {}),
  };
  const report: DoctorReport = {
    url: options.url,
    usable: false,
    credentials: { token: options.token !== undefined, headers: Object.keys(options.headers) },
    connection: { ok: false, clientProtocolVersion: LATEST_PROTOCOL_VERSION },
    timings: { totalMs: 0 },
    tools: undefined,
    problems: [],
    http: recorder.exchanges,
  };
  // A fresh transport memory: the doctor must probe, not reuse what another connection found.
  const connection = new McpConnection(config, { fetch: recorder.fetch, connectTimeoutMs: options.timeoutMs, transportMemory: new Map() });
  const step = stepper(run.progress, run.heartbeatMs ?? 2_000, options.timeoutMs);
  try {
    let t = performance.now();
    try {
      await step(`connecting to ${options.url} (Streamable HTTP, then legacy SSE)`, () => connection.connect());
    } catch (error) {
      report.timings.initializeMs = Math.round(performance.now() - t);
      await recorder.settled();
      report.problems.push(explainConnectFailure(error, recorder.exchanges, context));
      return report;
    }
    report.timings.initializeMs = Math.round(performance.now() - t);
    const transport = connection.transportKind;
    const capabilities = connection.serverCapabilities;
    const info = connection.serverInfo;
    report.connection = {
      ok: true,
      ...(transport ? { transport } : {}),
      clientProtocolVersion: LATEST_PROTOCOL_VERSION,
      session: connection.sessionId !== undefined,
      ...(info ? { server: { name: info.name, version: info.version, ...(info.title ? { title: info.title } : {}) } } : {}),
      ...(capabilities ? { capabilities: describeCapabilities(capabilities) } : {}),
      ...(connection.instructions ? { instructions: connection.instructions } : {}),
    };
    const fallback = fallbackStatus(transport, recorder.exchanges);
    if (fallback !== undefined) report.connection.fallbackFromStatus = fallback;
    if (transport === 'sse') {
      report.problems.push({
        level: 'note',
        topic: 'transport',
        message: `The server speaks only the legacy HTTP+SSE transport (the Streamable HTTP POST got HTTP ${fallback ?? '?'}, so the proxy fell back). It works; the proxy remembers the fallback per URL. If the server also offers Streamable HTTP (often at /mcp), prefer that URL.`,
      });
    }

    // The protocol version shows in the header of the first request after initialize.
    const listing: { tools?: Tool[]; error?: unknown } = {};
    const observed: CatalogConnection = {
      label: connection.label,
      config: connection.config,
      on: connection.on.bind(connection) as CatalogConnection['on'],
      callTool: connection.callTool.bind(connection),
      listTools: async () => {
        try {
          return (listing.tools = await connection.listTools());
        } catch (error) {
          listing.error = error;
          throw error;
        }
      },
    };
    // The same catalog the proxy builds (one server: no prefix), without the shared listing cache.
    const catalog = new ToolCatalog([observed], { cache: false, prefix: false });
    t = performance.now();
    await step('listing tools', () => catalog.load());
    report.timings.listToolsMs = Math.round(performance.now() - t);
    report.timings.listPages = countRequests(recorder.exchanges, 'tools/list');
    catalog.close();

    const version = negotiatedProtocolVersion(recorder.exchanges);
    if (version) report.connection.protocolVersion = version;
    const format = responseFormat(transport, recorder.exchanges);
    if (format) report.connection.responseFormat = format;
    if (format === 'json') {
      report.problems.push({
        level: 'note',
        topic: 'transport',
        message: 'The server answers POSTs with plain JSON (application/json), not an SSE stream: fine for tools, but a long call cannot stream progress notifications on its answer.',
      });
    }

    if (transport === 'streamable-http' && connection.sessionId !== undefined) {
      const headers = { ...options.headers, ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {}) };
      const probe = await step('checking how the server answers a session it does not know (as after a restart)', () =>
        probeStaleSession({ url: options.url, fetch: recorder.fetch, headers, timeoutMs: options.timeoutMs, ...(version ? { protocolVersion: version } : {}) }),
      );
      report.connection.staleSession = { verdict: probe.verdict, summary: probe.summary, ...(probe.status !== undefined ? { status: probe.status } : {}) };
      if (probe.problem) report.problems.push(probe.problem);
    }

    if (listing.tools === undefined) {
      report.problems.push(explainListFailure(listing.error, capabilities, context));
      return report;
    }
    const summary = summarizeTools(listing.tools, catalog, connection.label);
    report.tools = { ...summary, estimateNote: TOKEN_ESTIMATE_NOTE };
    report.problems.push(...toolListProblems(summary, capabilities, options.url));
    report.usable = summary.usable > 0;
    return report;
  } finally {
    step.stop();
    await connection.close();
    report.timings.totalMs = since();
  }
}

/** A server label from the URL's host (it names the server in the connection's own messages). */
function labelFor(url: string): string {
  const label = new URL(url).hostname.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 32);
  return SERVER_LABEL_PATTERN.test(label) ? label : 'server';
}

type Step = (<T>(what: string, work: () => Promise<T>) => Promise<T>) & { stop(): void };

/** Says what it starts, then every `heartbeatMs` that it is still waiting. */
function stepper(progress: ((line: string) => void) | undefined, heartbeatMs: number, timeoutMs: number): Step {
  let timer: ReturnType<typeof setInterval> | undefined;
  const stop = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
  const step = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    stop();
    if (progress === undefined) return work();
    progress(`doctor: ${what}…`);
    const began = Date.now();
    timer = setInterval(() => progress(`doctor: still ${what} (${((Date.now() - began) / 1000).toFixed(0)} s; the deadline is ${timeoutMs / 1000} s per request)…`), heartbeatMs);
    timer.unref?.();
    try {
      return await work();
    } finally {
      stop();
    }
  };
  return Object.assign(step, { stop });
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

/** The token, each header value (whole, and past a "Bearer "-like scheme word) and the URL's credentials. */
function redactorFor(options: DoctorOptions): Redactor {
  return new Redactor([options.token]).addHeaders(options.headers).addUrl(options.url);
}

export async function doctorMain(argv: string[], io: CommandIo, run: Omit<DoctorRunOptions, 'progress'> = {}): Promise<number> {
  const options = parseDoctorArgs(argv);
  // Everything printed goes through it: a server may echo the credentials it was sent, and the URL may carry some.
  const redactor = redactorFor(options);
  const report = redactor.value(await runDoctor(options, { ...run, progress: (line) => io.writeError(redactor.text(line)) }));
  io.write(redactor.text(options.json ? JSON.stringify(report, null, 2) : renderDoctorReport(report)));
  return report.usable ? 0 : 1;
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check one MCP server for use with Realtime: transport, auth, tools',
  usage: doctorUsage,
  run: (argv, io) => doctorMain(argv, io),
};
