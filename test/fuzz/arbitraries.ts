/**
 * fast-check generators of fuzz cases. `FuzzKnobs` narrow what is generated, so that one known bug
 * (prototype ids, say) does not hide the others behind it: each property picks the knobs it needs.
 */
import fc from 'fast-check';
import { callNames, oddIds, plainIds, prototypeIds, type CallPlan, type FuzzCase, type FuzzScript, type Insertion, type PeerStep, type ProxyPlan, type TurnPlan } from './fuzzScript.js';
import { toolBehaviours } from './scriptedMcpServer.js';

export interface FuzzKnobs {
  /** Draw ids from the pool with `Object.prototype` names (and the empty, long and non-ASCII ones). */
  prototypeIds: boolean;
  /** Frames that do not decode, unknown types, wrong shapes. */
  garbage: boolean;
  /** Out-of-band responses (`conversation_id: null`). */
  outOfBand: boolean;
  /** Native `mcp_approval_request` items. */
  nativeApprovals: boolean;
  /** Host code that misbehaves: hooks that throw, approval handlers that throw or answer garbage. */
  hostileHost: boolean;
  /** Steps duplicated, swapped, dropped; completed items without `added`. */
  reorders: boolean;
}

export const allKnobs: FuzzKnobs = { prototypeIds: true, garbage: true, outOfBand: true, nativeApprovals: true, hostileHost: true, reorders: true };

/** Frames that must not decode (or decode to something the session ignores), as the wire would carry them. */
export const garbageFrames: readonly string[] = [
  '{"type":',
  'null',
  '[]',
  '42',
  '"response.done"',
  '{}',
  '{"type":"response.done"}',
  '{"type":"response.done","response":{"id":"toString"}}',
  '{"type":"response.output_item.added","response_id":"resp_1","output_index":0,"item":5}',
  '{"type":"response.output_item.done","response_id":"resp_1","output_index":0,"item":{"type":"function_call","name":"act","arguments":"{}","status":"completed"}}',
  '{"type":"response.function_call_arguments.delta","call_id":"toString"}',
  '{"type":"__proto__"}',
  '{"type":"toString"}',
  '{"type":"constructor","response":{"id":"r","status":"completed"}}',
  '{"__proto__":{"type":"response.done"},"type":"response.created"}',
  '{"type":"session.created","session":"nope"}',
  '{"type":"error","error":null}',
  '{"type":"rate_limits.updated","rate_limits":[]}',
  '{"type":"response.output_audio.delta","response_id":"resp_1","item_id":"item_1","output_index":0,"content_index":0,"delta":"AAAA"}',
  '{"type":"conversation.item.created","item":{"type":"function_call_output","call_id":"call_a","output":"x"}}',
];

const errorCodes = ['conversation_already_has_active_response', 'response_cancel_not_active', 'invalid_value', null, 'session_expired'] as const;

function idPool(knobs: FuzzKnobs): fc.Arbitrary<string> {
  const ids: string[] = knobs.prototypeIds ? [...plainIds, ...prototypeIds, ...oddIds] : [...plainIds];
  return fc.constantFrom(...ids);
}

function callPlan(knobs: FuzzKnobs): fc.Arbitrary<CallPlan> {
  const id = idPool(knobs);
  return fc.record({
    callId: id,
    itemId: id,
    name: fc.constantFrom(...callNames.filter((name) => knobs.prototypeIds || !['toString', '__proto__', 'valueOf'].includes(name))),
    status: fc.constantFrom('completed', 'completed', 'completed', 'incomplete'),
    args: fc.constantFrom('valid', 'valid', 'valid', 'valid', 'notJson', 'wrongShape'),
    behaviour: fc.constantFrom(...toolBehaviours, 'answer', 'answer'),
    deltas: fc.nat(2),
    added: knobs.reorders ? fc.constantFrom(true, true, true, true, true, false) : fc.constant(true),
    argumentsDone: fc.boolean(),
  });
}

function turnPlan(knobs: FuzzKnobs): fc.Arbitrary<TurnPlan> {
  const id = idPool(knobs);
  return fc.record(
    {
      responseId: id,
      eventId: id,
      outOfBand: knobs.outOfBand ? fc.constantFrom(false, false, false, false, true) : fc.constant(false),
      created: fc.constantFrom(true, true, true, true, true, false),
      calls: fc.array(callPlan(knobs), { minLength: 0, maxLength: 3 }),
      interleaved: fc.boolean(),
      end: fc.constantFrom('completed', 'completed', 'completed', 'cancelled', 'incomplete', 'failed', 'none'),
      bargeInAt: fc.nat(12),
    },
    { requiredKeys: ['responseId', 'eventId', 'outOfBand', 'created', 'calls', 'interleaved', 'end'] },
  );
}

