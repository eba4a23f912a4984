/**
 * serve's HTTP API as the page uses it (same origin: the dev server proxies serve's routes, and in
 * production serve serves the page). Every answer is checked before it is used; every failure is
 * an Error with serve's own message (already redacted by serve, and scrubbed again here of the
 * secrets the page knows), never a stack or a body.
 */
import { Redactor } from 'realtime-mcp-proxy';
import { followSse } from './followSse';
import { isId, parseCreatedSession, parseInfo, parseServeError, parseToolsReport, type CreatedSession, type ServeEvent, type ServeInfo, type ToolsReport } from './serveTypes';

export interface McpServerRequest {
  label: string;
  url: string;
  headers?: Record<string, string>;
}

export interface ServeClientOptions {
  /** serve's access token (from the page's #token=). */
  token: string;
  fetch?: typeof fetch;
  /** Default '' (same origin). */
  baseUrl?: string;
  /** Where dropped stream messages are reported. Default console.warn. */
  warn?: (message: string) => void;
}

export type ReplayMode = 'realtime' | 'step' | 'fast';

export interface ServeClient {
  info(): Promise<ServeInfo>;
  listTools(request: { mcpServers: McpServerRequest[] }): Promise<ToolsReport>;
  createSession(request: { mcpServers: McpServerRequest[]; tools?: string[]; openAiKey?: string }): Promise<CreatedSession>;
  attach(sessionId: string, callId: string): Promise<void>;
  setAllowedTools(sessionId: string, allowedTools: string[]): Promise<{ tools: string[] }>;
  answerApproval(approvalId: string, answer: { approved: boolean; reason?: string; sticky?: boolean }): Promise<void>;
  followEvents(sessionId: string, onEvent: (event: ServeEvent) => void, signal: AbortSignal): Promise<void>;
  startReplay(jsonl: string, options: { mode: ReplayMode; speed?: number }): Promise<{ sessionId: string; records: number }>;
  stepReplay(replayId: string): Promise<{ played: number; done: boolean }>;
  stopReplay(replayId: string): Promise<void>;
  recording(sessionId: string): Promise<string>;
}

/** Thrown for every failed call: `message` is safe to show; `status` is 0 when serve was not reached. */
export class ServeRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ServeRequestError';
  }
}

