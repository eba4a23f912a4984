/**
 * What one fuzz case plays: the proxy's options and a script for the fake Realtime peer. A script
 * is mostly meaningful (a session opening, then model responses with function calls: created →
 * added → argument deltas → done completed/incomplete → response.done) and then disturbed:
 * steps inserted at random places (barge-ins, refusals, errors, native approval requests, garbage,
 * host answers, time passing, MCP answers released, the socket closing) and steps duplicated,
 * swapped or dropped. Shrinking works on each part separately, so a counterexample shrinks to few
 * turns, few calls and few disturbances.
 */
import type { ToolBehaviour } from './scriptedMcpServer.js';

/** Wire ids come from one small pool, so they collide across kinds and with `Object.prototype`. */
export const plainIds = ['call_a', 'call_b', 'resp_1', 'item_1', 'mcpr_1'] as const;
export const prototypeIds = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'] as const;
export const oddIds = ['', 'ü 🙂 id', 'x'.repeat(300)] as const;

/** Function names the model calls: the MCP tools, one it does not have, and prototype names. */
export const callNames = ['act', 'peek', 'hidden', 'valueOf', 'no_such_tool', 'toString', '__proto__'] as const;

export type ArgumentsShape = 'valid' | 'notJson' | 'wrongShape';
export type ItemStatus = 'completed' | 'incomplete';
export type ResponseEnd = 'completed' | 'cancelled' | 'incomplete' | 'failed' | 'none';

export interface CallPlan {
  callId: string;
  itemId: string;
  name: string;
  status: ItemStatus;
  args: ArgumentsShape;
  behaviour: ToolBehaviour;
  /** How many `response.function_call_arguments.delta` frames carry the arguments. */
  deltas: number;
  /** Whether `response.output_item.added` comes first (a done without it must still be answered). */
  added: boolean;
  argumentsDone: boolean;
}

export interface TurnPlan {
  responseId: string;
  eventId: string;
  /** `conversation: "none"`: the response reports `conversation_id: null`. */
  outOfBand: boolean;
  created: boolean;
  calls: CallPlan[];
  /** Each call's frames together, or every `added` before every `done`. */
  interleaved: boolean;
  end: ResponseEnd;
  /** Where in the turn the user starts speaking (`input_audio_buffer.speech_started`). */
  bargeInAt?: number;
}

export type PeerStep =
  | { kind: 'frame'; frame: object | string }
  /** Answers the oldest unanswered `response.create`: `response.created`, or the active-response refusal. */
  | { kind: 'answerCreate'; accept: boolean }
  /** `response.done` (completed) for the oldest accepted reply. */
  | { kind: 'finishReply' }
  /** The oldest MCP call waiting (behaviour `slow`) answers. */
  | { kind: 'release' }
  | { kind: 'time'; ms: number }
  /** The host answers a pending approval through `proxy.approve` / `proxy.deny`. */
  | { kind: 'host'; approve: boolean; pick: number }
  | { kind: 'close'; code: number };

export interface Insertion {
  at: number;
  step: PeerStep;
}

export interface Perturbation {
  op: 'duplicate' | 'swap' | 'drop';
  at: number;
}

export interface FuzzScript {
  turns: TurnPlan[];
  insertions: Insertion[];
  perturbations: Perturbation[];
  /** Steps delivered in the same turn of the event loop as the one before (no MCP answer in between). */
  bursts: number[];
}

export type ApprovalAnswerPlan = 'approve' | 'deny' | 'approveObject' | 'denyObject' | 'throw' | 'garbage' | 'never' | 'host' | 'none';

export interface ProxyPlan {
  mode: 'never' | 'always' | 'auto';
  /** What `approval.onRequest` does (`none`: no handler, the host answers or the approval expires). */
  answer: ApprovalAnswerPlan;
  approvalTimeoutMs: number;
  allowlist: 'none' | 'array' | 'predicate';
  toolTimeoutMs?: number;
  throwingOnEvent: boolean;
  throwingOnError: boolean;
}

export interface FuzzCase {
  proxy: ProxyPlan;
  script: FuzzScript;
}

const OPENING: PeerStep[] = [
  { kind: 'frame', frame: { type: 'session.created', event_id: 'event_open', session: { type: 'realtime', id: 'sess_fuzz' } } },
  { kind: 'frame', frame: { type: 'session.updated', event_id: 'event_open', session: { type: 'realtime', id: 'sess_fuzz' } } },
];

