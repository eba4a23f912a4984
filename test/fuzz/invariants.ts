/**
 * The promises of issue 10, checked on one fuzz run. Each invariant has a name and returns what
 * broke it (empty when it held), so that each property of the fuzzer checks one promise and its
 * counterexample shrinks for that promise alone.
 */
import type { ClientEvent } from '../../src/protocol/generated/types.js';
import type { FuzzRun } from './runFuzzCase.js';
import { CLOSE_BOUND_MS } from './runFuzzCase.js';
import { readOnlyTools, type McpExecution } from './scriptedMcpServer.js';
import type { CallFacts } from './sessionFacts.js';

/** More `response.create` than this for one answer (an output, a native approval response) is amplification. */
export const MAX_CREATES_PER_REQUEST = 5;

export const invariants = {
  noUncaught: 'no uncaught exception or unhandled rejection',
  exactlyOneOutput: 'exactly one function_call_output per completed call_id (none for incomplete or out-of-band ones)',
  noCreateWhileActive: 'no response.create while a default-conversation response is active',
  noIncompleteExecution: 'no MCP execution of a call the live session did not see completed first',
  noOutOfBandExecution: 'no MCP execution of an out-of-band call',
  noUnapprovedExecution: 'no MCP execution of a call that needs an approval the host did not give',
  noDisallowedExecution: 'no MCP execution of a tool outside the allowlist, or other than the one the call names',
  atMostOneExecution: 'at most one MCP execution per call_id',
  boundedClose: `close() resolves within ${CLOSE_BOUND_MS} ms and releases calls, approvals and MCP sessions`,
  acceptedSends: 'every frame the proxy sends passes the strict encoder, and none is sent after the end',
  nativeApprovals: 'exactly one mcp_approval_response per native approval request, approving only what was approved',
  boundedCreates: `at most ${MAX_CREATES_PER_REQUEST} response.create per answer that needs one (refusals retried with a cap)`,
} as const;

export type InvariantName = keyof typeof invariants;

type Check = (run: FuzzRun) => string[];

const outputsByCall = (sent: readonly ClientEvent[]): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const event of sent) {
    if (event.type === 'conversation.item.create' && event.item.type === 'function_call_output') counts.set(event.item.call_id, (counts.get(event.item.call_id) ?? 0) + 1);
  }
  return counts;
};

const needsApproval = (run: FuzzRun, functionName: string): boolean =>
  run.proxyPlan.mode === 'always' || (run.proxyPlan.mode === 'auto' && !readOnlyTools.has(functionName));

/** Each MCP execution the rule objects to, as "<tool> ran for call <id> <why>". */
function executionsWith(run: FuzzRun, objection: (execution: McpExecution, facts: CallFacts | undefined) => string | undefined): string[] {
  const broken: string[] = [];
  for (const execution of run.executions) {
    const facts = execution.callId === undefined ? undefined : run.peer.facts.calls.get(execution.callId);
    const why = objection(execution, facts);
    if (why !== undefined) broken.push(`${execution.tool} ran for call ${JSON.stringify(execution.callId)} ${why}`);
  }
  return broken;
}

