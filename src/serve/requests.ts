/**
 * Every request body and id `serve` takes, checked before anything acts on it: JSON only where
 * JSON is expected (415 otherwise), objects with known keys only, ids as `^[A-Za-z0-9_-]{1,128}$`,
 * strings bounded. A refusal is a 400 naming the field, never quoting a value that may be a secret
 * (header values, URLs with credentials).
 */
import type { Context } from 'hono';
import { isJsonObject } from '../isJsonObject.js';
import { SERVER_LABEL_PATTERN } from '../mcp/serverConfig.js';
import { ServeHttpError } from './httpErrors.js';

export const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
/** At most this many MCP servers in one request. */
export const MAX_RUNTIME_SERVERS = 8;
const MAX_HEADERS = 16;
const MAX_TOOL_PICKS = 256;
const TOOL_PICK = /^[a-zA-Z0-9_-]{1,32}\/.{1,128}$/s;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
/** Headers the MCP client sets itself, or that would change the request's framing. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'connection', 'transfer-encoding', 'accept', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id', 'upgrade', 'te', 'trailer', 'keep-alive', 'proxy-authorization', 'expect']);

export interface RuntimeMcpServer {
  label: string;
  url: string;
  headers?: Record<string, string>;
}

/** What `POST /session`, `POST /call` (JSON) and `POST /tools` may carry besides the SDP. */
export interface SessionRequest {
  mcpServers: RuntimeMcpServer[];
  /** The tools picked, as "server/tool" (MCP names); absent: every allowed tool. */
  tools?: string[];
}

export interface ApprovalAnswerBody {
  approved: boolean;
  reason?: string;
  sticky?: boolean;
}

const invalid = (why: string, please = 'Please fix the request') => new ServeHttpError(400, 'invalid_request', `Failed to read the request: ${why}. ${please}.`);

/** The body as JSON: 415 unless Content-Type is application/json, 400 unless it parses. An empty body is `{}`. */
export async function readJson(c: Context): Promise<unknown> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const text = await c.req.text();
  if (text.trim() === '' && type === '') return {};
  if (type !== 'application/json') {
    throw new ServeHttpError(415, 'unsupported_media_type', `Failed to read the request: its Content-Type is ${type === '' ? 'missing' : JSON.stringify(type.slice(0, 80))}. Please send application/json.`);
  }
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalid('the body is not valid JSON');
  }
}

/** An id from a path or query: `^[A-Za-z0-9_-]{1,128}$`, or 400. */
export function checkId(value: string | undefined, what: string): string {
  if (value === undefined || !ID_PATTERN.test(value)) throw invalid(`${what} must be 1–128 characters of A-Z, a-z, 0-9, "_" or "-"`);
  return value;
}

function knownKeys(body: Record<string, unknown>, keys: readonly string[], what: string): void {
  const unknown = Object.keys(body).filter((key) => !keys.includes(key));
  if (unknown.length > 0) throw invalid(`${what} has the unknown key ${JSON.stringify(unknown[0]!.slice(0, 40))} (known keys: ${keys.join(', ')})`);
}

/** `{ mcpServers?, tools? }` (and `extra` keys the route reads itself, such as `sdp`). */
export function parseSessionRequest(body: unknown, extra: readonly string[] = []): SessionRequest {
  if (!isJsonObject(body)) throw invalid('the body must be a JSON object');
  knownKeys(body, ['mcpServers', 'tools', ...extra], 'the body');
  const request: SessionRequest = { mcpServers: [] };
  if (body.mcpServers !== undefined) {
    if (!Array.isArray(body.mcpServers)) throw invalid('mcpServers must be an array of { label, url, headers? }');
    if (body.mcpServers.length > MAX_RUNTIME_SERVERS) throw invalid(`mcpServers has ${body.mcpServers.length} servers, more than ${MAX_RUNTIME_SERVERS}`);
    const labels = new Set<string>();
    request.mcpServers = body.mcpServers.map((entry, index) => {
      const server = parseRuntimeServer(entry, `mcpServers[${index}]`);
      if (labels.has(server.label)) throw invalid(`mcpServers[${index}].label "${server.label}" is used twice`);
      labels.add(server.label);
      return server;
    });
  }
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools) || body.tools.length === 0 || body.tools.length > MAX_TOOL_PICKS) throw invalid(`tools must be a list of 1 to ${MAX_TOOL_PICKS} "server/tool" names`);
    request.tools = body.tools.map((pick, index) => {
      if (typeof pick !== 'string' || !TOOL_PICK.test(pick) || /[\u0000-\u001f]/.test(pick)) throw invalid(`tools[${index}] must be "server/tool" (the server's label, "/", the tool's MCP name)`);
      return pick;
    });
  }
  return request;
}

