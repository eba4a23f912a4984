/**
 * Plays a script on one session, step by step. Response steps stream what the model says and calls;
 * a call step then waits for every function_call_output and the client's response.create before it
 * speaks the reply. Injections (`bargeIn`, `activeResponseRace`) are armed and fire at the next
 * response step they fit. The first step that cannot go on ends the run with `{ ok: false, error }`.
 */
import type { PlanStep, ScriptCall } from './script.js';
import type { ActiveResponse, CallOutcome, Interrupt, ItemPlan } from './responses.js';
import { StepFailure, type SimulatorSession } from './session.js';
import { errorEvent, newId, renderReply } from './wire.js';

export interface ScriptRunResult {
  /** true when every step played. */
  readonly ok: boolean;
  /** How many steps played to the end. */
  readonly steps: number;
  /** "step <n> (<kind>): <why>" when a step failed. */
  readonly error?: string;
}

export interface ScriptState {
  status: 'waiting' | 'running' | 'passed' | 'failed';
  /** 1-based number of the step playing (or the last one played). */
  step: number;
  error?: string;
}

export interface PlayOptions {
  toolTimeoutMs: number;
  state: ScriptState;
}

type Armed = { bargeIn?: Extract<PlanStep, { kind: 'bargeIn' }> & { step: number }; race?: number };

/** The longest a race waits for the client's response.create before speaking anyway. */
const RACE_WAIT_MS = 2000;

export async function playScript(session: SimulatorSession, plan: readonly PlanStep[], options: PlayOptions): Promise<ScriptRunResult> {
  const { state } = options;
  const armed: Armed = {};
  state.status = 'running';
  let played = 0;
  try {
    for (const [i, step] of plan.entries()) {
      state.step = i + 1;
      if (session.closed) throw new StepFailure(`the connection closed (code ${session.closed.code}) before the step`);
      session.log(`step ${i + 1}/${plan.length}: ${step.kind}`);
      await playStep(session, step, i + 1, armed, options);
      played = i + 1;
    }
    if (armed.bargeIn) throw new StepFailure(`the bargeIn armed at step ${armed.bargeIn.step} (during ${armed.bargeIn.during}) never fired`);
    if (armed.race !== undefined) throw new StepFailure(`the activeResponseRace armed at step ${armed.race} never fired`);
    state.status = 'passed';
    session.log(`script passed (${played} steps)`);
    return { ok: true, steps: played };
  } catch (error) {
    if (!(error instanceof StepFailure)) throw error;
    const kind = plan[played]?.kind ?? 'end';
    const message = played < plan.length ? `step ${played + 1} (${kind}): ${error.message}` : `after the last step: ${error.message}`;
    state.status = 'failed';
    state.error = message;
    session.log(`script failed: ${message}`);
    return { ok: false, steps: played, error: message };
  }
}

async function playStep(session: SimulatorSession, step: PlanStep, number: number, armed: Armed, options: PlayOptions): Promise<void> {
  switch (step.kind) {
    case 'user':
      if (session.media.kind === 'peer') return userTurnFromSpeech(session, step.text, options.toolTimeoutMs);
      return session.finishUserTurn(session.speechStarted(), step.text);
    case 'say': {
      const response = await beginWhenIdle(session, options.toolTimeoutMs);
      await speak(session, response, [{ kind: 'message', text: step.text }], armed, ['audio']);
      return;
    }
    case 'calls':
      return playCalls(session, step, armed, options);
    case 'bargeIn':
      armed.bargeIn = { ...step, step: number };
      return;
    case 'activeResponseRace':
      armed.race = number;
      return;
    case 'unknownEvent':
      return session.send({ event_id: newId('event'), ...step.event });
    case 'betaNames':
      session.beta = step.on;
      return;
    case 'sessionExpired':
      session.send(errorEvent('session_expired', 'Your session hit the maximum duration of 60 minutes.'));
      return session.end(step.code, step.reason);
    case 'wait':
      await session.pause(step.ms);
      if (session.closed) throw new StepFailure(`the connection closed (code ${session.closed.code}) during the wait`);
      return;
    case 'close':
      return session.end(step.code, step.reason);
  }
}

/**
 * A user turn on a WebRTC call: the timing comes from voice activity on the caller's real audio
 * (speech started, then stopped), the transcript from the script.
 */
async function userTurnFromSpeech(session: SimulatorSession, text: string, timeoutMs: number): Promise<void> {
  const started = await session.waitFor(() => session.takeSpeech('started'), timeoutMs, "the caller's speech to start (voice activity on the call's incoming audio)");
  const turn = session.speechStarted(started.atMs);
  const stopped = await session.waitFor(() => session.takeSpeech('stopped'), timeoutMs, "the caller's speech to stop");
  session.finishUserTurn(turn, text, Math.max(stopped.atMs, turn.startMs));
}

/**
 * Starts a response once none is active in the default conversation (e.g. a reply the client asked
 * for). It starts inside the check, synchronously, so a response.create in the same batch of frames
 * already meets it.
 */
function beginWhenIdle(session: SimulatorSession, timeoutMs: number): Promise<ActiveResponse> {
  return session.waitFor(() => (session.active ? undefined : session.beginResponse()), timeoutMs, `the active response ${session.active?.id ?? ''} to end`);
}

