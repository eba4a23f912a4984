/**
 * One MCP server: a small state machine (idle → connecting → ready ⇄ reinitializing → closed) that
 * owns a fresh SDK Client and transport per attempt, picks the transport, re-initializes a session
 * the server no longer knows (a restart), reconnects after the connection was lost (a stdio server
 * that exited, a legacy SSE stream that broke), and reports trouble as typed events instead of
 * throwing into the session loop.
 */
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import {
  CallToolResultSchema,
  ElicitRequestSchema,
  ErrorCode,
  McpError,
  ListToolsResultSchema,
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type ElicitRequest,
  type ElicitResult,
  type Implementation,
  type Progress,
  type ServerCapabilities,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { Emitter } from '../emitter.js';
import { ProxyError } from '../errors.js';
import { Redactor } from '../redaction/index.js';
import { isStaleSessionAnswer } from './staleSession.js';
import {
  createMcpTransport,
  httpStatusOf,
  isLegacyServerAnswer,
  McpServerExit,
  streamFailureOf,
  whenSendsSettled,
  type FetchLike,
  type StdioTransportFactory,
  type Transport,
  type TransportOptions,
} from './transports.js';
import type { McpServerConfig, McpTransportKind } from './types.js';
import { initializeWithin } from './initializeWithin.js';
import { connectFailure } from './connectFailure.js';
import { registerServerSecrets, validateServerConfig } from './serverConfig.js';

export type McpConnectionState = 'idle' | 'connecting' | 'ready' | 'reinitializing' | 'closed';

const transitions: Record<McpConnectionState, readonly McpConnectionState[]> = {
  idle: ['connecting', 'closed'],
  connecting: ['ready', 'idle', 'closed'],
  // ready → idle: the connection was lost (the process exited); the next request connects again.
  ready: ['reinitializing', 'idle', 'closed'],
  reinitializing: ['ready', 'idle', 'closed'],
  closed: [],
};

export type McpConnectionEvents = {
  state: [state: McpConnectionState, previous: McpConnectionState];
  /** The server said its tool list changed (`notifications/tools/list_changed`). */
  toolsChanged: [];
  /** A new session replaced one the server no longer knew, or one that was lost; tools should be listed again. */
  reinitialized: [reason: string];
  error: [ProxyError];
};

export interface McpConnectionOptions {
  /** The fetch used for HTTP transports (tests, proxies, middleware). */
  fetch?: FetchLike;
  /** Provided by `realtime-mcp-proxy/node`. */
  stdioTransport?: StdioTransportFactory;
  clientInfo?: Implementation;
  /** Deadline of `initialize`, in ms. Default 10 000. */
  connectTimeoutMs?: number;
  /**
   * How long `close()` waits for the server to answer the session's DELETE, in ms. Default 3 000.
   * Past it the request is abandoned (its socket closed) and the connection closes anyway.
   */
  closeTimeoutMs?: number;
  /** Which transport worked per URL, shared between connections so later ones skip the probe. */
  transportMemory?: Map<string, McpTransportKind>;
  /**
   * With an `authProvider` that sent the user to authorize: asked for the authorization code the
   * redirect brought back, after which the connection finishes authorization (PKCE) and tries once more.
   */
  authorizationCode?: () => Promise<string | undefined>;
  /**
   * Answers the server's `elicitation/create` (form mode). Declared to the server only when given:
   * a voice session without someone to answer should not invite questions.
   */
  elicitation?: { handler: (request: ElicitRequest['params']) => Promise<ElicitResult>; applyDefaults?: boolean };
  /**
   * Where the server's secrets are registered (its token, header values, URL credentials, and each
   * value a token function returns, as it returns it), and what the connection's errors are
   * redacted with. Share one with a recorder, a ToolCaller, a logger. Default: the connection's own.
   */
  redactor?: Redactor;
}

export interface CallToolOptions {
  timeoutMs: number;
  maxTotalTimeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

const sharedTransportMemory = new Map<string, McpTransportKind>();

/** Default of `closeTimeoutMs`: a server that ends sessions at all does it in well under a second. */
export const DEFAULT_MCP_CLOSE_TIMEOUT_MS = 3_000;

/** Answers the SDK's output-schema checks with "valid": results are checked by the catalog, over every page (SDK validators only cover the last page). */
const skipSdkOutputValidation: jsonSchemaValidator = {
  getValidator:
    <T>(): JsonSchemaValidator<T> =>
    (input) => ({ valid: true, data: input as T, errorMessage: undefined }),
};

export class McpConnection extends Emitter<McpConnectionEvents> {
  readonly label: string;
  readonly config: McpServerConfig;
  /** Knows this server's secrets (see McpConnectionOptions.redactor). */
  readonly redactor: Redactor;
  #state: McpConnectionState = 'idle';
  #client: Client | undefined;
  #transport: Transport | undefined;
  #transportKind: McpTransportKind | undefined;
  #connecting: Promise<Client> | undefined;
  /** The client and transport of a connect in progress, so that close() can abandon it. */
  #attempt: { client: Client; transport: Transport | undefined } | undefined;
  /** The re-initialization in progress: requests refused on the old session all wait for this one. */
  #reinitializing: Promise<void> | undefined;
  /** Why the last connection was lost (the server exited…), until a new one is made. */
  #lostBecause: string | undefined;
  /** Clients whose session the server no longer knew, closed to make way for a new one. */
  readonly #replaced = new WeakSet<Client>();
  /** How each client's server process ended, as its transport reported it. */
  readonly #exits = new WeakMap<Client, McpServerExit>();
  readonly #options: McpConnectionOptions;
  readonly #transportOptions: TransportOptions;
  readonly #memory: Map<string, McpTransportKind>;

  constructor(config: McpServerConfig, options: McpConnectionOptions = {}) {
    super();
    this.config = validateServerConfig(config);
    this.label = config.label;
    this.#options = options;
    this.redactor = options.redactor ?? new Redactor();
    registerServerSecrets(this.redactor, this.config);
    this.#transportOptions = { ...options, onSecret: (secret) => void this.redactor.add(secret) };
    this.#memory = options.transportMemory ?? sharedTransportMemory;
  }

  get state(): McpConnectionState {
    return this.#state;
  }

  /** The transport in use (after `auto` picked one). */
  get transportKind(): McpTransportKind | undefined {
    return this.#transportKind;
  }

  get sessionId(): string | undefined {
    return (this.#transport as { sessionId?: string } | undefined)?.sessionId;
  }

  get serverInfo(): Implementation | undefined {
    return this.#client?.getServerVersion();
  }

  get serverCapabilities(): ServerCapabilities | undefined {
    return this.#client?.getServerCapabilities();
  }

  get instructions(): string | undefined {
    return this.#client?.getInstructions();
  }

  /** Connects (once; concurrent callers share the attempt). Rejects with a ProxyError `mcp_connect_failed`. */
  async connect(): Promise<void> {
    await this.#ready();
  }

  /** Every page of `tools/list`. */
  async listTools(): Promise<Tool[]> {
    return this.#withSession('list tools', async (client) => {
      const tools: Tool[] = [];
      let cursor: string | undefined;
      const seen = new Set<string>();
      do {
        const page = await client.request({ method: 'tools/list', params: cursor === undefined ? {} : { cursor } }, ListToolsResultSchema, {
          timeout: this.#options.connectTimeoutMs ?? 10_000,
        });
        tools.push(...page.tools);
        cursor = page.nextCursor;
        // A server that hands back a cursor it already gave would page forever.
        if (cursor !== undefined && seen.has(cursor)) break;
        if (cursor !== undefined) seen.add(cursor);
      } while (cursor !== undefined);
      return tools;
    });
  }

  /**
   * Calls a tool. Rejects with what went wrong: SDK and transport errors as they are, or a
   * ProxyError `mcp_connection_lost` (the server closed the connection mid-call),
   * `mcp_protocol_error` (its answer was garbled or cut off), `mcp_session_expired` (the server
   * refused the new session too) or `mcp_connect_failed` (it could not be reached again).
   */
  async callTool(name: string, args: Record<string, unknown>, options: CallToolOptions): Promise<CallToolResult> {
    return this.#withSession(`call tool "${name}"`, (client) =>
      client.request({ method: 'tools/call', params: { name, arguments: args } }, CallToolResultSchema, {
        timeout: options.timeoutMs,
        resetTimeoutOnProgress: true,
        maxTotalTimeout: options.maxTotalTimeoutMs ?? options.timeoutMs * 4,
        ...(options.signal ? { signal: options.signal } : {}),
        // Asking for progress also keeps a slow tool's deadline moving (resetTimeoutOnProgress).
        onprogress: (progress) => options.onProgress?.(progress),
      }),
    );
  }

  async ping(): Promise<void> {
    await this.#withSession('ping', (client) => client.ping());
  }

  /** Ends the session (DELETE, given `closeTimeoutMs` to answer) and closes. Never rejects, always finishes. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const transport = this.#transport;
    const client = this.#client;
    const attempt = this.#attempt;
    this.#setState('closed');
    // A connect in progress would otherwise hold its caller until connectTimeoutMs.
    if (attempt) await this.#dispose(attempt.client, attempt.transport, false);
    await this.#dispose(client, transport, true);
    this.removeAllListeners();
  }

  async #withSession<T>(what: string, run: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.#ready();
    // A legacy SSE connection is a session too (its POST URL carries the id), without a sessionId.
    const hadSession = this.sessionId !== undefined || this.#transportKind === 'sse';
    try {
      return await run(client);
    } catch (error) {
      if (error instanceof UnauthorizedError && this.config.authProvider !== undefined) {
        // Step-up or expiry: authorize again (once) and retry on the same session; the transport
        // reads the new token from the provider. A 401/403 means the server did not run the request.
        if (!(await this.#finishAuthorization(this.#transport))) throw error;
        return run(client);
      }
      // A request still in flight when another one's refusal replaced the session was closed with
      // it: it went out on the same unknown session, so it was refused (or would have been) too.
      const refused = this.#isStaleSession(error) || (this.#replaced.has(client) && isConnectionClosed(error));
      if (!hadSession || !refused) throw this.#requestError(what, client, error);
      // The server refused the request because it did not know the session (it restarted, or the
      // session expired): the request did not run, so it is sent once more, on a new session.
      await this.#reinitialize(`the server no longer knew the session (HTTP ${httpStatusOf(error)})`, client);
      const fresh = await this.#ready();
      try {
        return await run(fresh);
      } catch (retryError) {
        if (!this.#isStaleSession(retryError)) throw this.#requestError(what, fresh, retryError);
        throw new ProxyError(
          'mcp_session_expired',
          `Failed to ${what} on MCP server "${this.label}": the server refused the new session as well (HTTP ${httpStatusOf(retryError)}), so the request did not run. Please check the server's logs.`,
          { cause: retryError },
        );
      }
    }
  }

  /** A 404, or a 400 that speaks of an unknown session (unless `treatNoValidSessionAsExpired: false`). */
  #isStaleSession(error: unknown): boolean {
    return isStaleSessionAnswer(httpStatusOf(error), error instanceof Error ? error.message : '', this.config);
  }

  /**
   * What a failed request is reported as: a lost connection or a garbled answer as a ProxyError
   * that says so (redacted: it quotes what the server sent), anything else as it is.
   */
  #requestError(what: string, client: Client, error: unknown): unknown {
    const failed = `Failed to ${what} on MCP server "${this.label}"`;
    const stream = streamFailureOf(error);
    if (stream?.kind === 'broken' || stream?.kind === 'resume_failed') {
      return this.redactor.error(
        new ProxyError(
          'mcp_connection_lost',
          `${failed}: the server closed the connection mid-call (${stream.detail}), so the request may or may not have run. Please check that the server is running; the next request reconnects.`,
          { cause: error, data: { server: this.label } },
        ),
      );
    }
    if (stream !== undefined) {
      return this.redactor.error(
        new ProxyError('mcp_protocol_error', `${failed}: the server's answer was unreadable: ${stream.detail}. Please check the server (or a proxy in front of it); a longer timeout would not help.`, {
          cause: error,
          data: { server: this.label },
        }),
      );
    }
    if (isConnectionClosed(error) && this.#state !== 'closed') {
      const exit = this.#exits.get(client);
      const why = exit ? `the server ${exit.how} mid-call` : 'the connection closed mid-call';
      const output = exit ? exit.lastOutputText : '';
      const please = this.config.command !== undefined ? "Please check the server's command and environment; the next request starts it again." : 'Please check that the server is running; the next request reconnects.';
      return this.redactor.error(new ProxyError('mcp_connection_lost', `${failed}: ${why}, so the request may or may not have run.${output} ${please}`, { cause: error, data: { server: this.label } }));
    }
    return error;
  }

  /** The client's connection ended without us closing it: the next request connects again. */
  #lost(client: Client, why?: string): void {
    if (this.#client !== client || this.#state !== 'ready') return;
    const exit = this.#exits.get(client);
    this.#lostBecause = why ?? (exit ? `the server ${exit.how}` : 'the connection closed');
    this.#client = undefined;
    this.#transport = undefined;
    this.#setState('idle');
  }

  async #ready(): Promise<Client> {
    if (this.#state === 'ready' && this.#client) return this.#client;
    if (this.#state === 'closed') throw this.#closedError();
    this.#connecting ??= this.#open().finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  /** Replaces the stale client's session; requests refused on it meanwhile share this one re-initialization. */
  async #reinitialize(reason: string, stale: Client): Promise<void> {
    if (this.#client === stale && this.#state === 'ready') {
      this.#reinitializing = this.#replace(reason, stale).finally(() => (this.#reinitializing = undefined));
    }
    await this.#reinitializing;
  }

  async #replace(reason: string, stale: Client): Promise<void> {
    this.#setState('reinitializing');
    this.#replaced.add(stale);
    const transport = this.#transport;
    this.#client = undefined;
    this.#transport = undefined;
    await this.#dispose(stale, transport, false);
    await this.#ready();
    this.emit('reinitialized', reason);
  }

  async #open(): Promise<Client> {
    if (this.#state !== 'reinitializing') this.#setState('connecting');
    const configured = this.config.transport ?? 'auto';
    const remembered = this.config.url === undefined ? undefined : this.#memory.get(this.config.url);
    const kinds: McpTransportKind[] =
      configured !== 'auto' ? [configured] : this.config.command !== undefined ? ['stdio'] : remembered ? [remembered] : ['streamable-http', 'sse'];
    let lastError: unknown;
    let lastExit: McpServerExit | undefined;
    for (let attempt = 0; attempt < kinds.length; attempt++) {
      const kind = kinds[attempt]!;
      let client = this.#newClient();
      let transport: Transport | undefined;
      try {
        transport = createMcpTransport(kind, this.config, this.#transportOptions);
        this.#attempt = { client, transport };
        try {
          await initializeWithin(client, transport, this.#options.connectTimeoutMs ?? 10_000);
        } catch (error) {
          if (this.#state === 'closed' || !(error instanceof UnauthorizedError) || !(await this.#finishAuthorization(transport))) throw error;
          await this.#dispose(client, transport, false);
          client = this.#newClient();
          transport = createMcpTransport(kind, this.config, this.#transportOptions);
          this.#attempt = { client, transport };
          await initializeWithin(client, transport, this.#options.connectTimeoutMs ?? 10_000);
        }
        if (this.#state === 'closed') {
          await this.#dispose(client, transport, true);
          break;
        }
        this.#attempt = undefined;
        this.#client = client;
        this.#transport = transport;
        this.#transportKind = kind;
        if (this.config.url !== undefined && configured === 'auto') this.#memory.set(this.config.url, kind);
        const lost = this.#lostBecause;
        this.#lostBecause = undefined;
        this.#setState('ready');
        // A new process or session after a lost one: its tools may differ.
        if (lost !== undefined) this.emit('reinitialized', `reconnected after ${lost}`);
        return client;
      } catch (error) {
        lastError = error;
        lastExit = this.#exits.get(client) ?? lastExit;
        await this.#dispose(client, transport, false);
        if (this.#state === 'closed') break;
        // Only a 400/404/405 on the first POST means "legacy server"; anything else is the real error.
        if (!(kind === 'streamable-http' && isLegacyServerAnswer(error))) break;
      }
    }
    this.#attempt = undefined;
    if (this.#state === 'closed') throw this.#closedError();
    this.#setState('idle');
    const failure = this.#connectError(lastError, lastExit);
    this.emit('error', failure);
    throw failure;
  }

  /** Exchanges the code the host got back from the authorization redirect for tokens. False when there is none. */
  async #finishAuthorization(transport: Transport | undefined): Promise<boolean> {
    const finishable = transport as { finishAuth?: (code: string) => Promise<void> } | undefined;
    if (this.config.authProvider === undefined || this.#options.authorizationCode === undefined || !finishable?.finishAuth) return false;
    const code = await this.#options.authorizationCode();
    if (code === undefined) return false;
    await finishable.finishAuth(code);
    return true;
  }

  #newClient(): Client {
    const elicitation = this.#options.elicitation;
    const client = new Client(this.#options.clientInfo ?? { name: 'realtime-mcp-proxy', version: '0.1.0' }, {
      capabilities: elicitation ? { elicitation: { form: elicitation.applyDefaults ? { applyDefaults: true } : {} } } : {},
      jsonSchemaValidator: skipSdkOutputValidation,
    });
    if (elicitation) client.setRequestHandler(ElicitRequestSchema, (request) => elicitation.handler(request.params));
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      if (this.#client === client) this.emit('toolsChanged');
    });
    // Transport noise (reconnects of the GET stream, aborted requests) is diagnostics, not liveness;
    // what is kept: how a stdio server ended, and a legacy SSE stream breaking (the session with it).
    client.onerror = (error) => {
      if (error instanceof McpServerExit) this.#exits.set(client, error);
      else if (error instanceof SseError && this.#client === client && this.#transportKind === 'sse') {
        // The legacy session lives on that stream: new requests go to a new connection now; the
        // requests still waiting for answers on it end once no POST can still be refused as stale.
        const transport = this.#transport;
        this.#lost(client, 'the event stream broke');
        void whenSendsSettled(transport).then(() => client.close().catch(() => undefined));
      }
    };
    client.onclose = () => this.#lost(client);
    return client;
  }

  #closedError(): ProxyError {
    return new ProxyError('mcp_closed', `Failed to use MCP server "${this.label}": the connection is closed. Please create a new connection.`);
  }

  #connectError(cause: unknown, exit: McpServerExit | undefined): ProxyError {
    if (ProxyError.isInstance(cause) && cause.code !== 'mcp_connect_failed') return this.redactor.error(cause);
    // Redacted whole, cause chain included: a server may echo the credentials it refused.
    return this.redactor.error(connectFailure(this.config, cause, exit));
  }

  async #dispose(client: Client | undefined, transport: Transport | undefined, terminate: boolean): Promise<void> {
    const streamable = transport as { terminateSession?: () => Promise<void>; sessionId?: string } | undefined;
    if (terminate && streamable?.sessionId !== undefined && streamable.terminateSession) {
      // Without a deadline of our own, a server that never answers keeps close() waiting for
      // undici's headers timeout (300 s). Closing the transport below aborts the DELETE's fetch.
      await withDeadline(streamable.terminateSession(), this.#options.closeTimeoutMs ?? DEFAULT_MCP_CLOSE_TIMEOUT_MS);
    }
    await (client ?? transport)?.close().catch(() => undefined);
  }

  #setState(next: McpConnectionState): void {
    const previous = this.#state;
    if (previous === next) return;
    if (!transitions[previous].includes(next)) throw new Error(`McpConnection: no transition ${previous} → ${next}`);
    this.#state = next;
    this.emit('state', next, previous);
  }
}

/** The SDK's own "Connection closed" (the transport closed with the request pending), not a server error that reuses -32000. */
function isConnectionClosed(error: unknown): boolean {
  return error instanceof McpError && error.code === ErrorCode.ConnectionClosed && error.message === 'MCP error -32000: Connection closed';
}

/** Waits for `work` (its failure ignored) or `ms`, whichever comes first; the timer never outlives it. */
async function withDeadline(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  try {
    await Promise.race([work.then(noop, noop), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function noop(): void {}