export const checks: Record<InvariantName, Check> = {
  noUncaught: (run) => run.uncaught,

  exactlyOneOutput: (run) => {
    const outputs = outputsByCall(run.peer.sent);
    const broken: string[] = [];
    for (const [callId, count] of outputs) {
      if (count > 1) broken.push(`call_id ${JSON.stringify(callId)} got ${count} outputs`);
      if (!run.peer.facts.calls.has(callId)) broken.push(`an output for call_id ${JSON.stringify(callId)}, which the live session never saw`);
    }
    for (const facts of run.peer.facts.calls.values()) {
      if (facts.ambiguous || facts.firstDone === undefined) continue;
      const count = outputs.get(facts.callId) ?? 0;
      const id = JSON.stringify(facts.callId);
      if (facts.outOfBand && count > 0) broken.push(`out-of-band call ${id} got ${count} output(s)`);
      else if (!facts.outOfBand && facts.firstDone === 'incomplete' && count > 0) broken.push(`incomplete call ${id} got ${count} output(s)`);
      else if (!facts.outOfBand && facts.firstDone === 'completed' && count === 0 && run.liveAtEnd) broken.push(`completed call ${id} got no output (the session is still live)`);
    }
    return broken;
  },

  noCreateWhileActive: (run) => run.peer.createsWhileActive.map((active) => `response.create sent while ${active.map((id) => JSON.stringify(id)).join(', ')} active`),

  noIncompleteExecution: (run) =>
    executionsWith(run, (execution, facts) =>
      facts?.firstDone === undefined ? 'which the live session never saw completed' : facts.firstDone === 'incomplete' && !facts.ambiguous ? 'whose first output_item.done was incomplete (or whose response ended without it)' : undefined,
    ),

  noOutOfBandExecution: (run) => executionsWith(run, (execution, facts) => (facts?.outOfBand && !facts.ambiguous ? 'of an out-of-band response' : undefined)),

  noUnapprovedExecution: (run) =>
    executionsWith(run, (execution) =>
      needsApproval(run, execution.tool) && !run.approved.has(execution.callId!) ? `without an approval (mode ${run.proxyPlan.mode}, onRequest ${run.proxyPlan.answer})` : undefined,
    ),

  noDisallowedExecution: (run) =>
    executionsWith(run, (execution, facts) =>
      execution.tool === 'hidden' && run.proxyPlan.allowlist !== 'none'
        ? `though the allowlist (${run.proxyPlan.allowlist}) leaves it out`
        : facts && !facts.names.has(execution.tool)
          ? `announced as ${[...facts.names].join('/')}`
          : undefined,
    ),

  atMostOneExecution: (run) => {
    const counts = new Map<string, number>();
    for (const execution of run.executions) if (execution.callId !== undefined) counts.set(execution.callId, (counts.get(execution.callId) ?? 0) + 1);
    return [...counts].filter(([, count]) => count > 1).map(([callId, count]) => `call_id ${JSON.stringify(callId)} ran ${count} times`);
  },

  boundedClose: (run) => {
    const { close } = run;
    return [
      ...(close.failure ? [close.failure] : []),
      ...(close.resolved ? [] : [`close() did not resolve within ${CLOSE_BOUND_MS} ms`]),
      ...(close.endedResolved ? [] : ['proxy.ended never resolved']),
      ...(close.runningCalls.length > 0 ? [`calls still running after close: ${JSON.stringify(close.runningCalls)}`] : []),
      ...(close.pendingApprovals.length > 0 ? [`approvals still pending after close: ${JSON.stringify(close.pendingApprovals)}`] : []),
      ...(close.openMcpSessions > 0 ? [`${close.openMcpSessions} MCP session(s) left open`] : []),
    ];
  },

  acceptedSends: (run) =>
    run.peer.refused.map((refusal) =>
      refusal.code === 'not_open' ? `${refusal.type} sent after the session ended` : `${refusal.type} refused by the encoder (${refusal.code}): ${refusal.message}`,
    ),

  nativeApprovals: (run) => {
    const broken: string[] = [];
    const answers = new Map<string, boolean[]>();
    for (const event of run.peer.sent) {
      if (event.type !== 'conversation.item.create' || event.item.type !== 'mcp_approval_response') continue;
      const id = event.item.approval_request_id;
      answers.set(id, [...(answers.get(id) ?? []), event.item.approve]);
    }
    for (const requestId of run.peer.facts.nativeRequests) {
      const given = answers.get(requestId) ?? [];
      const id = JSON.stringify(requestId);
      if (given.length > 1) broken.push(`native approval ${id} answered ${given.length} times`);
      if (given.length === 0 && run.liveAtEnd) broken.push(`native approval ${id} never answered (the session is still live)`);
      if (given.includes(true) && run.proxyPlan.mode !== 'never' && !run.approved.has(requestId)) broken.push(`native approval ${id} approved though the host did not approve it (onRequest ${run.proxyPlan.answer})`);
    }
    for (const requestId of answers.keys()) if (!run.peer.facts.nativeRequests.has(requestId)) broken.push(`an mcp_approval_response for ${JSON.stringify(requestId)}, which the live session never saw requested`);
    return broken;
  },

  boundedCreates,
};

/** @see invariants.boundedCreates */
function boundedCreates(run: FuzzRun): string[] {
  const answers = run.peer.sent.filter((event) => event.type === 'conversation.item.create' && (event.item.type === 'function_call_output' || event.item.type === 'mcp_approval_response')).length;
  const creates = run.peer.sent.filter((event) => event.type === 'response.create').length;
  return creates > MAX_CREATES_PER_REQUEST * Math.max(answers, 1) ? [`${creates} response.create for ${answers} answer(s)`] : [];
}

/** A failure message naming the invariant, what broke it, and the frames that led there. */
export function describeViolation(name: InvariantName, broken: string[], run: FuzzRun): string {
  return [
    `Invariant broken: ${invariants[name]}`,
    ...broken.map((line) => `  - ${line}`),
    `Proxy options: ${JSON.stringify(run.proxyPlan)}`,
    'Peer steps ("+" = same event-loop turn as the step before):',
    ...run.peer.played.map((line, i) => `  ${String(i).padStart(3)} ${line}`),
    ...(run.errors.length > 0 ? ['Proxy errors:', ...run.errors.slice(0, 8).map((error) => `  ${error.code}: ${error.message}`)] : []),
    ...(run.consoleLines.length > 0 ? ['Console:', ...run.consoleLines.slice(0, 4).map((line) => `  ${line.split('\n')[0]}`)] : []),
  ].join('\n');
}
