/**
 * A peer that refuses every `response.create` with `conversation_already_has_active_response` and
 * keeps its own responses coming (created → done), with time passing in between: the proxy must
 * give up after a few tries instead of asking again after every `response.done`.
 */
import fc from 'fast-check';
import type { PeerStep, ProxyPlan } from './fuzzScript.js';

export interface RefusalStorm {
  cycles: number;
  /** Fake milliseconds between cycles (room for a backoff). */
  pauseMs: number;
  /** The refusal comes before the racing response is created, or after. */
  refuseFirst: boolean;
}

export const refusalStorm: fc.Arbitrary<RefusalStorm> = fc.record({
  cycles: fc.integer({ min: 8, max: 30 }),
  pauseMs: fc.constantFrom(0, 50, 1_000, 10_000),
  refuseFirst: fc.boolean(),
});

export const stormProxyPlan: ProxyPlan = { mode: 'never', answer: 'none', approvalTimeoutMs: 60_000, allowlist: 'none', throwingOnEvent: false, throwingOnError: false };

export function refusalStormSteps(storm: RefusalStorm): PeerStep[] {
  const frame = (body: object): PeerStep => ({ kind: 'frame', frame: body });
  const response = (id: string, status: string) => ({ id, object: 'realtime.response', status, output: [], conversation_id: 'conv_fuzz' });
  const call = { id: 'item_1', type: 'function_call', call_id: 'call_a', name: 'peek', arguments: '{"call":"call_a","behave":"answer"}' };
  const steps: PeerStep[] = [
    frame({ type: 'session.created', session: { type: 'realtime' } }),
    frame({ type: 'session.updated', session: { type: 'realtime' } }),
    frame({ type: 'response.created', response: response('resp_1', 'in_progress') }),
    frame({ type: 'response.output_item.added', response_id: 'resp_1', output_index: 0, item: { ...call, status: 'in_progress', arguments: '' } }),
    frame({ type: 'response.output_item.done', response_id: 'resp_1', output_index: 0, item: { ...call, status: 'completed' } }),
    frame({ type: 'response.done', response: response('resp_1', 'completed') }),
  ];
  for (let cycle = 0; cycle < storm.cycles; cycle++) {
    const racing = [frame({ type: 'response.created', response: response(`resp_vad_${cycle}`, 'in_progress') })];
    const refusal: PeerStep = { kind: 'answerCreate', accept: false };
    steps.push(...(storm.refuseFirst ? [refusal, ...racing] : [...racing, refusal]));
    steps.push(frame({ type: 'response.done', response: response(`resp_vad_${cycle}`, 'completed') }));
    if (storm.pauseMs > 0) steps.push({ kind: 'time', ms: storm.pauseMs });
  }
  return steps;
}
