/**
 * The session machine: one per Realtime session. It configures the session with the catalog's
 * tools, spawns one tool-call child per `call_id`, turns each settled call into exactly one
 * `function_call_output`, asks the response machine for one `response.create` per finished batch,
 * and ends with a typed reason. It decides only: every frame leaves through the emitted `send`
 * event, every MCP call through the `executeToolCall` actor the proxy provides.
 */
import { assign, emit, enqueueActions, sendTo, setup, type ActorRefFrom } from 'xstate';
import type { RealtimeFunctionTool, ToolAnnotations } from '../mcp/types.js';
import type { ClientEvent, McpTool, RealtimeError, RealtimeSessionConfig, ServerEvent } from '../protocol/generated/types.js';
import { mcpApprovalMachine, type McpApprovalSettled } from './mcpApproval.js';
import { responseMachine } from './response.js';
import { toolCallMachine } from './toolCall.js';
import type {
  ApprovalAnswer,
  ApprovalConfig,
  ApprovalRequest,
  BargeInPolicy,
  Outbound,
  ToolCallApprovalRequested,
  ToolCallInput,
  ToolCallSettled,
} from './types.js';

/** What the session knows of a tool, beyond its Realtime definition. */
export interface SessionToolInfo {
  server?: string;
  tool?: string;
  annotations?: ToolAnnotations;
}

export interface SessionInput {
  tools: RealtimeFunctionTool[];
  toolInfo?: Record<string, SessionToolInfo>;
  /** Native MCP tools (`{ type: 'mcp', … }`, see nativeMcpTools): OpenAI calls these servers itself. */
  nativeTools?: McpTool[];
  instructions?: string;
  /** More session fields for `session.update` (voice, audio formats, turn detection…). */
  session?: Partial<Omit<RealtimeSessionConfig, 'type' | 'tools'>>;
  approval?: ApprovalConfig;
  /** Per function name; default `cancel` for read-only tools, `finish` for the rest. */
  bargeIn?: Record<string, BargeInPolicy>;
}

/** Why a session ended. */
export type SessionEndReason =
  | { reason: 'closed_by_host' }
  | { reason: 'session_expired'; message: string }
  | { reason: 'session_update_rejected'; error: RealtimeError }
  | { reason: 'socket_closed'; code: number; detail: string };

interface Batch {
  callIds: string[];
  settled: string[];
  outputs: number;
  done: boolean;
  completed: boolean;
  interrupted: boolean;
  responseRequested: boolean;
}

interface SessionContext {
  tools: RealtimeFunctionTool[];
  toolInfo: Record<string, SessionToolInfo>;
  input: SessionInput;
  sticky: Record<string, 'allow' | 'deny'>;
  /** The calls still running, by call id. */
  calls: Record<string, { responseId: string; functionName: string }>;
  /** Native MCP approvals waiting for the host, by approval request id → `server_label.name`. */
  mcpApprovals: Record<string, string>;
  /** Answers we sent (function outputs by call id, approval responses by `approval:<request id>`) the server has not yet added. */
  unacknowledged: string[];
  batches: Record<string, Batch>;
  end?: SessionEndReason;
}

export type SessionEvent =
  | ServerEvent
  | { type: 'transport.closed'; code: number; reason: string }
  | { type: 'catalog.changed'; tools: RealtimeFunctionTool[]; toolInfo?: Record<string, SessionToolInfo> }
  | { type: 'session.close' }
  | ApprovalAnswer
  | ToolCallSettled
  | ToolCallApprovalRequested
  | McpApprovalSettled
  | Outbound;

export type SessionEmitted =
  | { type: 'send'; event: ClientEvent }
  | { type: 'session.ready' }
  | { type: 'session.error'; error: RealtimeError }
  | { type: 'session.ended'; end: SessionEndReason }
  | { type: 'approval.requested'; request: ApprovalRequest }
  | { type: 'toolCall.started'; callId: string; functionName: string; responseId: string }
  | (Omit<ToolCallSettled, 'type'> & { type: 'toolCall.settled' })
  | { type: 'response.requested'; responseId: string; callIds: string[] }
  /** Every call of a response has settled; `responseRequested` says whether the model was asked to speak about them. */
  | { type: 'batch.finished'; responseId: string; callIds: string[]; responseRequested: boolean }
  /** Native MCP progress (OpenAI calls the server): tool listings and calls, as they happen. */
  | { type: 'nativeMcp'; event: ServerEvent };

