/**
 * Runs one fuzz case through the whole proxy in memory: `createRealtimeMcpProxy` over the fake
 * peer's memory transport, the scripted MCP server behind the stdio factory, the proxy's options
 * from the case. Time is vitest's fake clock (the caller installs it): it moves only when the
 * script says so, and the peer pauses between steps with a real `setImmediate` (every promise
 * chain in memory settles), so a case plays the same way every time and shrinks.
 *
 * After the script the run settles: waiting MCP calls answer, the peer accepts pending
 * `response.create`s, the clock moves past every deadline. Then `close()` must resolve.
 */
import { vi } from 'vitest';
import type { ProxyError } from '../../src/errors.js';
import type { SessionEndReason } from '../../src/machines/session.js';
import type { ApprovalRequest } from '../../src/machines/types.js';
import { createRealtimeMcpProxy, type RealtimeMcpProxy } from '../../src/proxy/createRealtimeMcpProxy.js';
import type { ApprovalHandlerAnswer, RealtimeMcpProxyOptions } from '../../src/proxy/options.js';
import { createFuzzPeer, type FuzzPeer } from './fuzzPeer.js';
import { flattenScript, type FuzzCase, type PeerStep, type ProxyPlan } from './fuzzScript.js';
import { createScriptedMcpServer, type McpExecution } from './scriptedMcpServer.js';

/** Fake milliseconds the run gives `close()` (the MCP side is in memory: it needs none). */
export const CLOSE_BOUND_MS = 10_000;
/** Fake milliseconds per settling round: past the longest approval and tool deadlines the cases use. */
const SETTLE_ROUND_MS = 130_000;

export interface FuzzRun {
  proxyPlan: ProxyPlan;
  peer: FuzzPeer;
  executions: readonly McpExecution[];
  approvalRequests: ApprovalRequest[];
  /** Call ids and native request ids the host approved (onRequest answered true, or approve() returned true). */
  approved: Set<string>;
  errors: ProxyError[];
  uncaught: string[];
  /** What reached console.warn / console.error (xstate's "sent to stopped actor", say): kept out of the test output, shown with a failure. */
  consoleLines: string[];
  end?: SessionEndReason;
  /** The session was still live when the script and the settling were over. */
  liveAtEnd: boolean;
  close: { resolved: boolean; endedResolved: boolean; runningCalls: string[]; pendingApprovals: string[]; openMcpSessions: number; failure?: string };
}

export function runFuzzCase(fuzz: FuzzCase): Promise<FuzzRun> {
  return runPeerSteps(fuzz.proxy, flattenScript(fuzz.script));
}

