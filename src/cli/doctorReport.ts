/**
 * The report of `realtime-mcp-proxy doctor`: its shape (`DoctorReport`, what `--json` prints, built
 * by runDoctor in doctor.ts) and its readable rendering: the connection, every tool with what the
 * proxy does to it, the problems, the HTTP requests, and the verdict.
 */
import type { McpTransportKind } from '../mcp/types.js';
import { transportName, type Problem } from './doctorExplain.js';
import type { HttpExchange, ResponseFormat } from './doctorHttp.js';
import type { StaleSessionVerdict } from './doctorStaleSession.js';
import { limitNote, type ToolsSummary } from './doctorTools.js';

export interface DoctorReport {
  url: string;
  usable: boolean;
  /** What was sent for authentication: whether a token was given, and header names (never values). */
  credentials: { token: boolean; headers: string[] };
  connection: {
    ok: boolean;
    transport?: McpTransportKind;
    /** The status of the Streamable HTTP POST that made the connection fall back to legacy SSE. */
    fallbackFromStatus?: number;
    protocolVersion?: string;
    /** What this client asks for (its newest). */
    clientProtocolVersion: string;
    /** How the server answers: `sse` (POST → text/event-stream), `json` (POST → application/json), `legacy-sse` (on the GET stream). */
    responseFormat?: ResponseFormat;
    /** Whether the server issued an Mcp-Session-Id. */
    session?: boolean;
    /** How it answers a made-up Mcp-Session-Id (what the proxy sees after a restart); stateful Streamable HTTP only. */
    staleSession?: { verdict: StaleSessionVerdict; status?: number; summary: string };
    server?: { name: string; version: string; title?: string };
    capabilities?: string[];
    instructions?: string;
  };
  timings: { initializeMs?: number; listToolsMs?: number; listPages?: number; totalMs: number };
  tools?: ToolsSummary & { estimateNote: string };
  problems: Problem[];
  /** Every HTTP request the client made: method, path, JSON-RPC methods, status, content type, ms. */
  http: HttpExchange[];
}

const FORMAT_TEXT: Record<ResponseFormat, string> = {
  sse: 'POST answers are SSE streams (text/event-stream)',
  json: 'POST answers are plain JSON (application/json)',
  'legacy-sse': 'answers arrive on the GET event stream (legacy SSE)',
};

/** Dropping a meta keyword changes nothing the model or the validation sees: still "ok". */
const HARMLESS_CHANGE = /^Dropped "(\$(?:schema|id|comment))"/;