/** The steps of a script, in the order the peer plays them; `burst` marks steps played without a pause before them. */
export function flattenScript(script: FuzzScript): Array<PeerStep & { burst?: true }> {
  let steps: PeerStep[] = [...OPENING, ...script.turns.flatMap(turnSteps)];
  for (const { at, step } of script.insertions) {
    const index = at % (steps.length + 1);
    steps = [...steps.slice(0, index), step, ...steps.slice(index)];
  }
  for (const { op, at } of script.perturbations) {
    if (steps.length === 0) break;
    const index = at % steps.length;
    if (op === 'duplicate') steps = [...steps.slice(0, index + 1), steps[index]!, ...steps.slice(index + 1)];
    else if (op === 'drop') steps = [...steps.slice(0, index), ...steps.slice(index + 1)];
    else if (index + 1 < steps.length) steps = [...steps.slice(0, index), steps[index + 1]!, steps[index]!, ...steps.slice(index + 2)];
  }
  const bursts = new Set(script.bursts.map((at) => at % Math.max(steps.length, 1)));
  return steps.map((step, index) => (bursts.has(index) && index > 0 ? { ...step, burst: true as const } : step));
}

export function argumentsText(call: Pick<CallPlan, 'callId' | 'args' | 'behaviour'>): string {
  if (call.args === 'notJson') return '{"call": ';
  if (call.args === 'wrongShape') return JSON.stringify({ call: 7, behave: call.behaviour });
  return JSON.stringify({ call: call.callId, behave: call.behaviour });
}

function turnSteps(turn: TurnPlan): PeerStep[] {
  const frame = (body: object): PeerStep => ({ kind: 'frame', frame: { event_id: turn.eventId, ...body } });
  const conversation = { conversation_id: turn.outOfBand ? null : 'conv_fuzz' };
  const steps: PeerStep[] = [];
  if (turn.created) steps.push(frame({ type: 'response.created', response: { id: turn.responseId, object: 'realtime.response', status: 'in_progress', output: [], ...conversation } }));
  const item = (call: CallPlan, index: number, status: 'in_progress' | ItemStatus, args: string) => ({
    response_id: turn.responseId,
    output_index: index,
    item: { id: call.itemId, type: 'function_call', status, call_id: call.callId, name: call.name, arguments: args },
  });
  const opening = (call: CallPlan, index: number): PeerStep[] => {
    const text = argumentsText(call);
    const out: PeerStep[] = call.added ? [frame({ type: 'response.output_item.added', ...item(call, index, 'in_progress', '') })] : [];
    const size = Math.ceil(text.length / Math.max(call.deltas, 1));
    for (let d = 0; d < call.deltas; d++) {
      out.push(frame({ type: 'response.function_call_arguments.delta', response_id: turn.responseId, item_id: call.itemId, output_index: index, call_id: call.callId, delta: text.slice(d * size, (d + 1) * size) }));
    }
    return out;
  };
  const closing = (call: CallPlan, index: number): PeerStep[] => {
    const text = argumentsText(call);
    const out: PeerStep[] = [];
    if (call.argumentsDone) out.push(frame({ type: 'response.function_call_arguments.done', response_id: turn.responseId, item_id: call.itemId, output_index: index, call_id: call.callId, name: call.name, arguments: text }));
    out.push(frame({ type: 'response.output_item.done', ...item(call, index, call.status, text) }));
    return out;
  };
  if (turn.interleaved) turn.calls.forEach((call, i) => steps.push(...opening(call, i), ...closing(call, i)));
  else {
    turn.calls.forEach((call, i) => steps.push(...opening(call, i)));
    turn.calls.forEach((call, i) => steps.push(...closing(call, i)));
  }
  if (turn.bargeInAt !== undefined) {
    const at = turn.bargeInAt % (steps.length + 1);
    steps.splice(at, 0, frame({ type: 'input_audio_buffer.speech_started', audio_start_ms: 1000, item_id: 'item_user' }));
  }
  if (turn.end !== 'none') {
    const output = turn.calls.map((call) => item(call, 0, call.status, argumentsText(call)).item);
    steps.push(frame({ type: 'response.done', response: { id: turn.responseId, object: 'realtime.response', status: turn.end, output, ...conversation } }));
  }
  return steps;
}

/** A compact, readable line per step, for failure messages. */
export function describeStep(step: PeerStep & { burst?: true }): string {
  const prefix = step.burst ? '+ ' : '';
  if (step.kind !== 'frame') return `${prefix}[${Object.entries(step).map(([k, v]) => (k === 'kind' ? v : `${k}=${String(v)}`)).join(' ')}]`;
  return prefix + (typeof step.frame === 'string' ? `raw ${JSON.stringify(step.frame)}` : JSON.stringify(step.frame));
}