function disturbance(knobs: FuzzKnobs): fc.Arbitrary<PeerStep> {
  const id = idPool(knobs);
  const frame = (arbitrary: fc.Arbitrary<object | string>) => arbitrary.map((f): PeerStep => ({ kind: 'frame', frame: f }));
  const choices: Array<fc.WeightedArbitrary<PeerStep>> = [
    { weight: 6, arbitrary: fc.boolean().map((accept): PeerStep => ({ kind: 'answerCreate', accept })) },
    { weight: 3, arbitrary: fc.constant<PeerStep>({ kind: 'finishReply' }) },
    { weight: 4, arbitrary: fc.constant<PeerStep>({ kind: 'release' }) },
    { weight: 2, arbitrary: fc.constantFrom(100, 1_000, 10_000, 70_000).map((ms): PeerStep => ({ kind: 'time', ms })) },
    { weight: 2, arbitrary: fc.record({ approve: fc.boolean(), pick: fc.nat(3) }).map((a): PeerStep => ({ kind: 'host', ...a })) },
    { weight: 2, arbitrary: frame(id.map((itemId) => ({ type: 'input_audio_buffer.speech_started', audio_start_ms: 0, item_id: itemId }))) },
    {
      weight: 2,
      arbitrary: frame(
        fc.record({ code: fc.constantFrom(...errorCodes), eventId: id }).map(({ code, eventId }) => ({
          type: 'error',
          event_id: eventId,
          error: { type: 'invalid_request_error', ...(code === null ? {} : { code }), message: `fuzz error ${String(code)}` },
        })),
      ),
    },
    { weight: 1, arbitrary: frame(id.map((callId) => ({ type: 'conversation.item.added', item: { id: 'item_out', type: 'function_call_output', call_id: callId, output: 'x' } }))) },
    { weight: 1, arbitrary: frame(fc.constant({ type: 'session.updated', session: { type: 'realtime' } })) },
    { weight: 1, arbitrary: fc.constantFrom(1000, 1006, 4000).map((code): PeerStep => ({ kind: 'close', code })) },
  ];
  if (knobs.nativeApprovals) {
    choices.push({
      weight: 2,
      arbitrary: frame(
        fc.record({ id, name: fc.constantFrom('ask_question', 'toString', 'delete_repo') }).map(({ id: requestId, name }) => ({
          type: 'conversation.item.done',
          item: { id: requestId, type: 'mcp_approval_request', server_label: 'deepwiki', name, arguments: '{"repo":"x"}' },
        })),
      ),
    });
  }
  if (knobs.garbage) choices.push({ weight: 3, arbitrary: frame(fc.constantFrom(...garbageFrames)) });
  return fc.oneof(...choices);
}

export function fuzzScript(knobs: FuzzKnobs): fc.Arbitrary<FuzzScript> {
  return fc.record({
    turns: fc.array(turnPlan(knobs), { minLength: 1, maxLength: 4 }),
    insertions: fc.array(fc.record({ at: fc.nat(60), step: disturbance(knobs) }) as fc.Arbitrary<Insertion>, { maxLength: 10 }),
    perturbations: knobs.reorders ? fc.array(fc.record({ op: fc.constantFrom('duplicate', 'swap', 'drop'), at: fc.nat(60) }), { maxLength: 3 }) : fc.constant([]),
    bursts: fc.array(fc.nat(60), { maxLength: 4 }),
  });
}

export function proxyPlan(knobs: FuzzKnobs): fc.Arbitrary<ProxyPlan> {
  const answers = knobs.hostileHost
    ? (['approve', 'deny', 'approveObject', 'denyObject', 'throw', 'garbage', 'never', 'host', 'none'] as const)
    : (['approve', 'deny', 'approveObject', 'denyObject', 'host', 'none'] as const);
  return fc.record(
    {
      mode: fc.constantFrom('never', 'always', 'auto'),
      answer: fc.constantFrom(...answers),
      approvalTimeoutMs: fc.constantFrom(1_000, 60_000),
      allowlist: fc.constantFrom('none', 'array', 'predicate'),
      toolTimeoutMs: fc.constantFrom(500, 30_000),
      throwingOnEvent: knobs.hostileHost ? fc.constantFrom(false, false, false, true) : fc.constant(false),
      throwingOnError: knobs.hostileHost ? fc.constantFrom(false, false, false, true) : fc.constant(false),
    },
    { requiredKeys: ['mode', 'answer', 'approvalTimeoutMs', 'allowlist', 'throwingOnEvent', 'throwingOnError'] },
  );
}

export function fuzzCase(knobs: FuzzKnobs): fc.Arbitrary<FuzzCase> {
  return fc.record({ proxy: proxyPlan(knobs), script: fuzzScript(knobs) });
}
