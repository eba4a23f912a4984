/**
 * One card per tool call, from the model's function-call events (arguments as they stream), the
 * proxy's `toolCall.started` / `toolCall.ended`, and approvals. Keyed by call id in Maps (ids are
 * wire data); an event for a card already settled never moves it back.
 */
import type { FeedEvent } from './feed';
import { idField, isFields, serverEventOf, textField, type Fields } from './serverEvents';
import { latencySegments, toolOutputOf, type LatencySegment, type ToolOutputView } from './toolOutput';

export type ToolCardStatus = 'streaming' | 'waiting-approval' | 'running' | 'done' | 'error' | 'denied';

export interface ToolCardApproval {
  approvalId: string;
  open: boolean;
  decision?: string;
  reason?: string;
  server?: string;
  tool?: string;
  destructive: boolean;
}

export interface ToolCard {
  callId: string;
  functionName: string;
  status: ToolCardStatus;
  arguments: string;
  argumentsComplete: boolean;
  /** The call's actor in the inspection records (`call-1`…). */
  actorId?: string;
  approval?: ToolCardApproval;
  /** The latest MCP progress notification, e.g. "3 / 10 · indexing". */
  progress?: string;
  code?: string;
  output?: ToolOutputView;
  latency: LatencySegment[];
  startedAt: number;
}

const SETTLED: ReadonlySet<ToolCardStatus> = new Set(['done', 'error', 'denied']);
const SPEAKING = new Set(['output_audio_buffer.started', 'response.output_audio_transcript.delta', 'response.audio_transcript.delta']);

export function deriveToolCards(events: readonly FeedEvent[]): ToolCard[] {
  const cards = new Map<string, ToolCard>();
  const callOfItem = new Map<string, string>();
  const callOfApproval = new Map<string, string>();
  const endedTimelines = new Map<string, Fields>();
  const speakingTimes: number[] = [];

  const card = (callId: string, at: number, functionName?: string): ToolCard => {
    let found = cards.get(callId);
    if (found === undefined) {
      found = { callId, functionName: functionName ?? '', status: 'streaming', arguments: '', argumentsComplete: false, latency: [], startedAt: at };
      cards.set(callId, found);
    } else if (functionName && !found.functionName) found.functionName = functionName;
    return found;
  };
  const move = (found: ToolCard, status: ToolCardStatus) => {
    if (!SETTLED.has(found.status)) found.status = status;
  };
  const completeArguments = (found: ToolCard, text: string | undefined) => {
    if (text !== undefined) found.arguments = text;
    found.argumentsComplete = true;
    if (found.status === 'streaming') move(found, 'running');
  };

  for (const event of events) {
    const server = serverEventOf(event);
    if (server !== undefined) {
      const type = server.type;
      if (SPEAKING.has(type)) speakingTimes.push(event.at);
      if ((type === 'response.output_item.added' || type === 'response.output_item.done') && isFields(server.item) && server.item.type === 'function_call') {
        const callId = idField(server.item, 'call_id');
        if (callId === undefined) continue;
        const itemId = idField(server.item, 'id');
        if (itemId !== undefined) callOfItem.set(itemId, callId);
        const found = card(callId, event.at, textField(server.item, 'name'));
        if (type === 'response.output_item.done') completeArguments(found, textField(server.item, 'arguments'));
      } else if (type === 'response.function_call_arguments.delta' || type === 'response.function_call_arguments.done') {
        const itemId = idField(server, 'item_id');
        const callId = idField(server, 'call_id') ?? (itemId !== undefined ? callOfItem.get(itemId) : undefined);
        if (callId === undefined) continue;
        const found = card(callId, event.at, textField(server, 'name'));
        if (type === 'response.function_call_arguments.done') completeArguments(found, textField(server, 'arguments'));
        else if (!found.argumentsComplete) found.arguments += textField(server, 'delta') ?? '';
      }
      continue;
    }
    if (!isFields(event.data)) continue;
    const data = event.data;
    if (event.type === 'toolCall.started') {
      const callId = idField(data, 'callId');
      if (callId === undefined) continue;
      const found = card(callId, event.at, textField(data, 'functionName'));
      const actorId = idField(data, 'actorId');
      if (actorId !== undefined) found.actorId = actorId;
    } else if (event.type === 'toolCall.progress') {
      const callId = idField(data, 'callId');
      const found = callId !== undefined ? cards.get(callId) : undefined;
      if (found === undefined || SETTLED.has(found.status) || !isFields(data.progress)) continue;
      found.progress = progressText(data.progress);
    } else if (event.type === 'approval.requested') {
      const approvalId = idField(data, 'approvalId');
      // A repeated request (a reconnect, a replay) never reopens an approval already seen.
      if (approvalId === undefined || callOfApproval.has(approvalId)) continue;
      // A native MCP approval has no call id: its card is keyed by the approval.
      const callId = idField(data, 'callId') ?? `approval:${approvalId}`;
      callOfApproval.set(approvalId, callId);
      const found = card(callId, event.at, textField(data, 'functionName'));
      if (!found.argumentsComplete) completeArguments(found, textField(data, 'arguments'));
      const annotations = isFields(data.annotations) ? data.annotations : {};
      const server = idField(data, 'server');
      const tool = idField(data, 'tool');
      found.approval = { approvalId, open: true, destructive: annotations.destructiveHint === true, ...(server ? { server } : {}), ...(tool ? { tool } : {}) };
      move(found, 'waiting-approval');
    } else if (event.type === 'approval.settled') {
      const approvalId = idField(data, 'approvalId');
      const callId = approvalId !== undefined ? callOfApproval.get(approvalId) : undefined;
      const found = callId !== undefined ? cards.get(callId) : undefined;
      if (found?.approval === undefined) continue;
      const decision = textField(data, 'decision') ?? 'unknown';
      const reason = textField(data, 'reason');
      found.approval = { ...found.approval, open: false, decision, ...(reason ? { reason: reason.slice(0, 500) } : {}) };
      move(found, decision === 'approved' ? 'running' : 'denied');
    } else if (event.type === 'toolCall.ended') {
      const callId = idField(data, 'callId');
      if (callId === undefined) continue;
      const found = card(callId, event.at, textField(data, 'functionName'));
      const code = textField(data, 'code');
      if (code !== undefined) found.code = code.slice(0, 40);
      if (!found.argumentsComplete || found.arguments === '') {
        const text = textField(data, 'arguments');
        if (text !== undefined) completeArguments(found, text);
      }
      found.output = toolOutputOf(data);
      move(found, code === 'ok' ? 'done' : code === 'denied' ? 'denied' : 'error');
      if (found.approval) found.approval = { ...found.approval, open: false };
      endedTimelines.set(callId, data);
    }
  }

  for (const [callId, timeline] of endedTimelines) {
    const outputSentAt = typeof timeline.outputSentAt === 'number' ? timeline.outputSentAt : undefined;
    const speakingAt = outputSentAt === undefined ? undefined : speakingTimes.find((at) => at >= outputSentAt);
    cards.get(callId)!.latency = latencySegments(timeline, speakingAt);
  }
  return [...cards.values()];
}

function progressText(progress: Fields): string | undefined {
  const done = typeof progress.progress === 'number' && Number.isFinite(progress.progress) ? progress.progress : undefined;
  if (done === undefined) return undefined;
  const total = typeof progress.total === 'number' && Number.isFinite(progress.total) ? ` / ${progress.total}` : '';
  const message = typeof progress.message === 'string' && progress.message !== '' ? ` · ${progress.message.slice(0, 200)}` : '';
  return `${done}${total}${message}`;
}