function parseRuntimeServer(entry: unknown, at: string): RuntimeMcpServer {
  if (!isJsonObject(entry)) throw invalid(`${at} must be an object { label, url, headers? }`);
  knownKeys(entry, ['label', 'url', 'headers'], at);
  if (typeof entry.label !== 'string' || !SERVER_LABEL_PATTERN.test(entry.label)) throw invalid(`${at}.label must be 1–32 characters of a-z, A-Z, 0-9, "_" or "-"`);
  if (typeof entry.url !== 'string' || entry.url.length > 2048 || !/^https?:\/\//i.test(entry.url)) throw invalid(`${at}.url must be an http:// or https:// URL of at most 2048 characters`);
  const server: RuntimeMcpServer = { label: entry.label, url: entry.url };
  if (entry.headers !== undefined) {
    if (!isJsonObject(entry.headers)) throw invalid(`${at}.headers must be an object of header names to string values`);
    const names = Object.keys(entry.headers);
    if (names.length > MAX_HEADERS) throw invalid(`${at}.headers has more than ${MAX_HEADERS} headers`);
    const headers: Array<[string, string]> = [];
    for (const name of names) {
      const value = entry.headers[name];
      if (!HEADER_NAME.test(name)) throw invalid(`${at}.headers has a key that is not a header name`);
      if (RESERVED_HEADERS.has(name.toLowerCase())) throw invalid(`${at}.headers sets ${name}, which the MCP client sets itself`);
      // The value is never quoted: it is most likely a credential.
      if (typeof value !== 'string' || value.length === 0 || value.length > 4096 || /[\r\n\u0000]/.test(value)) throw invalid(`${at}.headers.${name} must be a string of 1–4096 characters on one line`);
      headers.push([name, value]);
    }
    // fromEntries defines own properties: a header named "__proto__" stays data.
    server.headers = Object.fromEntries(headers);
  }
  return server;
}

/** `{ approved: boolean, reason?, sticky? }`. */
export function parseApprovalAnswer(body: unknown): ApprovalAnswerBody {
  if (!isJsonObject(body)) throw invalid('the body must be a JSON object { approved, reason?, sticky? }');
  knownKeys(body, ['approved', 'reason', 'sticky'], 'the body');
  if (typeof body.approved !== 'boolean') throw invalid('approved must be true or false');
  if (body.reason !== undefined && (typeof body.reason !== 'string' || body.reason.length > 500)) throw invalid('reason must be a string of at most 500 characters');
  if (body.sticky !== undefined && typeof body.sticky !== 'boolean') throw invalid('sticky must be true or false');
  return { approved: body.approved, ...(typeof body.reason === 'string' ? { reason: body.reason } : {}), ...(body.sticky === true ? { sticky: true } : {}) };
}

/** `{ allowedTools: ["server/tool", …] }` of `POST /sessions/:id/tools` (an empty list: no tools). */
export function parseAllowedTools(body: unknown): { allowedTools: string[] } {
  if (!isJsonObject(body)) throw invalid('the body must be a JSON object { allowedTools: ["server/tool", …] }');
  knownKeys(body, ['allowedTools'], 'the body');
  if (!Array.isArray(body.allowedTools) || body.allowedTools.length > MAX_TOOL_PICKS) throw invalid(`allowedTools must be a list of at most ${MAX_TOOL_PICKS} "server/tool" names`);
  return {
    allowedTools: body.allowedTools.map((pick, index) => {
      if (typeof pick !== 'string' || !TOOL_PICK.test(pick) || /[\u0000-\u001f]/.test(pick)) throw invalid(`allowedTools[${index}] must be "server/tool" (the server's label, "/", the tool's MCP name)`);
      return pick;
    }),
  };
}

/** `{ callId }` of `POST /sessions/:id/attach`. */
export function parseAttach(body: unknown): { callId: string } {
  if (!isJsonObject(body)) throw invalid('the body must be a JSON object { callId }');
  knownKeys(body, ['callId'], 'the body');
  return { callId: checkId(typeof body.callId === 'string' ? body.callId : undefined, 'callId') };
}

/** An SDP offer: text that starts with "v=", at most `maxBytes` (the body limit already holds it). */
export function checkSdp(value: unknown): string {
  if (typeof value !== 'string' || !/^v=\d/.test(value.trimStart())) throw invalid('the SDP offer must be SDP text starting with "v="', 'Please send the peer connection\'s offer (localDescription.sdp)');
  return value;
}