function sessionUpdate(context: Pick<SessionContext, 'tools' | 'input'>): ClientEvent {
  const { instructions, session } = context.input;
  return {
    type: 'session.update',
    session: {
      ...session,
      type: 'realtime',
      ...(instructions === undefined ? {} : { instructions }),
      tools: [...context.tools, ...(context.input.nativeTools ?? [])],
      tool_choice: 'auto',
    },
  } as ClientEvent;
}

/** How an approval response waits in `unacknowledged` (function outputs wait under their call id). */
function approvalKey(approvalRequestId: string | undefined): string {
  return `approval:${approvalRequestId ?? ''}`;
}

function decideApproval(context: SessionContext, functionName: string): ToolCallInput['approval'] {
  const sticky = context.sticky[functionName];
  if (sticky) return sticky === 'allow' ? 'auto-approve' : 'auto-deny';
  const config = context.input.approval ?? {};
  const perTool = config.tools?.[functionName];
  if (perTool) return perTool === 'always' ? 'ask' : 'auto-approve';
  const mode = config.mode ?? 'never';
  if (mode === 'never') return 'auto-approve';
  if (mode === 'always') return 'ask';
  return context.toolInfo[functionName]?.annotations?.readOnlyHint === true ? 'auto-approve' : 'ask';
}

function bargeInPolicy(context: SessionContext, functionName: string): BargeInPolicy {
  return context.input.bargeIn?.[functionName] ?? (context.toolInfo[functionName]?.annotations?.readOnlyHint === true ? 'cancel' : 'finish');
}

/** A batch asks for one response.create when its response completed (not interrupted) and every call has settled with an output. */
function batchNeedsResponse(batch: Batch): boolean {
  return batch.done && batch.completed && !batch.interrupted && !batch.responseRequested && batch.outputs > 0 && batch.settled.length === batch.callIds.length;
}

/**
 * After a batch changed (its response is done, one of its calls settled): which batches now ask for
 * a response.create, and which are finished (done, every call settled, nothing left to ask) and
 * forgotten. One pure step, so that the machine assigns its context once per event: every assign
 * rebuilds the whole snapshot.
 */
function advanceBatches(batches: Record<string, Batch>): { batches: Record<string, Batch>; requested: Array<[string, Batch]>; finished: Array<[string, Batch]> } {
  const next: Record<string, Batch> = {};
  const requested: Array<[string, Batch]> = [];
  const finished: Array<[string, Batch]> = [];
  for (const [responseId, current] of Object.entries(batches)) {
    let batch = current;
    if (batchNeedsResponse(batch)) {
      batch = { ...batch, responseRequested: true };
      requested.push([responseId, batch]);
    }
    if (batch.done && batch.settled.length === batch.callIds.length && !batchNeedsResponse(batch)) finished.push([responseId, batch]);
    else next[responseId] = batch;
  }
  return { batches: next, requested, finished };
}

/** The effects of advanceBatches: one response.create request per batch that asks, and the reports. */
function reportBatches(
  enqueue: { sendTo(target: 'response', event: { type: 'response.request' }): void; emit(event: SessionEmitted): void },
  { requested, finished }: ReturnType<typeof advanceBatches>,
): void {
  for (const [responseId, batch] of requested) {
    enqueue.sendTo('response', { type: 'response.request' });
    enqueue.emit({ type: 'response.requested', responseId, callIds: batch.callIds });
  }
  for (const [responseId, batch] of finished) enqueue.emit({ type: 'batch.finished', responseId, callIds: batch.callIds, responseRequested: batch.responseRequested });
}

