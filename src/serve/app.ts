/**
 * The routes of `realtime-mcp-proxy serve` on hono: ephemeral keys and sideband attach
 * (`POST /session`, `POST /sessions/:id/attach`), the unified SDP exchange (`POST /call`), phone
 * calls (`POST /webhooks/openai`), the tool catalog (`GET|POST /tools`), approvals
 * (`POST /approvals/:id`), a session's events (`GET /events?session=`) and `GET /healthz`.
 *
 * In front of every route but /healthz: the rate limit per client address, the Origin allowlist
 * (and CORS), the body limit, then the access token (the webhook is authenticated by its signature
 * instead: OpenAI cannot send our token). The server executes every tool call over the sideband: the
 * browser gets an ephemeral key or an SDP answer, never the OpenAI key or an MCP credential.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import { ProxyError } from '../errors.js';
import { ToolCatalog } from '../mcp/catalog.js';
import { registerServerSecrets } from '../mcp/serverConfig.js';
import type { CatalogTool } from '../mcp/types.js';
import { createNodeMcpConnection } from '../node/mcpConnection.js';
import { createNodeRealtimeMcpProxy, recordedProxyOptions } from '../node/realtimeMcpProxy.js';
import { Recorder } from '../recording/recorder.js';
import type { RealtimeMcpProxy } from '../proxy/createRealtimeMcpProxy.js';
import { Redactor } from '../redaction/index.js';
import { generateAccessToken, originPolicy, requireAccessToken } from './auth.js';
import { OFFLINE_KEY, requestOpenAiKey, type OpenAiKey } from './browserKey.js';
import { createCheckedFetch } from './checkedFetch.js';
import { demoStatic } from './demoStatic.js';
import { audioHash, SessionRecording } from './sessionRecording.js';
import { MAX_REPLAY_BODY_BYTES, parseRecordingText, parseReplayQuery, ReplayRegistry } from './replays.js';
import { defaultOpenAi } from './defaultOpenAi.js';
import { streamSessionEvents } from './events.js';
import { errorResponse, failureLine, ServeHttpError } from './httpErrors.js';
import { limitBody, rateLimit, RateLimiter } from './limits.js';
import { webSocketBaseUrl, type ServeOpenAi, type ServeSessionConfig } from './openAi.js';
import { checkId, checkSdp, parseAllowedTools, parseApprovalAnswer, parseAttach, parseSessionRequest, readJson, type SessionRequest } from './requests.js';
import { resolveServeOptions, type ResolvedServeOptions, type ServeLogEntry, type ServeOptions } from './serveOptions.js';
import { KEPT_ENDED_MS, KEPT_ENDED_SESSIONS, SessionRegistry, type ServeSession, type ServeSessionKind } from './sessions.js';
import { describeTools, planTools } from './toolPlan.js';
import { serveInfo } from './info.js';
import { handleWebhook, type WebhookDeps } from './webhookRoute.js';

/** How long past the ephemeral key's TTL a pending session waits for its attach. */
const ATTACH_GRACE_MS = 60_000;

export interface ServeApp {
  /** The hono app: `app.fetch` serves a Request (the Node server in startServe uses it). */
  readonly app: Hono;
  /** The access token (given, or generated: show it once, then never again). */
  readonly accessToken: string;
  /** Whether the token was generated here. */
  readonly generatedToken: boolean;
  readonly sessions: SessionRegistry;
  readonly options: ResolvedServeOptions;
  /** Lists the configured servers' tools (a server that fails is logged; GET /tools shows it unlisted). */
  ready(): Promise<void>;
  /** Refuse new sessions and calls from now on (503); approvals, events and /tools go on. */
  drain(): void;
  readonly draining: boolean;
  /** Every session closed (its call hung up when `hangup`), the configured servers' connections closed. */
  close(options?: { hangup?: boolean }): Promise<void>;
}

