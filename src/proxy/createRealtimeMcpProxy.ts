/**
 * The composition root of one session: transport → decode → session machine → MCP → encode →
 * transport. Audio deltas go to `audio` listeners only; lifecycle events go to the machine. The
 * machine decides, this file does the I/O: sending what the machine emits, running the calls
 * through the ToolCaller, and telling the host (through the host channel, which no host code can
 * break). If the machine itself fails, the session ends as `internal_error` and is torn down.
 */
import { createActor, fromPromise, type Subscription } from 'xstate';
import { ProxyError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { ToolCatalog } from '../mcp/catalog.js';
import { noToolsError } from './noToolsError.js';
import { McpConnection } from '../mcp/connection.js';
import { validateServerConfigs } from '../mcp/serverConfig.js';
import { ToolCaller } from '../mcp/toolCaller.js';
import { resolveToolLimits } from '../mcp/toolLimits.js';
import type { McpServerConfig, ToolCallResult } from '../mcp/types.js';
import type { ClientEvent, ServerEvent } from '../protocol/generated/types.js';
import type { RealtimeTransport, SendResult } from '../protocol/transport.js';
import { createWebSocketTransport } from '../protocol/websocketTransport.js';
import { TEARDOWN_DENY_REASON, toolCallMachine } from '../machines/toolCall.js';
import { sessionMachine, type SessionEmitted, type SessionEndReason } from '../machines/session.js';
import type { ApprovalRequest, ExecuteToolCallInput, SessionApprovalPolicy } from '../machines/types.js';
import { parseApprovalAnswer } from './approvalAnswer.js';
import { HostActions, type RealtimeMcpProxyEmbedding } from './hostActions.js';
import { createHostChannel } from './hostChannel.js';
import { createHostToolCaller } from './hostToolCaller.js';
import { resolveHostTools } from './hostTools.js';
import { projectInspectionEvent } from './inspection.js';
import { isAudioEvent, type ProxyEvents, type RealtimeMcpProxyOptions } from './options.js';
import { sentEventForHost } from './sentEvent.js';
import { registeringKey, sessionRedactor } from './sessionRedactor.js';
import { SessionToolSettings, nativeApprovalRules } from './sessionToolSettings.js';
import { createToolCallTimelines } from './timelines.js';
import type { ToolAllowlist } from './toolSettings.js';
import { toolsOverriddenWarning } from './toolsOverriddenWarning.js';

/** The session's tools (MCP) and, for the app, the embedding API (audio, text, interrupt, session updates: hostActions.ts). */
export interface RealtimeMcpProxy extends RealtimeMcpProxyEmbedding {
  /**
   * Lists the MCP tools while it opens the Realtime session; the `session.update` with the tools
   * goes out once both are done. Resolves once the socket is open and the tools are listed; if
   * either fails, the session is closed and the error rethrown.
   */
  start(): Promise<void>;
  /** Ends the session (pending calls aborted, approvals denied) and closes the socket and MCP connections. */
  close(): Promise<void>;
  /** Approves a pending approval; false when there is none by that id (already answered, expired, or unknown). */
  approve(approvalId: string, options?: { sticky?: boolean }): boolean;
  deny(approvalId: string, reason?: string, options?: { sticky?: boolean }): boolean;
  on<E extends keyof ProxyEvents>(event: E, listener: (...args: ProxyEvents[E]) => void): () => void;
  /** `state`: `connecting`, `configuring`, `ready` or `closed`. */
  snapshot(): { state: string; tools: string[]; pendingApprovals: ApprovalRequest[]; runningCalls: string[]; end?: SessionEndReason };
  readonly catalog: ToolCatalog;
  /** Resolves with the reason when the session ends. */
  readonly ended: Promise<SessionEndReason>;
}

type SessionExecutor = (input: ExecuteToolCallInput, signal: AbortSignal) => Promise<ToolCallResult>;

/**
 * Each session's MCP call, by its actor system. The machine is provided once for the process, not
 * per session: `machine.provide()` builds a whole new tree of state nodes, ~40 KB of heap that
 * every idle session would otherwise hold.
 */
const sessionExecutors = new WeakMap<object, SessionExecutor>();
const executeToolCall = fromPromise<ToolCallResult, ExecuteToolCallInput>(({ input, signal, system }) => {
  const execute = sessionExecutors.get(system);
  return execute ? execute(input, signal) : Promise.reject(new Error('Failed to run the call: its session has no MCP executor.'));
});
const proxySessionMachine = sessionMachine.provide({ actors: { toolCall: toolCallMachine.provide({ actors: { executeToolCall } }) } });
const sessionMachineEvents = new Set<string>(proxySessionMachine.events);

export function createRealtimeMcpProxy(options: RealtimeMcpProxyOptions): RealtimeMcpProxy {
  // Before anything connects or records: a typo fails here, naming the field.
  validateServerConfigs(options.servers);
  // One registry of the session's secrets: logs, errors, tool outputs and the recording consult it.
  const redactor = sessionRedactor(options);
  // Checked before anything connects: a bad limit is a configuration error, not a session failure.
  const toolLimits = resolveToolLimits(options.toolLimits);
  const host = createHostChannel(options.hooks, redactor.logger(options.hooks?.logger ?? silentLogger), (error) => redactor.error(error));
  const { notify, report, logger } = host;
  // The host's own function tools: checked now (invalid_options), offered first, run by their execute.
  const hostTools = createHostToolCaller(resolveHostTools(options.hostTools, { ...(options.routes ? { routes: options.routes } : {}), limits: toolLimits }), {
    redactor,
    logger,
    ...(options.maxOutputBytes ? { maxOutputBytes: options.maxOutputBytes } : {}),
    ...(options.timeouts?.defaultMs ? { defaultTimeoutMs: options.timeouts.defaultMs } : {}),
  });
  // A connection's failure reaches the host through the connection and again through the catalog
  // that was listing it (the same error): it is reported once.
  const reported = new WeakSet<ProxyError>();
  const reportOnce = (error: ProxyError) => {
    if (reported.has(error)) return;
    reported.add(error);
    report(error);
  };
  const transport: RealtimeTransport =
    options.transport ?? createWebSocketTransport({ ...(options.url ? { url: options.url } : {}), ...(options.apiKey ? { apiKey: registeringKey(options.apiKey, redactor) } : {}) });
  const recorder = options.recorder;
  const mcp = { ...options.mcp, redactor };
  const connections = options.servers.map(
    (config) =>
      new McpConnection(
        config,
        recorder
          ? {
              ...mcp,
              fetch: recorder.tapFetch(config.label, options.mcp?.fetch ?? ((input, init) => fetch(input, init))),
              ...(options.mcp?.stdioTransport ? { stdioTransport: (server: McpServerConfig) => recorder.tapMcpTransport(server.label, options.mcp!.stdioTransport!(server)) } : {}),
            }
          : mcp,
      ),
  );
  const catalog = new ToolCatalog(connections, { ...(options.catalogCache !== undefined ? { cache: options.catalogCache } : {}), prefix: options.prefixToolNames === true, reservedNames: hostTools.names, logger });
  // Native MCP servers' tools are listed by OpenAI, not here: their approval keys go to the machine as they are.
  const approvalKeys = nativeApprovalRules(options.approval?.tools, (options.nativeMcp ?? []).map((tool) => tool.server_label));
  // Per-tool settings by MCP identity ("server/tool"), resolved against the catalog at start and on every change.
  const toolSettings = new SessionToolSettings({
    ...(options.allowedTools !== undefined ? { allowedTools: options.allowedTools } : {}),
    ...(approvalKeys.functionTools !== undefined ? { approval: approvalKeys.functionTools } : {}),
    ...(options.bargeIn !== undefined ? { bargeIn: options.bargeIn } : {}),
    ...(options.timeouts?.tools !== undefined ? { timeoutsMs: options.timeouts.tools } : {}),
  }, toolLimits, hostTools.tools);
  const caller = new ToolCaller(catalog, {
    ...(options.routes ? { routes: options.routes } : {}),
    allowed: toolSettings.allowed,
    whyUnavailable: toolSettings.whyUnavailable,
    toolTimeoutMs: toolSettings.timeoutMs,
    ...(options.timeouts?.defaultMs ? { defaultTimeoutMs: options.timeouts.defaultMs } : {}),
    ...(options.maxOutputBytes ? { maxOutputBytes: options.maxOutputBytes } : {}),
    ...(options.strictOutputSchema ? { strictOutputSchema: true } : {}),
    logger,
    redactor,
  });
  /** Approvals the host may still answer, by approval id. */
  const pendingApprovals = new Map<string, ApprovalRequest>();
  const timelines = createToolCallTimelines((timeline) => notify('toolCall.ended', timeline));
  let lastCreateSentAt: number | undefined;
  let resolveEnded!: (end: SessionEndReason) => void;
  const ended = new Promise<SessionEndReason>((resolve) => (resolveEnded = resolve));
  let end: SessionEndReason | undefined;
  const detach: Array<() => void> = [];
  let subscription: Subscription | undefined;
  let untapRecorder: (() => void) | undefined;
  /** start() refused the configuration (a fatal setting, or no tool with `requireTools`): no session ran, so no recording is kept. */
  let startRefused = false;
  let opening = true;
  let closedWhileOpening: { code: number; reason: string } | undefined;

  const sessionTools = () => toolSettings.sessionTools(catalog);
  const toolInfo = () => toolSettings.toolInfo(options.routes);
  let settingsResolved = false;
  const resolveToolSettings = () => {
    const problems = toolSettings.update(catalog);
    settingsResolved = true;
    return problems;
  };
  /** One `tools_limited` warning for each new cut the tool limits make. */
  const warnOfToolLimits = () => {
    const warning = toolSettings.limitWarning();
    if (warning) notify('warning', warning);
  };
  // The machine's approval policy: the mode and deadline; per-tool rules come with each tool's info
  // (and, for native MCP servers, by "server/tool").
  const approval = options.approval;
  const policy: SessionApprovalPolicy | undefined = approval && {
    ...(approval.mode ? { mode: approval.mode } : {}),
    ...(approval.timeoutMs !== undefined ? { timeoutMs: approval.timeoutMs } : {}),
    ...(approvalKeys.nativeTools.size > 0 ? { tools: approvalKeys.nativeTools } : {}),
  };

  // Transcript deltas, rate limits and the like change nothing in the machine: each event it does
  // not handle would still cost a full macrostep (several µs), so they go to listeners only.
  const machineEvents = sessionMachineEvents;
  const actor = createActor(proxySessionMachine, {
    input: {
      // Listed while the socket opens: start() tells the machine once every server has listed.
      tools: [],
      toolsPending: true,
      ...(options.instructions !== undefined ? { instructions: options.instructions } : {}),
      ...(options.session ? { session: options.session } : {}),
      ...(policy ? { approval: policy } : {}),
      ...(options.nativeMcp ? { nativeTools: options.nativeMcp } : {}),
      ...(options.responseCreate ? { responseCreate: options.responseCreate } : {}),
      ...(options.timeouts?.configureMs !== undefined ? { configureTimeoutMs: options.timeouts.configureMs } : {}),
    },
    ...(options.inspect
      ? {
          inspect: (event) => {
            const record = projectInspectionEvent(event);
            if (record) notify('inspect', record);
          },
        }
      : {}),
  });
  // The call (a host tool's execute, else MCP): the signal is aborted when the tool-call child leaves `executing` (barge-in, teardown).
  sessionExecutors.set(actor.system, (input, signal) => {
    timelines.mcpRequested(input.callId);
    const call = hostTools.has(input.functionName) ? hostTools : caller;
    return call.call(input.functionName, input.arguments, { signal, callId: input.callId });
  });
  const running = () => actor.getSnapshot().status === 'active';
  const tell = (event: Parameters<typeof actor.send>[0]) => {
    if (running()) actor.send(event);
  };
  /** The lifecycle stage (`ready`, not `ready.synced`): what a host branches on. An actor that failed keeps its last state: the session is over all the same. */
  const stage = () => {
    const value = actor.getSnapshot().value;
    return end ? 'closed' : typeof value === 'string' ? value : (Object.keys(value)[0] ?? '');
  };
  /**
   * The one way a client event reaches the transport (the machine's sends and the embedding API's
   * alike): each one the transport took is told as `realtime.sent`, redacted and without audio.
   */
  const transmit = (event: ClientEvent): SendResult => {
    let result: SendResult;
    try {
      result = transport.send(event);
    } catch (cause) {
      // A host-provided transport may throw: that is a failed send, not a broken session.
      result = { ok: false, error: new ProxyError('socket_error', `Failed to send "${event.type}": the transport threw ${cause instanceof Error ? cause.message : String(cause)}. Please fix the transport's send().`, { cause }) };
    }
    // Redacting and copying costs: only done when someone listens (audio appends come 50 times a second).
    if (result.ok && (options.hooks?.onEvent || host.events.hasListeners('realtime.sent'))) notify('realtime.sent', sentEventForHost(event, redactor));
    return result;
  };
  /**
   * The tools worked out again (settings, limits) and offered: through the session machine, as a
   * catalog change is (it owns session.update: one in flight, changes in a burst sent together).
   */
  const reresolveTools = () => {
    for (const error of toolSettings.unreported(resolveToolSettings())) report(error);
    warnOfToolLimits();
    caller.prepare();
  };
  const offerTools = () => tell({ type: 'catalog.changed', tools: sessionTools(), toolInfo: toolInfo() });
  const allowTools = (allowed: ToolAllowlist): SendResult => {
    // Recorded, so a replay changes the tools at the same point (a function cannot be written down).
    const record = () => Array.isArray(allowed) && recorder?.allowedTools(allowed);
    // Before the first listing, it replaces the option: start() checks it as it checks allowedTools.
    if (!settingsResolved) {
      record();
      toolSettings.setAllowedTools(allowed);
      return { ok: true };
    }
    const refusal = toolSettings.allowlistRefusal(catalog, allowed);
    if (refusal) return { ok: false, error: refusal };
    record();
    toolSettings.setAllowedTools(allowed);
    reresolveTools();
    offerTools();
    return { ok: true };
  };
  const embedding = new HostActions({ transport, send: transmit, stage, end: () => end, tell, allowTools });

  const send = (event: ClientEvent) => {
    const result = transmit(event);
    if (result.ok) return true;
    report(result.error);
    // The machine learns of it: an unsent session.update must not leave it waiting for an answer.
    tell({ type: 'outbound.failed', event, message: result.error.message });
    return false;
  };

  /** The one way a session ends, whatever ended it: every approval and call is closed, then everything is released. */
  const finish = (reason: SessionEndReason) => {
    if (end) return;
    end = reason;
    for (const [approvalId, request] of [...pendingApprovals]) {
      pendingApprovals.delete(approvalId);
      notify('approval.settled', { approvalId, kind: request.kind, decision: 'denied', reason: TEARDOWN_DENY_REASON });
    }
    // Calls still running are aborted with the session; their own report cannot arrive any more.
    timelines.endAll();
    resolveEnded(reason);
    notify('session.ended', reason);
    void shutdown();
  };

  const onMachineEvent = (emitted: SessionEmitted) => {
    switch (emitted.type) {
      case 'send':
        if (send(emitted.event) && emitted.event.type === 'response.create') lastCreateSentAt = Date.now();
        return;
      case 'session.ready':
        return notify('session.ready', { tools: sessionTools().map((t) => t.name) });
      case 'session.error':
        return notify('realtime.error', emitted.error);
      case 'session.anomaly':
        return report(new ProxyError('unexpected_event', `Failed to follow the Realtime server: ${emitted.anomaly.message} Please report it if it repeats.`, { data: emitted.anomaly }));
      case 'session.ended':
        return finish(emitted.end);
      case 'approval.requested':
        return requestApproval(emitted.request);
      case 'approval.settled': {
        const { type: _type, ...settled } = emitted;
        // Only approvals the host was asked about are reported settled (and only once).
        if (pendingApprovals.delete(settled.approvalId)) notify('approval.settled', settled);
        return;
      }
      case 'toolCall.started':
        timelines.started(emitted.callId, emitted.functionName);
        return notify('toolCall.started', { callId: emitted.callId, functionName: emitted.functionName, responseId: emitted.responseId, actorId: emitted.actorId });
      case 'toolCall.settled':
        return timelines.settled(emitted);
      case 'batch.finished':
        if (emitted.responseRequested) notify('response.requested', { responseId: emitted.responseId, callIds: [...emitted.callIds] });
        return timelines.batchFinished(emitted.callIds, emitted.responseRequested ? lastCreateSentAt : undefined);
      case 'response.createFailed':
        return report(
          new ProxyError('response_create_failed', `Failed to ask the model to speak: the server refused response.create ${emitted.refusals} times in a row (a response was always active). Please check what else creates responses on this session.`, {
            data: { refusals: emitted.refusals },
          }),
        );
      case 'nativeMcp':
        return notify('nativeMcp.event', emitted.event);
      case 'session.toolsOverridden':
        return notify('warning', toolsOverriddenWarning(emitted));
    }
  };

  const requestApproval = (request: ApprovalRequest) => {
    pendingApprovals.set(request.approvalId, request);
    notify('approval.requested', request);
    const onRequest = options.approval?.onRequest;
    if (!onRequest) return;
    const what = `"${request.functionName}"`;
    Promise.resolve()
      .then(() => onRequest(request))
      .then(
        (value) => {
          const parsed = parseApprovalAnswer(value);
          if (!parsed.ok) {
            report(new ProxyError('invalid_approval_answer', `Failed to read the approval of ${what}: ${parsed.why}. Please return true, false, or { approved: boolean }; the call was denied.`));
            return void deny(request.approvalId, 'The approval answer could not be understood.');
          }
          const { answer } = parsed;
          if (answer === undefined) return;
          if (answer.approved) approve(request.approvalId, answer);
          else deny(request.approvalId, answer.reason, answer);
        },
        (cause: unknown) => {
          report(new ProxyError('listener_error', `Failed to ask for approval of ${what}: the approval handler threw. Please catch errors in approval.onRequest; the call was denied.`, { cause }));
          deny(request.approvalId, 'The approval could not be asked.');
        },
      );
  };

  const answer = (approvalId: string, approved: boolean, reason: string | undefined, sticky: boolean): boolean => {
    if (typeof approvalId !== 'string' || !pendingApprovals.has(approvalId) || !running()) return false;
    const why = typeof reason === 'string' && reason.length > 0 ? reason : undefined;
    const given = { approvalId, approved, ...(why ? { reason: why } : {}), ...(sticky ? { sticky: true } : {}) };
    recorder?.approval(given);
    actor.send({ type: 'approval.answer', ...given });
    return true;
  };
  const approve = (approvalId: string, options: { sticky?: boolean } = {}): boolean => answer(approvalId, true, undefined, options?.sticky === true);
  const deny = (approvalId: string, reason?: string, options: { sticky?: boolean } = {}): boolean => answer(approvalId, false, reason, options?.sticky === true);

  let shuttingDown: Promise<void> | undefined;
  const shutdown = () =>
    (shuttingDown ??= (async () => {
      for (const off of detach.splice(0)) off();
      subscription?.unsubscribe();
      if (running()) actor.stop();
      catalog.close();
      if (transport.state === 'open' || transport.state === 'connecting') {
        // The host ends the session: the recording says so (`out`), rather than a close from the server.
        untapRecorder?.();
        recorder?.record({ peer: 'openai', dir: 'out', kind: 'ws.close', code: 1000, reason: 'session ended' });
        // A host-provided transport or sink may throw, even synchronously: teardown goes on regardless.
        await Promise.resolve()
          .then(() => transport.close(1000, 'session ended'))
          .catch((cause: unknown) => logger.warn({ error: String(cause) }, 'Failed to close the Realtime transport; going on with the teardown'));
      }
      untapRecorder?.();
      await Promise.all(connections.map((connection) => connection.close()));
      await Promise.resolve()
        .then(() => (!startRefused || typeof recorder?.discard !== 'function' ? recorder?.close() : recorder.discard()))
        .catch((cause: unknown) => report(new ProxyError('listener_error', `Failed to close the recording: ${cause instanceof Error ? cause.message : String(cause)}. Please check the recording's sink.`, { cause })));
    })());

  async function closeSession(): Promise<void> {
    if (running()) actor.send({ type: 'session.close' });
    else finish(end ?? { reason: 'closed_by_host' });
    await shutdown();
  }


  return {
    // Arrows, not the prototype's methods: a host may pass them around unbound (an onClick).
    sendAudio: (audio) => embedding.sendAudio(audio),
    commitAudio: (options) => embedding.commitAudio(options),
    clearAudio: () => embedding.clearAudio(),
    sendText: (text, options) => embedding.sendText(text, options),
    interrupt: (options) => embedding.interrupt(options),
    updateSession: (patch) => embedding.updateSession(patch),
    setAllowedTools: (allowed) => embedding.setAllowedTools(allowed),
    catalog,
    ended,
    async start() {
      detach.push(
        catalog.on('error', reportOnce),
        catalog.on('dropped', (dropped) => notify('catalog.toolDropped', dropped)),
        catalog.on('changed', (diff) => {
          // Until the first listing is complete, start() resolves the settings and tells the machine
          // once, with every server in: a first update with only the fastest server's tools, or
          // before allowedTools is resolved, must never go out.
          if (!settingsResolved) return notify('catalog.changed', diff);
          reresolveTools();
          notify('catalog.changed', diff);
          offerTools();
        }),
        ...connections.map((connection) => connection.on('error', reportOnce)),
        caller.on('progress', (progress) => notify('toolCall.progress', progress)),
      );
      // One listener for everything the machine emits (onMachineEvent switches on the type): a
      // subscription per type cost each idle session a dozen sets and closures.
      const emitted = actor.on('*', onMachineEvent as never);
      detach.push(() => emitted.unsubscribe());
      // A failure inside the machine (a bug) must not leave a session that looks alive and answers
      // nothing: it ends, typed, and everything is released.
      subscription = actor.subscribe({
        error: (cause) => {
          report(new ProxyError('internal_error', `Failed to run the session: ${cause instanceof Error ? cause.message : String(cause)}. Please report this bug; the session was ended.`, { cause }));
          finish({ reason: 'internal_error', message: cause instanceof Error ? cause.message : String(cause) });
        },
      });
      if (recorder) untapRecorder = recorder.tapTransport(transport, options.url);
      detach.push(
        transport.on('event', (event, meta) => {
          embedding.observe(event);
          if (isAudioEvent(event)) return notify('realtime.audio', event as ServerEvent);
          notify('realtime.event', event, meta);
          if (event.type === 'response.output_item.done' && event.item.type === 'function_call' && typeof event.item.call_id === 'string') {
            timelines.arguments(event.item.call_id, event.item.arguments);
          }
          if (machineEvents.has(event.type)) tell(event as ServerEvent);
        }),
        // The server takes client events as soon as the socket is open: the session.update goes
        // out then (once the tools are listed), not a round trip later on session.created.
        transport.on('open', () => tell({ type: 'transport.opened' })),
        transport.on('error', report),
        transport.on('close', (info) => {
          // Closed before it opened: the session ends once connect() has said why (cause first, then the end).
          if (opening) closedWhileOpening = info;
          else tell({ type: 'transport.closed', code: info.code, reason: info.reason });
        }),
      );
      // The machine waits in `connecting` for both: the socket open and the tools listed.
      actor.start();
      // The socket opens while the MCP tools are listed, not after.
      const connected = transport.connect().then(
        // A host's transport may not say it opened: connect() resolving says it too.
        () => {
          opening = false;
          tell({ type: 'transport.opened' });
        },
        (cause: unknown) => {
          opening = false;
          const error = redactor.error(cause);
          // Closed before it opened (a refused handshake): the cause is reported before the session ends.
          if (closedWhileOpening) {
            if (ProxyError.isInstance(error)) report(error);
            tell({ type: 'transport.closed', code: closedWhileOpening.code, reason: closedWhileOpening.reason });
          }
          throw error;
        },
      );
      const closedWhileStarting = (): ProxyError => {
        // The server ended it (a socket closed before the tools were listed): that is the reason, not a close by the host.
        if (end && end.reason !== 'closed_by_host') {
          const why = end.reason === 'socket_closed' ? `the Realtime server closed the socket (${end.code}${end.detail ? `: ${end.detail}` : ''})` : `the session ended (${end.reason})`;
          return new ProxyError('connect_failed', `Failed to start the session: ${why} before the session was configured. Please check the URL, the key and the model.`, { data: { end } });
        }
        return new ProxyError('not_open', 'Failed to start the session: close() was called while the MCP tools were being listed or the Realtime connection was opening. Please create a new proxy to start again.');
      };
      const listed = (async () => {
        await catalog.load();
        if (shuttingDown) throw closedWhileStarting();
        const problems = resolveToolSettings();
        const fatal = problems.find((problem) => problem.fatal);
        if (fatal) {
          startRefused = true;
          throw new ProxyError('invalid_options', fatal.error.message, { data: { problems: problems.filter((problem) => problem.fatal).map((problem) => problem.error.message) } });
        }
        for (const error of toolSettings.unreported(problems)) report(error);
        warnOfToolLimits();
        if (options.requireTools && sessionTools().length === 0) {
          startRefused = true;
          throw noToolsError(catalog);
        }
        tell({ type: 'catalog.changed', tools: sessionTools(), toolInfo: toolInfo() });
        // After the update went out (when the socket was open already): compiling argument
        // validators is CPU the first update need not wait for. Shared across sessions, they are
        // mostly compiled already.
        caller.prepare();
      })();
      try {
        await Promise.all([listed, connected]);
      } catch (error) {
        // The host closed the session while it started: say so, whichever half noticed first.
        if (shuttingDown) throw end?.reason === 'closed_by_host' || (ProxyError.isInstance(error) && error.code === 'not_open') ? closedWhileStarting() : error;
        // Whichever half failed, the other must not leave a socket or MCP connections open: the
        // session ends as a close by the host would end it.
        await closeSession();
        // The half that failed first is the one to report: a refused configuration explains a socket closed because of it.
        throw startRefused ? await listed.then(() => error, (refusal: unknown) => refusal) : error;
      }
    },
    close: closeSession,
    approve,
    deny,
    on: (event, listener) => host.events.on(event, listener),
    snapshot() {
      const snapshot = actor.getSnapshot();
      return {
        state: stage(),
        tools: snapshot.context.tools.map((t) => t.name),
        pendingApprovals: [...pendingApprovals.values()],
        runningCalls: [...snapshot.context.calls.keys()],
        ...(end ?? snapshot.context.end ? { end: end ?? snapshot.context.end } : {}),
      };
    },
  };
}