/** The readable report. */
export function renderDoctorReport(report: DoctorReport): string {
  const out: string[] = [];
  const row = (key: string, value: string) => out.push(`  ${key.padEnd(13)} ${value}`);
  const creds = [report.credentials.token ? 'bearer token' : '', ...report.credentials.headers.map((name) => `header ${name}`)].filter(Boolean);
  out.push(`Doctor for ${report.url}${creds.length > 0 ? ` (sending ${creds.join(', ')}; values hidden)` : ''}`, '');

  const c = report.connection;
  out.push('Connection');
  if (c.ok) {
    row('transport', `${c.transport ? transportName(c.transport) : 'unknown'}${c.fallbackFromStatus !== undefined ? ` (fallback: the Streamable HTTP POST got HTTP ${c.fallbackFromStatus})` : ''}`);
    if (c.responseFormat) row('answers', FORMAT_TEXT[c.responseFormat]);
    row('protocol', `${c.protocolVersion ?? 'unknown'}${c.protocolVersion !== c.clientProtocolVersion ? ` (this client's newest is ${c.clientProtocolVersion})` : ''}`);
    if (c.server) row('server', `${c.server.name} ${c.server.version}${c.server.title ? ` (${c.server.title})` : ''}`);
    row('session', c.session ? 'stateful (the server issued an Mcp-Session-Id)' : c.transport === 'sse' ? 'per SSE connection' : 'stateless (no Mcp-Session-Id)');
    if (c.staleSession) row('restart', c.staleSession.summary);
    row('capabilities', c.capabilities && c.capabilities.length > 0 ? c.capabilities.join(', ') : 'none declared');
    if (c.instructions) row('instructions', `${c.instructions.length} characters`);
    row('initialize', `${report.timings.initializeMs ?? '?'} ms`);
    if (report.timings.listToolsMs !== undefined) row('tools/list', `${report.timings.listToolsMs} ms (${report.timings.listPages ?? 0} page${report.timings.listPages === 1 ? '' : 's'})`);
  } else {
    row('failed', `after ${report.timings.initializeMs ?? report.timings.totalMs} ms`);
  }
  out.push('');

  if (report.tools) {
    const t = report.tools;
    out.push(`Tools: ${t.listed} listed, ${t.usable} usable, ~${t.estimatedTokens} tokens in session.update (${t.estimateNote})`);
    for (const tool of t.tools) {
      const tag = !tool.usable ? 'left out' : tool.renamed ? 'renamed' : tool.schemaChanges.some((change) => !HARMLESS_CHANGE.test(change)) ? 'adapted' : 'ok';
      out.push(`  ${tag.padEnd(9)} ${tool.name}${tool.functionName !== undefined && tool.functionName !== tool.name ? ` → ${tool.functionName}` : ''}`);
      const detail = (text: string) => out.push(`              ${text}`);
      if (tool.leftOut) detail(tool.leftOut);
      if (tool.renamed) detail(`name: ${tool.renamed}`);
      // Routine (most servers' schemas carry "$schema"): said once below the list, not under every tool.
      for (const change of tool.schemaChanges) if (!HARMLESS_CHANGE.test(change)) detail(`schema: ${change}`);
      for (const warning of tool.warnings) detail(`warning: ${warning}`);
    }
    const routine = routineDrops(t.tools);
    if (routine) out.push(`  ${routine}`);
    out.push('');
  }

  if (report.problems.length > 0) {
    out.push('Problems');
    for (const problem of report.problems) out.push(`  ${problem.level.padEnd(8)} ${problem.message}`);
    out.push('');
  }

  out.push('HTTP');
  for (const exchange of report.http.slice(0, 30)) out.push(`  ${describeExchange(exchange)}`);
  if (report.http.length > 30) out.push(`  … and ${report.http.length - 30} more`);
  out.push('');

  out.push(`Result: ${verdict(report)} (${report.timings.totalMs} ms)`);
  return out.join('\n');
}

/** 'Dropped "$schema" from 12 tools' schemas (Realtime does not need it; nothing else changes).' */
function routineDrops(tools: ReadonlyArray<{ usable: boolean; schemaChanges: string[] }>): string | undefined {
  const byKeyword = new Map<string, number>();
  for (const tool of tools) {
    if (!tool.usable) continue;
    for (const change of tool.schemaChanges) {
      const keyword = HARMLESS_CHANGE.exec(change)?.[1];
      if (keyword) byKeyword.set(keyword, (byKeyword.get(keyword) ?? 0) + 1);
    }
  }
  if (byKeyword.size === 0) return undefined;
  const parts = [...byKeyword].map(([keyword, count]) => `"${keyword}" from ${count} tool${count === 1 ? '' : 's'}`);
  return `(Dropped ${parts.join(', ')}: a meta keyword Realtime does not need; nothing else changes.)`;
}

function describeExchange(exchange: HttpExchange): string {
  const rpc = exchange.rpc.length > 0 ? ` ${exchange.rpc.join(', ')}` : '';
  const answer =
    exchange.status !== undefined
      ? `${exchange.status}${exchange.contentType ? ` ${exchange.contentType}` : ''}${exchange.location ? ` → ${exchange.location}` : ''}`
      : exchange.error !== undefined
        ? `failed: ${exchange.error}`
        : 'no answer';
  return `${exchange.method} ${exchange.path}${rpc} → ${answer}${exchange.ms !== undefined ? ` (${exchange.ms} ms)` : ''}`;
}

function verdict(report: DoctorReport): string {
  if (!report.connection.ok) return 'not usable: could not connect (see Problems).';
  if (!report.tools) return 'not usable: connected, but the tools could not be listed (see Problems).';
  if (report.tools.usable === 0) return `not usable: ${report.tools.listed === 0 ? 'the server lists no tools' : 'none of its tools can be exposed to Realtime'} (see Problems).`;
  const limit = limitNote(report.tools);
  return `usable: ${report.tools.usable} of ${report.tools.listed} tools can be exposed to Realtime${limit ? ` (${limit})` : ''}.`;
}