export function createServeClient(options: ServeClientOptions): ServeClient {
  const fetcher = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = options.baseUrl ?? '';
  const redactor = new Redactor([options.token]);
  const auth = { Authorization: `Bearer ${options.token}` };

  async function call(action: string, path: string, init: { method?: string; json?: unknown; text?: string; type?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...auth, ...init.headers };
    let body: string | undefined;
    if (init.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.text !== undefined) {
      headers['Content-Type'] = init.type ?? 'text/plain';
      body = init.text;
    }
    let response: Response;
    try {
      response = await fetcher(`${base}${path}`, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, ...(body !== undefined ? { body } : {}), cache: 'no-store' });
    } catch {
      throw new ServeRequestError(`Failed to ${action}: serve could not be reached. Please check that serve is running and reload the page.`, 0, 'unreachable');
    }
    if (response.ok) return response;
    const refusal = parseServeError(await response.json().catch(() => undefined));
    const message = refusal ? redactor.text(refusal.message) : `Failed to ${action}: serve answered ${response.status}. Please check serve's log.`;
    throw new ServeRequestError(message, response.status, refusal?.code ?? 'http_error');
  }

  async function json<T>(action: string, response: Response, parse: (body: unknown) => T | undefined): Promise<T> {
    const parsed = parse(await response.json().catch(() => undefined));
    if (parsed === undefined) throw new ServeRequestError(`Failed to ${action}: serve's answer is not what the page expects. Please check that the page and serve are the same version.`, response.status, 'bad_answer');
    return parsed;
  }

  const path = (id: string, what: string): string => {
    if (!isId(id)) throw new ServeRequestError(`Failed to use ${what}: it is not a valid id. Please reload the page.`, 0, 'invalid_id');
    return encodeURIComponent(id);
  };

  const scrubServers = (servers: McpServerRequest[]) => {
    for (const server of servers) redactor.addHeaders(server.headers).addUrl(server.url);
  };

  return {
    async info() {
      return json('read serve\'s settings', await call('read serve\'s settings', '/info'), parseInfo);
    },
    async listTools({ mcpServers }) {
      scrubServers(mcpServers);
      const response = await call('list the tools', '/tools', { json: { mcpServers } });
      return json('list the tools', response, (body) => redactor.value(parseToolsReport(body)));
    },
    async createSession({ mcpServers, tools, openAiKey }) {
      scrubServers(mcpServers);
      if (openAiKey) redactor.add(openAiKey);
      const body = { mcpServers, ...(tools ? { tools } : {}) };
      const response = await call('start a session', '/session', { json: body, headers: openAiKey ? { 'X-OpenAI-Key': openAiKey } : {} });
      return json('start a session', response, parseCreatedSession);
    },
    async attach(sessionId, callId) {
      await call('attach serve to the call', `/sessions/${path(sessionId, 'the session')}/attach`, { json: { callId } });
    },
    async setAllowedTools(sessionId, allowedTools) {
      const response = await call('change the tools', `/sessions/${path(sessionId, 'the session')}/tools`, { json: { allowedTools } });
      return json('change the tools', response, (body) =>
        typeof body === 'object' && body !== null && Array.isArray((body as { tools?: unknown }).tools) ? { tools: ((body as { tools: unknown[] }).tools).filter((name): name is string => typeof name === 'string') } : undefined,
      );
    },
    async answerApproval(approvalId, answer) {
      await call('answer the approval', `/approvals/${path(approvalId, 'the approval')}`, { json: { approved: answer.approved, ...(answer.reason ? { reason: answer.reason.slice(0, 500) } : {}), ...(answer.sticky ? { sticky: true } : {}) } });
    },
    async followEvents(sessionId, onEvent, signal) {
      const query = path(sessionId, 'the session');
      try {
        await followSse({ url: `${base}/events?session=${query}`, headers: auth, fetch: fetcher, signal, onEvent, ...(options.warn ? { warn: options.warn } : {}) });
      } catch (error) {
        throw new ServeRequestError(redactor.text(error instanceof Error ? error.message : String(error)), (error as { status?: number }).status ?? 0, 'events_failed');
      }
    },
    async startReplay(jsonl, { mode, speed }) {
      const query = new URLSearchParams({ mode, ...(speed !== undefined ? { speed: String(speed) } : {}) });
      const response = await call('start the replay', `/replays?${query}`, { text: jsonl, type: 'application/x-ndjson' });
      return json('start the replay', response, (body) => {
        if (typeof body !== 'object' || body === null) return undefined;
        const { sessionId, records } = body as { sessionId?: unknown; records?: unknown };
        return isId(sessionId) ? { sessionId, records: typeof records === 'number' && Number.isFinite(records) ? records : 0 } : undefined;
      });
    },
    async stepReplay(replayId) {
      const response = await call('play the next record', `/replays/${path(replayId, 'the replay')}/step`, { method: 'POST' });
      return json('play the next record', response, (body) => {
        if (typeof body !== 'object' || body === null) return undefined;
        const { played, done } = body as { played?: unknown; done?: unknown };
        return typeof played === 'number' && Number.isFinite(played) ? { played, done: done === true } : undefined;
      });
    },
    async stopReplay(replayId) {
      await call('stop the replay', `/replays/${path(replayId, 'the replay')}`, { method: 'DELETE' });
    },
    async recording(sessionId) {
      const response = await call('download the recording', `/sessions/${path(sessionId, 'the session')}/recording`);
      return response.text();
    },
  };
}