/** Plays a response; a barge-in armed for one of `phases` may cut it, and the user's turn follows. */
async function speak(session: SimulatorSession, response: ActiveResponse, items: ItemPlan[], armed: Armed, phases: Interrupt['phase'][]) {
  const barge = armed.bargeIn;
  let turn: { itemId: string; startMs: number } | undefined;
  const interrupt: Interrupt | undefined =
    barge && barge.during !== 'toolCall' && phases.includes(barge.during)
      ? { phase: barge.during, afterDeltas: barge.afterDeltas, fire: () => (turn = session.speechStarted()) }
      : undefined;
  const outcome = await response.play(items, interrupt);
  if (outcome.status === 'aborted') throw new StepFailure(`the connection closed during ${response.id}`);
  if (turn && barge) {
    delete armed.bargeIn;
    session.log(`barge-in (during ${barge.during}) cancelled ${response.id}`);
    session.finishUserTurn(turn, barge.user);
  }
  if (outcome.status === 'cancelled' && outcome.reason === 'client_cancelled') session.log(`the client cancelled ${response.id}`);
  return outcome;
}

function resolveName(session: SimulatorSession, call: ScriptCall): string {
  if (call.name !== undefined) return call.name;
  const tools = session.conversation.functionTools();
  const tool = tools[call.toolFromSession ?? 0];
  if (!tool) {
    const names = tools.length === 0 ? 'none' : tools.map((t) => t.name).join(', ');
    throw new StepFailure(`toolFromSession ${call.toolFromSession} names no function tool: the session has ${tools.length} (${names}). Send the tools with session.update first, or name the tool`);
  }
  return tool.name;
}

async function playCalls(session: SimulatorSession, step: Extract<PlanStep, { kind: 'calls' }>, armed: Armed, options: PlayOptions): Promise<void> {
  const timeoutMs = step.timeoutMs ?? options.toolTimeoutMs;
  const items: ItemPlan[] = step.say === undefined ? [] : [{ kind: 'message', text: step.say }];
  for (const call of step.calls) {
    const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {});
    items.push({ kind: 'call', name: resolveName(session, call), arguments: args, chunks: call.chunks ?? 3, ...(call.callId ? { callId: call.callId } : {}), ...(call.itemId ? { itemId: call.itemId } : {}) });
  }
  const response = await beginWhenIdle(session, timeoutMs);
  const outcome = await speak(session, response, items, armed, ['arguments', 'audio']);
  if (outcome.interrupted) return;
  const completed = outcome.calls.filter((call) => call.status === 'completed');
  session.log(`${response.id} ${outcome.status}: ${outcome.calls.map((c) => `${c.name} ${c.callId} ${c.status}`).join(', ')}`);
  if (armed.bargeIn?.during === 'toolCall' && completed.length > 0) {
    const barge = armed.bargeIn;
    delete armed.bargeIn;
    session.log(`barge-in (during toolCall) while ${completed.map((c) => c.callId).join(', ')} pending`);
    session.finishUserTurn(session.speechStarted(), barge.user);
  }
  if (step.reply === null || completed.length === 0) return;
  const reply = armed.race === undefined ? await claimReply(session, completed, timeoutMs) : await raceReply(session, completed, timeoutMs, armed);
  const outputs = completed.map((call) => session.conversation.outputFor(call.callId) ?? '');
  await speak(session, reply, [{ kind: 'message', text: renderReply(step.reply, outputs) }], armed, ['audio']);
}

function missingOutputs(session: SimulatorSession, calls: CallOutcome[]): string[] {
  return calls.filter((call) => session.conversation.outputFor(call.callId) === undefined).map((call) => call.callId);
}

/** Waits for every output and the client's response.create, and answers that response.create. */
async function claimReply(session: SimulatorSession, calls: CallOutcome[], timeoutMs: number): Promise<ActiveResponse> {
  let claimed: ActiveResponse | undefined;
  let early: string | undefined;
  session.claimant = (params) => {
    const missing = missingOutputs(session, calls);
    if (missing.length > 0) {
      early = `the client sent response.create before the function_call_output of ${missing.join(', ')}`;
      return undefined;
    }
    claimed = session.beginResponse(params);
    return claimed;
  };
  try {
    return await session.waitFor(
      () => {
        if (early) throw new StepFailure(early);
        return claimed;
      },
      timeoutMs,
      `the function_call_output of ${calls.map((c) => c.callId).join(', ')} and a response.create`,
    );
  } finally {
    session.claimant = undefined;
  }
}

/** Starts the reply itself as soon as the outputs are in, so the client's response.create meets an active response. */
async function raceReply(session: SimulatorSession, calls: CallOutcome[], timeoutMs: number, armed: Armed): Promise<ActiveResponse> {
  delete armed.race;
  const ids = calls.map((c) => c.callId).join(', ');
  let seen = 0;
  const start = (): ActiveResponse | undefined => {
    if (missingOutputs(session, calls).length > 0 || session.active) return undefined;
    seen = session.responseCreates;
    return session.beginResponse();
  };
  // Started inside the check, right after the last output is handled: a response.create sent with it meets an active response.
  const response = await session.waitFor(start, timeoutMs, `the function_call_output of ${ids}`);
  session.log(`activeResponseRace: started ${response.id} before the client's response.create`);
  const asked = (): boolean => session.responseCreates > seen;
  await session
    .waitFor(() => (asked() || response.cancelReason ? true : undefined), Math.min(timeoutMs, RACE_WAIT_MS), "the client's response.create")
    .catch((error: unknown) => {
      if (session.closed) throw error;
      session.log('activeResponseRace: the client sent no response.create');
    });
  return response;
}
