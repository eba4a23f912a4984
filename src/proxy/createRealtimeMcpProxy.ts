/**
 * The composition root of one session: transport → decode → session machine → MCP → encode →
 * transport. Audio deltas go to `audio` listeners only; lifecycle events go to the machine. The
 * machine decides, this file does the I/O: sending what the machine emits and running the calls
 * through the ToolCaller.
 */
import { createActor, fromPromise, type Subscription } from 'xstate';
import { Emitter } from '../emitter.js';
import { ProxyError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { ToolCatalog } from '../mcp/catalog.js';
import { McpConnection } from '../mcp/connection.js';
import { ToolCaller } from '../mcp/toolCaller.js';
import type { McpServerConfig, ToolCallResult } from '../mcp/types.js';
import type { ClientEvent, ServerEvent } from '../protocol/generated/types.js';
import type { RealtimeTransport } from '../protocol/transport.js';
import { createWebSocketTransport } from '../protocol/websocketTransport.js';
import { toolCallMachine } from '../machines/toolCall.js';
import { sessionMachine, type SessionEmitted, type SessionEndReason, type SessionToolInfo } from '../machines/session.js';
import type { ApprovalRequest, ExecuteToolCallInput } from '../machines/types.js';
import { projectInspectionEvent, type InspectionRecord } from './inspection.js';
import { isAudioEvent, type ProxyEvents, type RealtimeMcpProxyOptions, type ToolCallTimeline } from './options.js';
import { registeringKey, sessionRedactor } from './sessionRedactor.js';

export interface RealtimeMcpProxy {
  /** Lists the MCP tools, then opens the Realtime session. Resolves once the socket is open. */
  start(): Promise<void>;
  /** Ends the session (pending calls aborted, approvals denied) and closes the socket and MCP connections. */
  close(): Promise<void>;
  approve(approvalId: string, options?: { sticky?: boolean }): boolean;
  deny(approvalId: string, reason?: string, options?: { sticky?: boolean }): boolean;
  on<E extends keyof ProxyEvents>(event: E, listener: (...args: ProxyEvents[E]) => void): () => void;
  snapshot(): { state: string; tools: string[]; pendingApprovals: ApprovalRequest[]; runningCalls: string[]; end?: SessionEndReason };
  readonly catalog: ToolCatalog;
  /** Resolves with the reason when the session ends. */
  readonly ended: Promise<SessionEndReason>;
}

export function createRealtimeMcpProxy(options: RealtimeMcpProxyOptions): RealtimeMcpProxy {
  // One registry of the session's secrets: logs, errors, tool outputs and the recording consult it.
  const redactor = sessionRedactor(options);
  const logger = redactor.logger(options.hooks?.logger ?? silentLogger);
  const events = new Emitter<ProxyEvents>();
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
  const catalog = new ToolCatalog(connections, { ...(options.catalogCache !== undefined ? { cache: options.catalogCache } : {}), logger });
  const caller = new ToolCaller(catalog, {
    ...(options.routes ? { routes: options.routes } : {}),
    ...(options.timeouts?.tools ? { timeoutsMs: options.timeouts.tools } : {}),
    ...(options.timeouts?.defaultMs ? { defaultTimeoutMs: options.timeouts.defaultMs } : {}),
    ...(options.maxOutputBytes ? { maxOutputBytes: options.maxOutputBytes } : {}),
    ...(options.strictOutputSchema ? { strictOutputSchema: true } : {}),
    logger,
    redactor,
  });
  const pendingApprovals = new Map<string, ApprovalRequest>();
  const timelines = new Map<string, ToolCallTimeline>();
  const awaitingCreate = new Set<string>();
  let resolveEnded!: (end: SessionEndReason) => void;
  const ended = new Promise<SessionEndReason>((resolve) => (resolveEnded = resolve));
  const detach: Array<() => void> = [];
  let subscription: Subscription | undefined;
  let untapRecorder: (() => void) | undefined;

  const report = (raw: ProxyError) => {
    // A copy, cause chain included: servers echo credentials into the errors they cause.
    const error = redactor.error(raw);
    logger.warn({ code: error.code }, error.message);
    options.hooks?.onError?.(error);
    events.emit('error', error);
  };
  const notify = <E extends keyof ProxyEvents>(event: E, ...args: ProxyEvents[E]) => {
    options.hooks?.onEvent?.(event, args[0]);
    events.emit(event, ...args);
  };
  events.on('error', () => undefined); // errors also reach hooks.onError; an unheard one must not be lost silently either

  const allowed = (name: string) => {
    const filter = options.allowedTools;
    if (filter === undefined) return true;
    const tool = catalog.byFunctionName(name);
    return Array.isArray(filter) ? filter.includes(name) : tool !== undefined && (filter as (t: typeof tool) => boolean)(tool);
  };
  const sessionTools = () => catalog.functionTools().filter((tool) => allowed(tool.name));
  const toolInfo = (): Record<string, SessionToolInfo> =>
    Object.fromEntries(
      catalog.tools.filter((tool) => allowed(tool.functionName)).map((tool) => [tool.functionName, { server: tool.server, tool: tool.mcpName, ...(tool.annotations ? { annotations: tool.annotations } : {}) }]),
    );

  // The MCP call: the signal is aborted when the tool-call child leaves `executing` (barge-in, teardown).
  const executeToolCall = fromPromise<ToolCallResult, ExecuteToolCallInput>(({ input, signal }) => {
    // Refined by the result's own requestSentAt (after routing and argument checks) when there is one.
    const timeline = timelines.get(input.callId);
    if (timeline) timeline.mcpRequestAt = Date.now();
    return caller.call(input.functionName, input.arguments, { signal, callId: input.callId });
  });
  const machine = sessionMachine.provide({ actors: { toolCall: toolCallMachine.provide({ actors: { executeToolCall } }) } });
  // Transcript deltas, rate limits and the like change nothing in the machine: each event it does
  // not handle would still cost a full macrostep (several µs), so they go to listeners only.
  const machineEvents = new Set<string>(machine.events);
  const actor = createActor(machine, {
    input: {
      tools: [],
      ...(options.instructions !== undefined ? { instructions: options.instructions } : {}),
      ...(options.session ? { session: options.session } : {}),
      ...(options.approval ? { approval: options.approval } : {}),
      ...(options.bargeIn ? { bargeIn: options.bargeIn } : {}),
      ...(options.nativeMcp ? { nativeTools: options.nativeMcp } : {}),
    },
    ...(options.inspect ? { inspect: (event) => { const record = projectInspectionEvent(event); if (record) notify('inspect', record); } } : {}),
  });

  const send = (event: ClientEvent) => {
    const result = transport.send(event);
    if (!result.ok) report(result.error);
    return result.ok;
  };

  const onMachineEvent = (emitted: SessionEmitted) => {
    switch (emitted.type) {
      case 'send': {
        if (!send(emitted.event)) return;
        if (emitted.event.type === 'response.create') {
          const at = Date.now();
          for (const callId of awaitingCreate) finishTimeline(callId, at);
          awaitingCreate.clear();
        }
        return;
      }
      case 'session.ready':
        return notify('ready', { tools: sessionTools().map((t) => t.name) });
      case 'session.error':
        return notify('realtimeError', emitted.error);
      case 'session.ended':
        // Calls still running are aborted with the session; their own report cannot arrive any more.
        for (const [callId, timeline] of [...timelines]) {
          timeline.code ??= 'skipped';
          finishTimeline(callId, undefined);
        }
        resolveEnded(emitted.end);
        notify('ended', emitted.end);
        void shutdown();
        return;
      case 'approval.requested': {
        pendingApprovals.set(emitted.request.approvalId, emitted.request);
        notify('approval.requested', emitted.request);
        const onRequest = options.approval?.onRequest;
        if (onRequest) {
          Promise.resolve()
            .then(() => onRequest(emitted.request))
            .then(
              (answer) => {
                if (answer === undefined) return;
                const decision = typeof answer === 'boolean' ? { approved: answer } : answer;
                if (decision.approved) approve(emitted.request.approvalId, decision);
                else deny(emitted.request.approvalId, decision.reason, decision);
              },
              (cause: unknown) => {
                report(new ProxyError('listener_error', `Failed to ask for approval of "${emitted.request.functionName}": the approval handler threw. Please catch errors in approval.onRequest; the call was denied.`, { cause }));
                deny(emitted.request.approvalId, 'The approval could not be asked.');
              },
            );
        }
        return;
      }
      case 'toolCall.started': {
        timelines.set(emitted.callId, { callId: emitted.callId, functionName: emitted.functionName, startedAt: Date.now() });
        return notify('toolCall.start', { callId: emitted.callId, functionName: emitted.functionName, responseId: emitted.responseId });
      }
      case 'toolCall.settled': {
        pendingApprovals.delete(emitted.callId);
        const timeline = timelines.get(emitted.callId);
        if (!timeline) return;
        Object.assign(timeline, {
          code: emitted.code,
          argumentsCompleteAt: emitted.completedAt,
          ...(emitted.result
            ? {
                result: emitted.result,
                mcpResultAt: emitted.result.timings.startedAt + emitted.result.timings.durationMs,
                ...(emitted.result.timings.requestSentAt ? { mcpRequestAt: emitted.result.timings.requestSentAt } : {}),
              }
            : {}),
          ...(emitted.outcome === 'output' ? { output: emitted.output, outputSentAt: Date.now() } : {}),
        });
        return;
      }
      case 'response.requested':
        for (const callId of emitted.callIds) if (timelines.has(callId)) awaitingCreate.add(callId);
        return notify('response.requested', { responseId: emitted.responseId, callIds: emitted.callIds });
      case 'nativeMcp':
        return notify('nativeMcp', emitted.event);
      case 'batch.finished':
        if (!emitted.responseRequested) for (const callId of emitted.callIds) finishTimeline(callId, undefined);
        return;
    }
  };

  const finishTimeline = (callId: string, responseCreateSentAt: number | undefined) => {
    const timeline = timelines.get(callId);
    if (!timeline) return;
    timelines.delete(callId);
    notify('toolCall.end', { ...timeline, ...(responseCreateSentAt ? { responseCreateSentAt } : {}) });
  };

  const approve = (approvalId: string, answer: { sticky?: boolean } = {}): boolean => {
    if (!pendingApprovals.delete(approvalId)) return false;
    recorder?.approval({ approvalId, approved: true, ...(answer.sticky ? { sticky: true } : {}) });
    actor.send({ type: 'approval.answer', approvalId, approved: true, ...(answer.sticky ? { sticky: true } : {}) });
    return true;
  };
  const deny = (approvalId: string, reason?: string, answer: { sticky?: boolean } = {}): boolean => {
    if (!pendingApprovals.delete(approvalId)) return false;
    recorder?.approval({ approvalId, approved: false, ...(reason ? { reason } : {}), ...(answer.sticky ? { sticky: true } : {}) });
    actor.send({ type: 'approval.answer', approvalId, approved: false, ...(reason ? { reason } : {}), ...(answer.sticky ? { sticky: true } : {}) });
    return true;
  };

  let shuttingDown: Promise<void> | undefined;
  const shutdown = () =>
    (shuttingDown ??= (async () => {
      for (const off of detach.splice(0)) off();
      subscription?.unsubscribe();
      catalog.close();
      if (transport.state === 'open' || transport.state === 'connecting') {
        // The host ends the session: the recording says so (`out`), rather than a close from the server.
        untapRecorder?.();
        recorder?.record({ peer: 'openai', dir: 'out', kind: 'ws.close', code: 1000, reason: 'session ended' });
        await transport.close(1000, 'session ended').catch(() => undefined);
      }
      untapRecorder?.();
      await Promise.all(connections.map((connection) => connection.close()));
      await recorder?.close();
    })());

  return {
    catalog,
    ended,
    async start() {
      detach.push(
        catalog.on('error', report),
        catalog.on('dropped', (dropped) => notify('tool.dropped', dropped)),
        catalog.on('changed', (diff) => {
          caller.prepare();
          notify('catalog.changed', diff);
          actor.send({ type: 'catalog.changed', tools: sessionTools(), toolInfo: toolInfo() });
        }),
        ...connections.map((connection) => connection.on('error', report)),
        caller.on('progress', (progress) => notify('toolCall.progress', progress)),
        caller.on('result', (result) => notify('toolCall.result', result)),
      );
      for (const emitted of ['send', 'session.ready', 'session.error', 'session.ended', 'approval.requested', 'toolCall.started', 'toolCall.settled', 'response.requested', 'batch.finished', 'nativeMcp'] as const) {
        const sub = actor.on(emitted, onMachineEvent as never);
        detach.push(() => sub.unsubscribe());
      }
      if (recorder) untapRecorder = recorder.tapTransport(transport, options.url);
      await catalog.load();
      caller.prepare();
      actor.start();
      actor.send({ type: 'catalog.changed', tools: sessionTools(), toolInfo: toolInfo() });
      detach.push(
        transport.on('event', (event, meta) => {
          if (isAudioEvent(event)) return notify('audio', event as ServerEvent);
          notify('serverEvent', event, meta);
          if (event.type === 'response.output_item.done' && event.item.type === 'function_call' && event.item.call_id) {
            const timeline = timelines.get(event.item.call_id);
            if (timeline) timeline.arguments = event.item.arguments;
          }
          if (machineEvents.has(event.type)) actor.send(event as ServerEvent);
        }),
        transport.on('error', report),
        transport.on('close', (info) => actor.send({ type: 'transport.closed', code: info.code, reason: info.reason })),
      );
      await transport.connect().catch((error: unknown) => {
        throw redactor.error(error);
      });
    },
    async close() {
      if (actor.getSnapshot().status === 'active') actor.send({ type: 'session.close' });
      await shutdown();
    },
    approve,
    deny,
    on: (event, listener) => events.on(event, listener),
    snapshot() {
      const snapshot = actor.getSnapshot();
      return {
        state: typeof snapshot.value === 'string' ? snapshot.value : JSON.stringify(snapshot.value),
        tools: snapshot.context.tools.map((t) => t.name),
        pendingApprovals: [...pendingApprovals.values()],
        runningCalls: Object.keys(snapshot.context.calls),
        ...(snapshot.context.end ? { end: snapshot.context.end } : {}),
      };
    },
  };
}