export const sessionMachine = setup({
  types: {
    input: {} as SessionInput,
    context: {} as SessionContext,
    events: {} as SessionEvent,
    emitted: {} as SessionEmitted,
    output: {} as { end?: SessionEndReason },
  },
  actors: { toolCall: toolCallMachine, response: responseMachine, mcpApproval: mcpApprovalMachine },
  guards: {
    isFunctionCallAdded: ({ event }) => event.type === 'response.output_item.added' && event.item.type === 'function_call',
    isSessionExpired: ({ event }) => event.type === 'error' && event.error.code === 'session_expired',
    acknowledgesAnswer: ({ context, event }) => event.type === 'conversation.item.added' && context.unacknowledged.length > 0 && (event.item.type === 'function_call_output' || event.item.type === 'mcp_approval_response'),
    isMcpApprovalRequest: ({ event }) => event.type === 'conversation.item.done' && event.item.type === 'mcp_approval_request',
  },
  actions: {
    sendSessionUpdate: emit(({ context }) => ({ type: 'send' as const, event: sessionUpdate(context) })),
    forwardToResponse: sendTo('response', ({ context, event }) => {
      if (event.type === 'response.created') return { type: 'response.created' as const, responseId: event.response.id ?? '', coversRequest: context.unacknowledged.length === 0 };
      if (event.type === 'response.done') return { type: 'response.done' as const, responseId: event.response.id ?? '', status: event.response.status ?? 'completed' };
      if (event.type === 'error') return { type: 'response.error' as const, code: event.error.code };
      return { type: 'response.error' as const, code: undefined };
    }),
    spawnToolCall: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'response.output_item.added' || event.item.type !== 'function_call') return;
      const { call_id: callId, name: functionName, id: itemId } = event.item;
      if (callId === undefined || callId in context.calls) return;
      const info = context.toolInfo[functionName] ?? {};
      const input: ToolCallInput = {
        callId,
        itemId: itemId ?? '',
        responseId: event.response_id,
        functionName,
        approval: decideApproval(context, functionName),
        approvalTimeoutMs: context.input.approval?.timeoutMs ?? 60_000,
        bargeIn: bargeInPolicy(context, functionName),
        ...info,
      };
      enqueue.spawnChild('toolCall', { id: callId, input });
      const batch = context.batches[event.response_id] ?? { callIds: [], settled: [], outputs: 0, done: false, completed: false, interrupted: false, responseRequested: false };
      enqueue.assign({
        calls: { ...context.calls, [callId]: { responseId: event.response_id, functionName } },
        batches: { ...context.batches, [event.response_id]: { ...batch, callIds: [...batch.callIds, callId] } },
      });
      enqueue.emit({ type: 'toolCall.started', callId, functionName, responseId: event.response_id });
    }),
    forwardToToolCall: enqueueActions(({ context, event, enqueue }) => {
      if (event.type === 'response.function_call_arguments.delta') {
        if (event.call_id in context.calls) enqueue.sendTo(event.call_id, { type: 'call.arguments.delta', delta: event.delta });
      } else if (event.type === 'response.output_item.done' && event.item.type === 'function_call') {
        const callId = event.item.call_id;
        if (callId === undefined || !(callId in context.calls)) return;
        enqueue.sendTo(callId, event.item.status === 'completed' ? { type: 'call.completed', arguments: event.item.arguments } : { type: 'call.incomplete' });
      } else if (event.type === 'approval.answer' && (event.approvalId in context.calls || event.approvalId in context.mcpApprovals)) {
        enqueue.sendTo(event.approvalId, event.approved ? { type: 'approval.approve' } : { type: 'approval.deny', ...(event.reason ? { reason: event.reason } : {}) });
      }
    }),
    rememberSticky: assign(({ context, event }) => {
      if (event.type !== 'approval.answer' || !event.sticky) return {};
      const functionName = context.calls[event.approvalId]?.functionName ?? context.mcpApprovals[event.approvalId];
      return functionName ? { sticky: { ...context.sticky, [functionName]: event.approved ? 'allow' : 'deny' } } : {};
    }),
    finishResponse: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'response.done') return;
      const id = event.response.id ?? '';
      const batch = context.batches[id];
      if (!batch) return;
      const advanced = advanceBatches({ ...context.batches, [id]: { ...batch, done: true, completed: event.response.status === 'completed' } });
      reportBatches(enqueue, advanced);
      enqueue.assign({ batches: advanced.batches });
    }),

    bargeIn: enqueueActions(({ context, enqueue }) => {
      for (const callId of Object.keys(context.calls)) enqueue.sendTo(callId, { type: 'call.bargeIn' });
      for (const approvalId of Object.keys(context.mcpApprovals)) enqueue.sendTo(approvalId, { type: 'approval.cancel', reason: 'The user interrupted before answering.' });
      const batches = Object.fromEntries(Object.entries(context.batches).map(([id, batch]) => [id, batch.responseRequested ? batch : { ...batch, interrupted: true }]));
      enqueue.assign({ batches });
    }),
    settleToolCall: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'toolCall.settled') return;
      const { type: _type, ...settled } = event;
      if (event.outcome === 'output' && event.output !== undefined) {
        enqueue.emit({ type: 'send', event: { type: 'conversation.item.create', item: { type: 'function_call_output', call_id: event.callId, output: event.output } } as ClientEvent });
      }
      enqueue.emit({ ...settled, type: 'toolCall.settled' });
      enqueue.stopChild(event.callId);
      const { [event.callId]: _gone, ...calls } = context.calls;
      const unacknowledged = event.outcome === 'output' && event.output !== undefined ? [...context.unacknowledged, event.callId] : context.unacknowledged;
      const batch = context.batches[event.responseId];
      if (!batch) {
        enqueue.assign({ calls, unacknowledged });
        return;
      }
      const advanced = advanceBatches({
        ...context.batches,
        [event.responseId]: { ...batch, settled: [...batch.settled, event.callId], outputs: batch.outputs + (event.outcome === 'output' ? 1 : 0) },
      });
      reportBatches(enqueue, advanced);
      enqueue.assign({ calls, unacknowledged, batches: advanced.batches });
    }),
    startMcpApproval: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'conversation.item.done' || event.item.type !== 'mcp_approval_request') return;
      const { id, server_label: server, name, arguments: args } = event.item;
      if (id in context.mcpApprovals) return;
      const key = `${server}.${name}`;
      const sticky = context.sticky[key];
      if (sticky) {
        enqueue.raise({ type: 'mcpApproval.settled', approvalId: id, approve: sticky === 'allow', ...(sticky === 'deny' ? { reason: 'The user declined this tool for the rest of the session.' } : {}) });
        return;
      }
      const request: ApprovalRequest = { approvalId: id, kind: 'mcp', functionName: name, arguments: args, server, tool: name };
      enqueue.spawnChild('mcpApproval', { id, input: { request, timeoutMs: context.input.approval?.timeoutMs ?? 60_000 } });
      enqueue.assign({ mcpApprovals: { ...context.mcpApprovals, [id]: key } });
      enqueue.emit({ type: 'approval.requested', request });
    }),
    answerMcpApproval: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'mcpApproval.settled') return;
      // No item id of our own: the server assigns one (a made-up `mcpr_…` could collide with the request's).
      enqueue.assign({ unacknowledged: [...context.unacknowledged, approvalKey(event.approvalId)] });
      enqueue.emit({
        type: 'send',
        event: {
          type: 'conversation.item.create',
          item: { type: 'mcp_approval_response', approval_request_id: event.approvalId, approve: event.approve, ...(event.reason ? { reason: event.reason } : {}) },
        } as ClientEvent,
      });
      // The model waits for the answer: ask it to go on (the response machine serializes this).
      enqueue.sendTo('response', { type: 'response.request' });
      if (event.approvalId in context.mcpApprovals) {
        enqueue.stopChild(event.approvalId);
        const { [event.approvalId]: _gone, ...rest } = context.mcpApprovals;
        enqueue.assign({ mcpApprovals: rest });
      }
    }),
    acknowledge: assign(({ context, event }) => {
      if (event.type !== 'conversation.item.added') return {};
      const { item } = event;
      const key = item.type === 'function_call_output' ? item.call_id : item.type === 'mcp_approval_response' ? approvalKey(item.approval_request_id) : undefined;
      return key !== undefined && context.unacknowledged.includes(key) ? { unacknowledged: context.unacknowledged.filter((k) => k !== key) } : {};
    }),
    emitNativeMcp: emit(({ event }) => ({ type: 'nativeMcp' as const, event: event as ServerEvent })),
    emitOutbound: emit(({ event }) => ({ type: 'send' as const, event: (event as Outbound).event })),
    emitApprovalRequested: emit(({ event }) => ({ type: 'approval.requested' as const, request: (event as ToolCallApprovalRequested).request })),
    applyCatalog: assign(({ event, context }) =>
      event.type === 'catalog.changed' ? { tools: event.tools, toolInfo: event.toolInfo ?? context.toolInfo } : {},
    ),
    reportError: emit(({ event }) => ({ type: 'session.error' as const, error: (event as Extract<ServerEvent, { type: 'error' }>).error })),
    teardownCalls: enqueueActions(({ context, enqueue }) => {
      for (const callId of Object.keys(context.calls)) enqueue.sendTo(callId, { type: 'call.teardown' });
      for (const approvalId of Object.keys(context.mcpApprovals)) enqueue.stopChild(approvalId);
    }),
    endFromEvent: assign(({ context, event }) => {
      if (context.end) return {};
      if (event.type === 'error' && event.error.code === 'session_expired') return { end: { reason: 'session_expired', message: event.error.message } as SessionEndReason };
      if (event.type === 'error') return { end: { reason: 'session_update_rejected', error: event.error } as SessionEndReason };
      if (event.type === 'transport.closed') return { end: { reason: 'socket_closed', code: event.code, detail: event.reason } as SessionEndReason };
      return { end: { reason: 'closed_by_host' } as SessionEndReason };
    }),
    emitEnded: emit(({ context }) => ({ type: 'session.ended' as const, end: context.end ?? { reason: 'closed_by_host' } })),
  },
}).createMachine({
  id: 'session',
  context: ({ input }) => ({ tools: input.tools, toolInfo: input.toolInfo ?? {}, input, sticky: {}, calls: {}, mcpApprovals: {}, unacknowledged: [], batches: {} }),
  initial: 'connecting',
  on: {
    // Before the session is configured, a new catalog only replaces the tools the first update will carry.
    'catalog.changed': { actions: 'applyCatalog' },
    'transport.closed': { target: '.closed', actions: ['endFromEvent', 'teardownCalls'] },
    'session.close': { target: '.closed', actions: ['endFromEvent', 'teardownCalls'] },
  },
  states: {
    connecting: {
      on: { 'session.created': { target: 'configuring' } },
    },
    configuring: {
      entry: 'sendSessionUpdate',
      on: {
        'session.updated': { target: 'ready' },
        error: [
          { guard: 'isSessionExpired', target: 'closed', actions: 'endFromEvent' },
          { target: 'closed', actions: ['reportError', 'endFromEvent'] },
        ],
        'catalog.changed': { actions: ['applyCatalog', 'sendSessionUpdate'] },
      },
    },
    ready: {
      entry: emit({ type: 'session.ready' }),
      invoke: { id: 'response', systemId: 'response', src: 'response' },
      on: {
        'response.created': { actions: 'forwardToResponse' },
        'response.output_item.added': { guard: 'isFunctionCallAdded', actions: 'spawnToolCall' },
        'response.function_call_arguments.delta': { actions: 'forwardToToolCall' },
        'response.output_item.done': { actions: 'forwardToToolCall' },
        'response.done': { actions: ['forwardToResponse', 'finishResponse'] },
        'input_audio_buffer.speech_started': { actions: 'bargeIn' },
        error: [{ guard: 'isSessionExpired', target: 'closed', actions: ['endFromEvent', 'teardownCalls'] }, { actions: ['forwardToResponse', 'reportError'] }],
        'catalog.changed': { actions: ['applyCatalog', 'sendSessionUpdate'] },
        'approval.answer': { actions: ['rememberSticky', 'forwardToToolCall'] },
        'toolCall.approvalRequested': { actions: 'emitApprovalRequested' },
        'toolCall.settled': { actions: 'settleToolCall' },
        'conversation.item.done': { guard: 'isMcpApprovalRequest', actions: 'startMcpApproval' },
        // Most added items answer nothing of ours; without the guard each would still cost an assign.
        'conversation.item.added': { guard: 'acknowledgesAnswer', actions: 'acknowledge' },
        'mcpApproval.settled': { actions: 'answerMcpApproval' },
        'mcp_list_tools.completed': { actions: 'emitNativeMcp' },
        'mcp_list_tools.failed': { actions: 'emitNativeMcp' },
        'response.mcp_call.completed': { actions: 'emitNativeMcp' },
        'response.mcp_call.failed': { actions: 'emitNativeMcp' },
        outbound: { actions: 'emitOutbound' },
      },
    },
    closed: {
      type: 'final',
      entry: 'emitEnded',
    },
  },
  output: ({ context }) => ({ ...(context.end ? { end: context.end } : {}) }),
});

export type SessionActor = ActorRefFrom<typeof sessionMachine>;