export function createServeApp(options: ServeOptions): ServeApp {
  const openai: ServeOpenAi = { ...defaultOpenAi(), ...options.openai };
  const resolved = resolveServeOptions(options, openai);
  const generatedToken = options.accessToken === undefined;
  const accessToken = options.accessToken ?? generateAccessToken();
  // The server's secrets: the key, the access token, the webhook secret, every configured server's credentials.
  const redactor = new Redactor([typeof options.apiKey === 'string' ? options.apiKey : undefined, accessToken, options.webhook?.secret]);
  for (const server of resolved.servers) registerServerSecrets(redactor, server);
  // With openAiKeyFromBrowser serve has no key: each session uses the page's (requestOpenAiKey).
  const serverKey: OpenAiKey | undefined = options.apiKey === undefined || typeof options.apiKey === 'string' ? options.apiKey : registering(options.apiKey, redactor);
  const keyOf = (c: Context): OpenAiKey => requestOpenAiKey(c, { serverKey, keyFromBrowser: resolved.keyFromBrowser, offline: resolved.offline });
  /** The key each session was made with (its hang-up needs it). */
  const sessionKeys = new WeakMap<ServeSession, OpenAiKey>();
  const callsUrl = `${resolved.baseUrl.replace(/\/+$/, '')}/realtime/calls`;
  const log = (level: ServeLogEntry['level'], message: string, more?: Redactor) => {
    try {
      options.log?.({ level, message: redactor.text(more ? more.text(message) : message) });
    } catch {
      // A host's log sink that throws does not stop serve.
    }
  };
  const wsBaseUrl = webSocketBaseUrl(resolved.baseUrl);
  const trustedOrigins = resolved.servers.flatMap((server) => (server.url ? [new URL(server.url).origin] : []));
  const checkedFetch = createCheckedFetch(resolved.addressPolicy, { trustedOrigins, ...(options.mcp?.fetch ? { fetch: options.mcp.fetch as typeof fetch } : {}) });
  const connectionOptions = (sessionRedactor: Redactor) => ({ ...options.mcp, fetch: checkedFetch, redactor: sessionRedactor });
  const serverConnections = resolved.servers.map((config) => createNodeMcpConnection(config, connectionOptions(redactor)));
  const serverCatalog = new ToolCatalog(serverConnections, { prefix: options.prefixToolNames === true });
  serverCatalog.on('error', (error) => log('warn', error.message));
  const configuredLabels = new Set(resolved.servers.map((server) => server.label));
  const configuredAllowed = options.allowedTools ? new Set(options.allowedTools) : undefined;
  const sessions = new SessionRegistry({ maxSessions: resolved.maxSessions, ...(options.events ? { events: { ...(options.events.capacity ? { capacity: options.events.capacity } : {}) } } : {}) });
  let draining = false;

  /** The session config sent when the call is made (client secret, call, accept): the model, voice, instructions and the tools. */
  const callSession = (tools: ServeSessionConfig['tools']): ServeSessionConfig => ({
    type: 'realtime',
    ...options.session,
    model: resolved.model,
    ...(options.instructions ? { instructions: options.instructions } : {}),
    tools,
  });
  // Over the sideband the proxy sends instructions, tools and the other fields; the model and the
  // audio were set when the call was made (a voice cannot change once audio played).
  const { model: _model, audio: _audio, ...sidebandSession } = options.session ?? {};

  /** The tools of one request (configured + run-time servers, picks, limits), with the redactor that knows the request's secrets. */
  async function planRequestTools(request: SessionRequest, sessionRedactor = newRequestRedactor()) {
    for (const server of request.mcpServers) sessionRedactor.addHeaders(server.headers).addUrl(server.url);
    try {
      const plan = await planTools(request, {
        configuredServers: resolved.servers,
        serverCatalog,
        ...(options.allowedTools ? { allowedTools: options.allowedTools } : {}),
        prefixToolNames: options.prefixToolNames === true,
        toolLimits: resolved.toolLimits,
        connect: (config) => createNodeMcpConnection(config, connectionOptions(sessionRedactor)),
      });
      return { plan, sessionRedactor };
    } catch (error) {
      throw error instanceof ServeHttpError ? new ServeHttpError(error.status, error.code, sessionRedactor.text(error.message), error.headers) : error;
    }
  }

  /** A redactor for one request's secrets (its MCP headers, its page key), knowing serve's too. */
  function newRequestRedactor(...secrets: string[]): Redactor {
    const requestRedactor = new Redactor(secrets);
    redactor.link(requestRedactor);
    return requestRedactor;
  }

  /**
   * Runs a route that handles a request's own secrets: a refusal it throws is redacted with them
   * too (serve's redactor, used for every answer, does not know them: they are never kept).
   */
  async function redactingWith<T>(requestRedactor: Redactor, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof ServeHttpError) throw new ServeHttpError(error.status, error.code, requestRedactor.text(error.message), error.headers);
      throw internal(error, requestRedactor);
    }
  }

  /** Checks a request's MCP servers, lists the tools, and makes the session (pending) that will attach. */
  async function prepareSession(kind: ServeSessionKind, request: SessionRequest, key: OpenAiKey, sessionRedactor: Redactor, pendingTtlMs?: number): Promise<{ session: ServeSession; config: ServeSessionConfig }> {
    if (draining) throw shuttingDown();
    await checkRuntimeServers(request);
    const { plan } = await planRequestTools(request, sessionRedactor);
    // A recording's header carries the allowlist as keys (a replay cannot run serve's function).
    const allowedKeys = options.allowedTools !== undefined || request.tools !== undefined ? plan.catalog.tools.filter(plan.allowed).map((tool) => `${tool.server}/${tool.mcpName}`) : undefined;
    await plan.release();
    const recording = options.recordSessions === true ? new SessionRecording() : undefined;
    const createProxy = (callId: string): RealtimeMcpProxy => {
      const proxyOptions = {
        servers: plan.servers,
        redactor: sessionRedactor,
        allowedTools: plan.allowed,
        approval: { ...options.approval, onRequest: () => undefined },
        ...(options.timeouts ? { timeouts: options.timeouts } : {}),
        ...(options.bargeIn ? { bargeIn: options.bargeIn } : {}),
        prefixToolNames: options.prefixToolNames === true,
        toolLimits: resolved.toolLimits,
        ...(options.instructions ? { instructions: options.instructions } : {}),
        ...(Object.keys(sidebandSession).length > 0 ? { session: sidebandSession } : {}),
      };
      return createNodeRealtimeMcpProxy({
        ...proxyOptions,
        transport: openai.createNodeSidebandTransport({ callId, apiKey: key, baseUrl: wsBaseUrl }),
        inspect: true,
        ...(recording
          ? {
              recorder: new Recorder({
                sink: recording.sink,
                redactor: sessionRedactor,
                hash: audioHash,
                model: resolved.model,
                servers: plan.servers.map((server) => ({ label: server.label, ...(server.url ? { url: server.url } : { transport: 'stdio' as const }) })),
                proxy: { ...recordedProxyOptions(proxyOptions), ...(allowedKeys ? { allowedTools: allowedKeys } : {}) },
              }),
              // The session lists its tools itself, so the recording holds the MCP traffic a replay answers from.
              catalogCache: false as const,
              mcp: { ...connectionOptions(sessionRedactor), transportMemory: new Map() },
            }
          : { catalogCache: plan.cache, mcp: connectionOptions(sessionRedactor) }),
      });
    };
    const session = sessions.create(kind, {
      redactor: sessionRedactor,
      createProxy,
      ...(recording ? { recording } : {}),
      ...(pendingTtlMs !== undefined ? { pendingTtlMs } : {}),
      onEnded: (ended) => log('info', `session ${ended.id} ended (${ended.kind}${ended.callId ? `, call ${ended.callId}` : ''})`),
    });
    sessionKeys.set(session, key);
    log('info', `session ${session.id} created (${kind}${request.mcpServers.length > 0 ? `, ${request.mcpServers.length} MCP servers from the request` : ''})`);
    return { session, config: callSession(plan.functionTools) };
  }

  async function checkRuntimeServers(request: SessionRequest): Promise<void> {
    if (request.mcpServers.length === 0) return;
    if (options.runtimeMcp?.enabled !== true) {
      throw new ServeHttpError(403, 'runtime_mcp_disabled', 'Failed to use the MCP servers of the request: this server takes MCP servers from its configuration only. Please configure them, or start serve with --allow-runtime-mcp.');
    }
    for (const server of request.mcpServers) {
      const verdict = await resolved.addressPolicy.check(server.url);
      if (!verdict.ok) {
        throw new ServeHttpError(403, 'mcp_url_refused', `Failed to use MCP server "${server.label}": ${verdict.why}. Please give a public http(s) URL (addresses that are not public are refused unless the server allows them).`);
      }
    }
  }

  /** A REST failure (a ProxyError realtime_api_error, redacted by the REST client) as the browser sees it: the message, no cause. */
  const upstream = (error: unknown, session: ServeSession): ServeHttpError => {
    void session.close(ProxyError.isInstance(error) ? error.code : 'error');
    if (error instanceof ServeHttpError) return error;
    if (ProxyError.isInstance(error) && (error.code === 'realtime_api_error' || error.code === 'not_supported')) return new ServeHttpError(502, 'realtime_api_error', session.redactor.text(error.message));
    if (ProxyError.isInstance(error) && error.code === 'invalid_options') return new ServeHttpError(400, 'invalid_request', session.redactor.text(error.message));
    if (ProxyError.isInstance(error)) {
      // The proxy's own words name the upstream URL and advise on keys: for the operator's log. The
      // page gets what it can act on.
      log('error', session.redactor.text(error.message));
      return new ServeHttpError(
        502,
        'session_failed',
        `Failed to attach the server to the call: the Realtime service refused or dropped the sideband connection (${error.code}). Please check that the call is still live and belongs to this server's OpenAI project; the server log has the details.`,
      );
    }
    return internal(error);
  };
  const internal = (error: unknown, requestRedactor?: Redactor): ServeHttpError => {
    if (error instanceof ServeHttpError) return error;
    log('error', `Failed to serve a request: ${error instanceof Error ? error.message : String(error)}`, requestRedactor);
    return new ServeHttpError(500, 'internal_error', 'Failed to serve the request: the server failed inside. Please try again; the server log says more.');
  };
  const shuttingDown = () => new ServeHttpError(503, 'shutting_down', 'Failed to start a session: the server is shutting down. Please try again on another instance.', { 'Retry-After': '5' });

  /** Attaches the sideband; a failure ends the session, hangs the call up and answers 502. */
  async function attach(session: ServeSession, callId: string): Promise<void> {
    try {
      await session.attach(callId);
      log('info', `session ${session.id} attached to call ${callId}`);
    } catch (error) {
      if (error instanceof ServeHttpError) throw error;
      void hangup(callId, sessionKeys.get(session), session.redactor);
      throw upstream(error, session);
    }
  }

  async function hangup(callId: string, key: OpenAiKey | undefined, callRedactor: Redactor = redactor): Promise<void> {
    if (key === undefined) return;
    await Promise.resolve()
      .then(() => openai.hangupCall({ apiKey: key, baseUrl: resolved.baseUrl, redactor: callRedactor, callId, signal: AbortSignal.timeout(5_000) }))
      .catch((error: unknown) => log('warn', failureLine(`hang up call ${callId}`, error), callRedactor));
  }

  const app = new Hono();
  const limiter = new RateLimiter({ requestsPerMinute: resolved.requestsPerMinute, ...(options.limits?.burst ? { burst: options.limits.burst } : {}) });
  const clientAddress = (c: Context) => {
    try {
      return getConnInfo(c).remote.address ?? 'unknown';
    } catch {
      return 'unknown';
    }
  };

  app.onError((error, c) => {
    const refusal = error instanceof ServeHttpError ? error : internal(error);
    return errorResponse(c, refusal.status, refusal.code, redactor.text(refusal.message), refusal.headers);
  });
  app.notFound((c) => errorResponse(c, 404, 'not_found', `Failed to find ${c.req.method} ${new URL(c.req.url).pathname.slice(0, 200)}: there is no such route. Please see the routes in the README ("serve").`));

  app.get('/healthz', (c) => (draining ? c.json({ ok: false, draining: true }, 503) : c.json({ ok: true })));
  app.use('*', async (c, next) => {
    const started = Date.now();
    await next();
    const path = new URL(c.req.url).pathname;
    if (path !== '/healthz') log('info', `${c.req.method} ${path.slice(0, 200)} ${c.res.status} ${Date.now() - started} ms`);
  });
  app.use('*', rateLimit(limiter, clientAddress));
  app.use('*', originPolicy(resolved.allowedOrigins, { sameOriginOnLoopback: options.demo !== undefined }));
  // One exception to the body limit, explicit: a recording for POST /replays may be up to 4 MiB.
  const bodyLimit = limitBody(resolved.bodyBytes);
  const replayBodyLimit = limitBody(Math.max(resolved.bodyBytes, MAX_REPLAY_BODY_BYTES));
  app.use('*', (c, next) => (c.req.method === 'POST' && c.req.path === '/replays' ? replayBodyLimit(c, next) : bodyLimit(c, next)));

  const webhookDeps: WebhookDeps = {
    openai,
    // No webhook without serve's own key (resolveServeOptions refuses one with openAiKeyFromBrowser).
    apiKey: serverKey ?? OFFLINE_KEY,
    baseUrl: resolved.baseUrl,
    redactor,
    ...(options.webhook ? { webhook: options.webhook } : {}),
    decide: resolved.sipDecision,
    liveSipCalls: () => sessions.count('sip'),
    draining: () => draining,
    prepare: async () => prepareSession('sip', { mcpServers: [] }, serverKey ?? OFFLINE_KEY, newRequestRedactor()),
    attach: (session, callId) => attach(session, callId),
    log,
    seen: new Set(),
  };
  app.post('/webhooks/openai', (c) => handleWebhook(c, webhookDeps));

  // The demo's files need no token (they hold no secret); everything after this line does.
  if (options.demo !== undefined) app.use('*', demoStatic({ dir: options.demo.dir, connectOrigins: [new URL(callsUrl).origin] }));
  app.use('*', requireAccessToken(accessToken));

  app.get('/info', (c) =>
    c.json(
      serveInfo({
        baseUrl: resolved.baseUrl,
        keyFromBrowser: resolved.keyFromBrowser,
        runtimeMcp: options.runtimeMcp?.enabled === true,
        toolLimits: resolved.toolLimits,
        approvalMode: options.approval?.mode,
      }),
    ),
  );

  app.post('/session', async (c) => {
    const key = keyOf(c);
    const sessionRedactor = newRequestRedactor(typeof key === 'string' ? key : '');
    return redactingWith(sessionRedactor, async () => {
      const request = parseSessionRequest(await readJson(c));
      // The key may start a call until it expires, and the page attaches after the call opened: a
      // grace past the TTL, so a call started at the last second still gets its tool executor.
      const { session, config } = await prepareSession('client_secret', request, key, sessionRedactor, resolved.clientSecretTtlSeconds * 1000 + ATTACH_GRACE_MS);
      let secret: { value: string; expiresAt: number };
      try {
        secret = await openai.createClientSecret({ apiKey: key, baseUrl: resolved.baseUrl, redactor: session.redactor, session: config, expiresAfterSeconds: resolved.clientSecretTtlSeconds });
      } catch (error) {
        throw upstream(error, session);
      }
      return c.json({ clientSecret: secret.value, expiresAt: secret.expiresAt, sessionId: session.id, callsUrl }, 201);
    });
  });

  app.post('/sessions/:id/attach', async (c) => {
    const id = checkId(c.req.param('id'), 'the session id');
    const { callId } = parseAttach(await readJson(c));
    const session = sessions.get(id);
    if (session === undefined || session.kind !== 'client_secret') throw new ServeHttpError(404, 'not_found', `Failed to attach session ${id}: there is no pending session by that id. Please create one with POST /session.`);
    if (draining) throw shuttingDown();
    await attach(session, callId);
    return c.json({ sessionId: session.id, callId, state: session.state });
  });

  app.post('/call', async (c) => {
    const key = keyOf(c);
    const sessionRedactor = newRequestRedactor(typeof key === 'string' ? key : '');
    return redactingWith(sessionRedactor, async () => {
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      let sdp: string;
      let request: SessionRequest = { mcpServers: [] };
      const json = type === 'application/json';
      if (json) {
        const body = await readJson(c);
        request = parseSessionRequest(body, ['sdp']);
        sdp = checkSdp((body as { sdp?: unknown }).sdp);
      } else if (type === 'application/sdp') {
        sdp = checkSdp(await c.req.text());
      } else {
        throw new ServeHttpError(415, 'unsupported_media_type', 'Failed to read the SDP offer: the Content-Type must be application/sdp (the offer as the body) or application/json ({ sdp, mcpServers?, tools? }). Please send one of them.');
      }
      const { session, config } = await prepareSession('call', request, key, sessionRedactor);
      let answer: { sdp: string; callId: string };
      try {
        answer = await openai.createCall({ apiKey: key, baseUrl: resolved.baseUrl, redactor: session.redactor, sdp, session: config });
      } catch (error) {
        throw upstream(error, session);
      }
      await attach(session, answer.callId);
      if (json) return c.json({ sdp: answer.sdp, callId: answer.callId, sessionId: session.id }, 201);
      return c.body(answer.sdp, 201, { 'Content-Type': 'application/sdp', Location: `/calls/${answer.callId}`, 'X-Session-Id': session.id });
    });
  });

  app.get('/tools', (c) => c.json(describeTools(serverCatalog, (tool: CatalogTool) => configuredAllowed === undefined || configuredAllowed.has(`${tool.server}/${tool.mcpName}`), resolved.toolLimits, configuredLabels)));

  app.post('/tools', async (c) => {
    const request = parseSessionRequest(await readJson(c));
    await checkRuntimeServers(request);
    const { plan, sessionRedactor } = await planRequestTools(request);
    try {
      return c.json(sessionRedactor.value(describeTools(plan.catalog, plan.allowed, resolved.toolLimits, configuredLabels)));
    } finally {
      await plan.release();
    }
  });

  app.post('/approvals/:id', async (c) => {
    const approvalId = checkId(c.req.param('id'), 'the approval id');
    const answer = parseApprovalAnswer(await readJson(c));
    const session = sessions.byApproval(approvalId);
    // A replay's approvals are answered by its recording.
    if (session === undefined || session.kind === 'replay' || !session.answer(approvalId, answer)) {
      throw new ServeHttpError(404, 'not_found', `Failed to answer approval ${approvalId}: no session is waiting for it (answered, expired, or unknown). Please answer approvals from the approval.requested events.`);
    }
    return c.json({ approvalId, sessionId: session.id, approved: answer.approved });
  });

  const replays = new ReplayRegistry({ sessions, redactor, log: (message) => log('info', message) });

  app.post('/replays', async (c) => {
    const request = parseReplayQuery(c.req.query('mode'), c.req.query('speed'));
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/x-ndjson' && type !== 'application/jsonl') {
      throw new ServeHttpError(415, 'unsupported_media_type', 'Failed to read the recording: the Content-Type must be application/x-ndjson (the recording\'s JSONL as the body). Please send it so.');
    }
    if (draining) throw new ServeHttpError(503, 'shutting_down', 'Failed to start a replay: the server is shutting down. Please try again on another instance.', { 'Retry-After': '5' });
    const lines = parseRecordingText(await c.req.text());
    return c.json(replays.start(lines, request), 201);
  });

  app.post('/replays/:id/step', async (c) => c.json(await replays.step(checkId(c.req.param('id'), 'the replay id'))));

  app.delete('/replays/:id', (c) => c.json(replays.stop(checkId(c.req.param('id'), 'the replay id'))));

  app.get('/sessions/:id/recording', (c) => {
    const id = checkId(c.req.param('id'), 'the session id');
    if (options.recordSessions !== true) throw new ServeHttpError(404, 'not_recorded', 'Failed to read the recording: this server does not record sessions. Please start serve with --record-sessions (recordSessions: true).');
    const recording = sessions.find(id)?.recording;
    if (recording === undefined) throw new ServeHttpError(404, 'not_found', `Failed to read the recording of session ${id}: there is no such session (serve keeps the last ${KEPT_ENDED_SESSIONS} ended ones for ${KEPT_ENDED_MS / 60_000} minutes). Please use the sessionId of POST /session or POST /call.`);
    if (recording.empty) throw new ServeHttpError(409, 'session_not_live', `Failed to read the recording of session ${id}: nothing is recorded until the call is attached. Please attach it first (POST /sessions/${id}/attach).`);
    return c.body(recording.text(), 200, {
      'Content-Type': 'application/x-ndjson; charset=utf-8',
      'Content-Disposition': `attachment; filename="${id}.jsonl"`,
      'Cache-Control': 'no-store',
      ...(recording.dropped > 0 ? { 'X-Recording-Truncated': String(recording.dropped) } : {}),
    });
  });

  app.post('/sessions/:id/tools', async (c) => {
    const id = checkId(c.req.param('id'), 'the session id');
    const { allowedTools } = parseAllowedTools(await readJson(c));
    // The page narrows or widens within what serve allows, never past it.
    const refused = configuredAllowed === undefined ? undefined : allowedTools.find((key) => !configuredAllowed.has(key));
    if (refused !== undefined) throw new ServeHttpError(400, 'invalid_request', `Failed to change the tools: ${JSON.stringify(refused.slice(0, 160))} is not among the tools this server allows. Please pick from GET /tools (or POST /tools for your own servers).`);
    const session = sessions.get(id);
    if (session === undefined || session.kind === 'replay') throw new ServeHttpError(404, 'not_found', `Failed to change the tools of session ${id}: there is no live session by that id. Please use the sessionId of POST /session or POST /call.`);
    const tools = session.setAllowedTools(allowedTools);
    log('info', `session ${session.id} tools changed (${tools.length} offered)`);
    return c.json({ sessionId: session.id, tools });
  });

  app.get('/events', (c) => {
    const id = checkId(c.req.query('session'), 'the session query parameter');
    // Recently ended sessions too: their events stay readable for a while (a fast replay may end before the page follows it).
    const session = sessions.find(id);
    if (session === undefined) throw new ServeHttpError(404, 'not_found', `Failed to follow session ${id}: there is no such session (it may have ended). Please use the sessionId of POST /session or POST /call.`);
    return streamSessionEvents(c, session.events, {
      ...(options.events?.heartbeatMs ? { heartbeatMs: options.events.heartbeatMs } : {}),
      ...(options.events?.maxQueued ? { maxQueued: options.events.maxQueued } : {}),
    });
  });

  return {
    app,
    accessToken,
    generatedToken,
    sessions,
    options: resolved,
    async ready() {
      await serverCatalog.load();
    },
    drain() {
      draining = true;
    },
    get draining() {
      return draining;
    },
    async close(closeOptions = {}) {
      draining = true;
      replays.stopAll();
      await Promise.all(
        sessions.all().map(async (session) => {
          const callId = session.callId;
          await session.close('server_shutdown');
          if (closeOptions.hangup && callId !== undefined) await hangup(callId, sessionKeys.get(session), session.redactor);
        }),
      );
      serverCatalog.close();
      await Promise.all(serverConnections.map((connection) => connection.close().catch(() => undefined)));
    },
  };
}

/** A key function whose every value is registered in the redactor before it is used. */
function registering(apiKey: () => string | Promise<string>, redactor: Redactor): () => Promise<string> {
  return async () => {
    const key = await apiKey();
    redactor.add(key);
    return key;
  };
}
