/**
 * What serve answers, as the page trusts it: every JSON body is checked here before the page uses
 * it. A body that does not fit is refused as a whole (answers) or entry by entry (tool listings:
 * one odd tool does not hide the others).
 */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isString = (value: unknown, max = 10_000): value is string => typeof value === 'string' && value.length <= max;

export interface ServeInfo {
  version: string;
  offline: boolean;
  openAiKey: 'server' | 'browser';
  runtimeMcp: boolean;
  toolLimits: { maxTools: number; maxTokens: number };
  approvalMode: 'never' | 'always' | 'auto';
}

export function parseInfo(body: unknown): ServeInfo | undefined {
  if (!isObject(body)) return undefined;
  const limits = isObject(body.toolLimits) ? body.toolLimits : {};
  const approvalMode = body.approvalMode === 'always' || body.approvalMode === 'auto' ? body.approvalMode : 'never';
  return {
    version: isString(body.version, 100) ? body.version : 'unknown',
    offline: body.offline === true,
    openAiKey: body.openAiKey === 'browser' ? 'browser' : 'server',
    runtimeMcp: body.runtimeMcp === true,
    toolLimits: { maxTools: finiteOr(limits.maxTools, 0), maxTokens: finiteOr(limits.maxTokens, 0) },
    approvalMode,
  };
}

const finiteOr = (value: unknown, fallback: number): number => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);

export interface ToolAnnotationsShown {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface ToolEntry {
  functionName: string;
  server: string;
  mcpName: string;
  description: string;
  inputSchema: unknown;
  annotations?: ToolAnnotationsShown;
  offered: boolean;
  renamed?: string;
  leftOut?: string;
}

export interface ToolsReport {
  servers: Array<{ label: string; source: 'config' | 'request'; listed: boolean }>;
  tools: ToolEntry[];
  dropped: Array<{ server: string; tool: string; reason: string }>;
}

export function parseToolsReport(body: unknown): ToolsReport | undefined {
  if (!isObject(body) || !Array.isArray(body.tools)) return undefined;
  const servers = (Array.isArray(body.servers) ? body.servers : []).flatMap((entry) =>
    isObject(entry) && isString(entry.label, 64) ? [{ label: entry.label, source: entry.source === 'config' ? ('config' as const) : ('request' as const), listed: entry.listed === true }] : [],
  );
  const tools = body.tools.flatMap((entry): ToolEntry[] => {
    if (!isObject(entry) || !isString(entry.functionName, 128) || !isString(entry.server, 64) || !isString(entry.mcpName, 256)) return [];
    const tool: ToolEntry = {
      functionName: entry.functionName,
      server: entry.server,
      mcpName: entry.mcpName,
      description: isString(entry.description) ? entry.description : '',
      inputSchema: entry.inputSchema,
      offered: entry.offered === true,
    };
    if (isObject(entry.annotations)) tool.annotations = parseAnnotations(entry.annotations);
    if (isString(entry.renamed, 1000)) tool.renamed = entry.renamed;
    if (isString(entry.leftOut, 1000)) tool.leftOut = entry.leftOut;
    return [tool];
  });
  const dropped = (Array.isArray(body.dropped) ? body.dropped : []).flatMap((entry) =>
    isObject(entry) && isString(entry.server, 64) && isString(entry.tool, 256) && isString(entry.reason, 1000) ? [{ server: entry.server, tool: entry.tool, reason: entry.reason }] : [],
  );
  return { servers, tools, dropped };
}

function parseAnnotations(value: JsonObject): ToolAnnotationsShown {
  const shown: ToolAnnotationsShown = {};
  if (isString(value.title, 200)) shown.title = value.title;
  for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
    if (typeof value[hint] === 'boolean') shown[hint] = value[hint];
  }
  return shown;
}

export interface CreatedSession {
  clientSecret: string;
  expiresAt: number;
  sessionId: string;
  /** Where the browser posts its SDP offer; absent from older serves (the page then uses OpenAI's). */
  callsUrl?: string;
}

const ID = /^[A-Za-z0-9_-]{1,128}$/;
export const isId = (value: unknown): value is string => typeof value === 'string' && ID.test(value);

export function parseCreatedSession(body: unknown): CreatedSession | undefined {
  if (!isObject(body) || !isString(body.clientSecret, 4096) || body.clientSecret === '' || !isId(body.sessionId)) return undefined;
  const session: CreatedSession = { clientSecret: body.clientSecret, expiresAt: finiteOr(body.expiresAt, 0), sessionId: body.sessionId };
  if (isString(body.callsUrl, 2048) && /^https?:\/\//i.test(body.callsUrl)) session.callsUrl = body.callsUrl;
  return session;
}

export interface ServeEvent {
  id: number;
  type: string;
  at: number;
  data: unknown;
}

/** One SSE message's data: `{ id, type, at, data }`; anything else is undefined (the caller drops it). */
export function parseServeEvent(text: string): ServeEvent | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(body) || !isString(body.type, 200) || body.type === '') return undefined;
  const id = body.id;
  // stream.overflow has no id: it is still worth showing.
  if (id !== undefined && (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1)) return undefined;
  return { id: typeof id === 'number' ? id : 0, type: body.type, at: finiteOr(body.at, Date.now()), data: body.data };
}

/** `{ error: { code, message } }`: serve's refusal, or undefined. */
export function parseServeError(body: unknown): { code: string; message: string } | undefined {
  if (!isObject(body) || !isObject(body.error)) return undefined;
  const { code, message } = body.error;
  if (!isString(code, 100) || !isString(message, 2000)) return undefined;
  return { code, message };
}