export async function runPeerSteps(plan: ProxyPlan, steps: ReadonlyArray<PeerStep & { burst?: true }>): Promise<FuzzRun> {
  // A case starts on a clean clock: timers a previous case left behind must not fire in this one.
  vi.clearAllTimers();
  vi.setSystemTime(Date.UTC(2026, 0, 1));
  let ready = false;
  let ended = false;
  const peer = createFuzzPeer(() => ready && !ended);
  const mcp = createScriptedMcpServer();
  const run: FuzzRun = {
    proxyPlan: plan,
    peer,
    executions: mcp.executions,
    approvalRequests: [],
    approved: new Set(),
    errors: [],
    uncaught: [],
    consoleLines: [],
    liveAtEnd: false,
    close: { resolved: false, endedResolved: false, runningCalls: [], pendingApprovals: [], openMcpSessions: 0 },
  };
  const unanswered: ApprovalRequest[] = [];
  const approvalKey = (request: ApprovalRequest) => (request.kind === 'function' ? (request.callId ?? request.approvalId) : request.approvalId);

  const options: RealtimeMcpProxyOptions = {
    transport: peer.transport,
    servers: [mcp.config],
    mcp: { stdioTransport: mcp.stdioTransport },
    catalogCache: false,
    approval: {
      mode: plan.mode,
      timeoutMs: plan.approvalTimeoutMs,
      ...(plan.answer === 'none' ? {} : { onRequest: (request: ApprovalRequest) => answerApproval(plan, request, () => run.approved.add(approvalKey(request))) }),
    },
    ...(plan.allowlist === 'array' ? { allowedTools: ['fuzz/act', 'fuzz/peek', 'fuzz/valueOf'] } : plan.allowlist === 'predicate' ? { allowedTools: (tool) => tool.mcpName !== 'hidden' } : {}),
    ...(plan.toolTimeoutMs ? { timeouts: { defaultMs: plan.toolTimeoutMs } } : {}),
    hooks: {
      // The hooks record first, then misbehave when the plan says so: what they saw stays known.
      onEvent: (name, payload) => {
        if (name === 'session.ready') ready = true;
        if (name === 'session.ended') {
          ended = true;
          run.end = payload as SessionEndReason;
        }
        if (name === 'approval.requested') {
          run.approvalRequests.push(payload as ApprovalRequest);
          unanswered.push(payload as ApprovalRequest);
        }
        if (plan.throwingOnEvent) throw new Error(`fuzz: hooks.onEvent throws on ${name}`);
      },
      onError: (error) => {
        run.errors.push(error);
        if (plan.throwingOnError) throw new Error(`fuzz: hooks.onError throws on ${error.code}`);
      },
    },
  };

  const stopWatching = watchUncaught(run.uncaught);
  const quiet = (...args: unknown[]) => void run.consoleLines.push(args.map(String).join(' '));
  const consoleSpies = [vi.spyOn(console, 'warn').mockImplementation(quiet), vi.spyOn(console, 'error').mockImplementation(quiet)];
  const advance = async (ms: number) => {
    try {
      await vi.advanceTimersByTimeAsync(ms);
    } catch (error) {
      run.uncaught.push(`thrown from a timer: ${describeError(error)}`);
    }
  };
  // Timers due now (an error rethrown on a fresh stack, say) run, then every promise chain settles.
  const pause = async () => {
    try {
      vi.advanceTimersByTime(0);
    } catch (error) {
      run.uncaught.push(`thrown from a timer: ${describeError(error)}`);
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  };

  let proxy: RealtimeMcpProxy | undefined;
  try {
    proxy = createRealtimeMcpProxy(options);
    await proxy.start();
    for (const step of steps) {
      if (!step.burst) await pause();
      peer.log(step);
      play(step);
      if (step.kind === 'time') await advance(step.ms);
    }
    await pause();
    for (let round = 0; round < 6 && !ended; round++) {
      const before = fingerprint(run, mcp.waiting);
      mcp.releaseWaiting();
      while (peer.unansweredCreates > 0) {
        peer.answerCreate(true);
        peer.finishReply();
      }
      await pause();
      await advance(SETTLE_ROUND_MS);
      await pause();
      if (fingerprint(run, mcp.waiting) === before) break;
    }
    run.liveAtEnd = ready && !ended;
    await closeWithin(proxy, run, advance, pause);
    run.close.openMcpSessions = mcp.openSessions;
  } catch (error) {
    run.uncaught.push(`thrown by the proxy's API: ${describeError(error)}`);
  } finally {
    stopWatching();
    for (const spy of consoleSpies) spy.mockRestore();
  }
  return run;

  function play(step: PeerStep): void {
    switch (step.kind) {
      case 'frame':
        return peer.deliver(step.frame);
      case 'answerCreate':
        return peer.answerCreate(step.accept);
      case 'finishReply':
        return peer.finishReply();
      case 'release':
        mcp.release();
        return;
      case 'time':
        return;
      case 'close':
        return peer.close(step.code);
      case 'host': {
        if (unanswered.length === 0 || proxy === undefined) return;
        const [request] = unanswered.splice(step.pick % unanswered.length, 1);
        const accepted = step.approve ? proxy.approve(request!.approvalId) : proxy.deny(request!.approvalId, 'the fuzzer says no');
        if (accepted && step.approve) run.approved.add(approvalKey(request!));
        return;
      }
    }
  }
}

function answerApproval(plan: ProxyPlan, request: ApprovalRequest, approve: () => void): ApprovalHandlerAnswer | Promise<ApprovalHandlerAnswer> {
  switch (plan.answer) {
    case 'approve':
      approve();
      return true;
    case 'approveObject':
      approve();
      return { approved: true, reason: 'fuzz approves' };
    case 'deny':
      return false;
    case 'denyObject':
      return { approved: false, reason: 'fuzz denies' };
    case 'throw':
      throw new Error(`fuzz: onRequest throws for ${request.functionName}`);
    case 'garbage':
      // What a host written in plain JavaScript might return: a string where a boolean belongs.
      return { approved: 'false' } as unknown as ApprovalHandlerAnswer;
    case 'never':
      return new Promise<ApprovalHandlerAnswer>(() => undefined);
    default:
      return undefined;
  }
}

async function closeWithin(proxy: RealtimeMcpProxy, run: FuzzRun, advance: (ms: number) => Promise<void>, pause: () => Promise<void>): Promise<void> {
  void proxy.ended.then(() => (run.close.endedResolved = true));
  proxy.close().then(
    () => (run.close.resolved = true),
    (error: unknown) => (run.close.failure = describeError(error)),
  );
  await pause();
  await advance(CLOSE_BOUND_MS);
  await pause();
  try {
    const snapshot = proxy.snapshot();
    run.close.runningCalls = snapshot.runningCalls;
    run.close.pendingApprovals = snapshot.pendingApprovals.map((request) => request.approvalId);
  } catch (error) {
    run.close.failure = `snapshot() threw after close: ${describeError(error)}`;
  }
}

function fingerprint(run: FuzzRun, waiting: number): string {
  return `${run.peer.sent.length}/${run.peer.refused.length}/${run.executions.length}/${waiting}/${run.peer.unansweredCreates}/${run.approvalRequests.length}`;
}

/**
 * Replaces the process's exception listeners (vitest's own among them) for the run, so an escaping
 * exception is a finding of this case rather than a failure of the whole file.
 */
function watchUncaught(into: string[]): () => void {
  const exceptions = process.listeners('uncaughtException');
  const rejections = process.listeners('unhandledRejection');
  const listener = (error: unknown) => void into.push(`uncaught: ${describeError(error)}`);
  process.removeAllListeners('uncaughtException').removeAllListeners('unhandledRejection');
  process.on('uncaughtException', listener).on('unhandledRejection', listener);
  return () => {
    process.removeAllListeners('uncaughtException').removeAllListeners('unhandledRejection');
    for (const previous of exceptions) process.on('uncaughtException', previous);
    for (const previous of rejections) process.on('unhandledRejection', previous);
  };
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
