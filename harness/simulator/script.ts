/**
 * The simulator script: what a simulated Realtime session does on its own (user turns, tool calls,
 * injected faults), and the validator that turns untrusted JSON into it. README.md documents the
 * format with examples; `main.ts` reads a script from a file.
 */
import { readFile } from 'node:fs/promises';

/** One function call the model makes. Exactly one of `name` and `toolFromSession`. */
export interface ScriptCall {
  /** The function name as the client exposed it in `session.tools`. */
  name?: string;
  /** The i-th function tool (0-based) of the session config when the step plays, so scripts need not know mapped names. */
  toolFromSession?: number;
  /** An object (sent as its JSON) or a string sent as is (e.g. broken JSON). Default `{}`. */
  arguments?: Record<string, unknown> | string;
  /** How many response.function_call_arguments.delta events carry the arguments. Default 3. */
  chunks?: number;
  /** The call's `call_id`, e.g. a hostile one (`toString`, `__proto__`). Default a fresh `call_…`. */
  callId?: string;
  /** The function_call item's `id`. Default a fresh `item_…`. */
  itemId?: string;
}

/** After the calls: wait for every output and a response.create, then speak `reply` (false: do not wait). */
export interface ReplyOptions {
  /** Spoken before the calls, in the same response. */
  say?: string;
  /** Template of the spoken reply: `{output}` is the last call's output, `{outputs}` all of them. Default "Here is what I found: {output}". */
  reply?: string | false;
  /** How long to wait for the outputs and response.create. Default: the script's toolTimeoutMs. */
  timeoutMs?: number;
}

export type BargeInPhase = 'arguments' | 'audio' | 'toolCall';

export interface BargeIn {
  during: BargeInPhase;
  /** What the user says when interrupting. Default "Wait, actually, never mind." */
  user?: string;
  /** arguments/audio: interrupt after this many argument or audio deltas. Default 1. */
  afterDeltas?: number;
}

export interface CloseSpec {
  code?: number;
  reason?: string;
}

/** Every step may carry a `note` (ignored: JSON has no comments). */
export type SimulatorStep = { note?: string } & (
  | { user: string }
  | { say: string }
  | { callTool: ScriptCall & ReplyOptions }
  | ({ callTools: ScriptCall[] } & ReplyOptions)
  | { bargeIn: BargeIn }
  | { activeResponseRace: true }
  | { unknownEvent: { type: string; [field: string]: unknown } }
  | { betaNames: boolean }
  | { sessionExpired: true | CloseSpec }
  | { wait: number }
  | { close: CloseSpec }
);

export interface SimulatorScript {
  description?: string;
  /** When the script starts on a connection. Default `session.updated` (after the first session.update). */
  startWhen?: 'connected' | 'session.updated';
  /** Default wait for tool outputs and response.create (ms). Default 10000. */
  toolTimeoutMs?: number;
  /** Pause between delta events (ms). Default 0 (a macrotask tick only). */
  deltaDelayMs?: number;
  /** Audio per response.output_audio.delta (ms, 20–100). Default 40. */
  audioChunkMs?: number;
  steps: SimulatorStep[];
}

/** A step as the player runs it. */
export type PlanStep =
  | { kind: 'user'; text: string }
  | { kind: 'say'; text: string }
  | { kind: 'calls'; calls: ScriptCall[]; say?: string; reply: string | null; timeoutMs?: number }
  | { kind: 'bargeIn'; during: BargeInPhase; user: string; afterDeltas: number }
  | { kind: 'activeResponseRace' }
  | { kind: 'unknownEvent'; event: { type: string; [field: string]: unknown } }
  | { kind: 'betaNames'; on: boolean }
  | { kind: 'sessionExpired'; code: number; reason: string }
  | { kind: 'wait'; ms: number }
  | { kind: 'close'; code: number; reason: string };

export const DEFAULT_REPLY = 'Here is what I found: {output}';
export const DEFAULT_BARGE_IN_USER = 'Wait, actually, never mind.';

const ACTIONS = ['user', 'say', 'callTool', 'callTools', 'bargeIn', 'activeResponseRace', 'unknownEvent', 'betaNames', 'sessionExpired', 'wait', 'close'];
const SCRIPT_KEYS = ['description', 'startWhen', 'toolTimeoutMs', 'deltaDelayMs', 'audioChunkMs', 'steps'];
const CALL_KEYS = ['name', 'toolFromSession', 'arguments', 'chunks', 'callId', 'itemId'];
const REPLY_KEYS = ['say', 'reply', 'timeoutMs'];

class ScriptProblem extends Error {}

function scriptError(problem: string, source?: string): Error {
  const at = source === undefined ? '' : `${source}: `;
  return new Error(`Failed to load the simulator script: ${at}${problem}. Please fix it (harness/simulator/README.md describes the format).`);
}

/**
 * Checks a parsed JSON value (a script object, or a bare array of steps) and returns the script (a
 * deep copy). Throws "Failed to load the simulator script: <where> <why>. Please …" naming the first problem.
 */
export function validateSimulatorScript(value: unknown, source?: string): SimulatorScript {
  try {
    const script: Record<string, unknown> = Array.isArray(value) ? { steps: value } : asObject(value, 'the script');
    for (const key of Object.keys(script)) if (!SCRIPT_KEYS.includes(key)) fail(key, `is not a known key (known: ${SCRIPT_KEYS.join(', ')})`);
    if (script.description !== undefined && typeof script.description !== 'string') fail('description', 'must be a string');
    if (script.startWhen !== undefined && script.startWhen !== 'connected' && script.startWhen !== 'session.updated') {
      fail('startWhen', `must be "connected" or "session.updated" (got ${JSON.stringify(script.startWhen)})`);
    }
    integer(script, 'toolTimeoutMs', 'toolTimeoutMs', 1);
    integer(script, 'deltaDelayMs', 'deltaDelayMs', 0);
    integer(script, 'audioChunkMs', 'audioChunkMs', 20, 100);
    if (!Array.isArray(script.steps)) fail('steps', 'must be an array of steps');
    const steps = script.steps as unknown[];
    steps.forEach((step, i) => checkStep(step, `steps[${i}]`, i === steps.length - 1));
    checkArming(toPlan(steps as SimulatorStep[]));
    return structuredClone(script) as unknown as SimulatorScript;
  } catch (error) {
    if (error instanceof ScriptProblem) throw scriptError(error.message, source);
    throw error;
  }
}

/** Reads and validates a JSON script file. */
export async function loadSimulatorScript(file: string): Promise<SimulatorScript> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw scriptError(`cannot be read (${(error as Error).message})`, file);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw scriptError(`is not JSON (${(error as Error).message})`, file);
  }
  return validateSimulatorScript(value, file);
}

function checkStep(value: unknown, at: string, last: boolean): void {
  const step = asObject(value, at);
  const actions = Object.keys(step).filter((key) => ACTIONS.includes(key));
  if (actions.length !== 1) fail(at, `must have exactly one of ${ACTIONS.join(', ')} (found ${actions.length === 0 ? 'none' : actions.join(', ')})`);
  const action = actions[0] as string;
  const allowed = ['note', action, ...(action === 'callTools' ? REPLY_KEYS : [])];
  for (const key of Object.keys(step)) if (!allowed.includes(key)) fail(`${at}.${key}`, `is not a known key here (known: ${allowed.join(', ')})`);
  if (step.note !== undefined && typeof step.note !== 'string') fail(`${at}.note`, 'must be a string');
  const body = step[action];
  const where = `${at}.${action}`;
  switch (action) {
    case 'user':
    case 'say':
      if (typeof body !== 'string' || body.trim() === '') fail(where, 'must be a non-empty string');
      return;
    case 'callTool': {
      const call = asObject(body, where);
      keys(call, [...CALL_KEYS, ...REPLY_KEYS], where);
      checkCall(call, where);
      return checkReply(call, where);
    }
    case 'callTools':
      if (!Array.isArray(body) || body.length === 0) fail(where, 'must be a non-empty array of calls');
      (body as unknown[]).forEach((call, i) => {
        keys(asObject(call, `${where}[${i}]`), CALL_KEYS, `${where}[${i}]`);
        checkCall(call as Record<string, unknown>, `${where}[${i}]`);
      });
      return checkReply(step, at);
    case 'bargeIn': {
      const barge = asObject(body, where);
      keys(barge, ['during', 'user', 'afterDeltas'], where);
      if (!['arguments', 'audio', 'toolCall'].includes(barge.during as string)) {
        fail(`${where}.during`, `must be "arguments", "audio" or "toolCall" (got ${JSON.stringify(barge.during)})`);
      }
      if (barge.user !== undefined && (typeof barge.user !== 'string' || barge.user.trim() === '')) fail(`${where}.user`, 'must be a non-empty string');
      return integer(barge, 'afterDeltas', `${where}.afterDeltas`, 1);
    }
    case 'activeResponseRace':
      if (body !== true) fail(where, 'must be true');
      return;
    case 'unknownEvent': {
      const event = asObject(body, where);
      if (typeof event.type !== 'string' || event.type === '') fail(`${where}.type`, 'must be a non-empty string');
      return;
    }
    case 'betaNames':
      if (typeof body !== 'boolean') fail(where, 'must be a boolean');
      return;
    case 'wait':
      if (typeof body !== 'number' || !Number.isSafeInteger(body) || body < 0) fail(where, `must be an integer ≥ 0 (got ${JSON.stringify(body)})`);
      return;
    default: // sessionExpired, close
      if (!(action === 'sessionExpired' && body === true)) checkClose(asObject(body, where), where);
      if (!last) fail(where, 'must be the last step (the socket closes)');
  }
}

function checkCall(call: Record<string, unknown>, at: string): void {
  if ((call.name === undefined) === (call.toolFromSession === undefined)) fail(at, 'must have exactly one of name and toolFromSession');
  if (call.name !== undefined && (typeof call.name !== 'string' || call.name === '')) fail(`${at}.name`, 'must be a non-empty string');
  integer(call, 'toolFromSession', `${at}.toolFromSession`, 0);
  integer(call, 'chunks', `${at}.chunks`, 1);
  for (const key of ['callId', 'itemId']) if (call[key] !== undefined && (typeof call[key] !== 'string' || call[key] === '')) fail(`${at}.${key}`, 'must be a non-empty string');
  const args = call.arguments;
  if (args !== undefined && typeof args !== 'string' && (typeof args !== 'object' || args === null || Array.isArray(args))) {
    fail(`${at}.arguments`, 'must be an object or a string');
  }
}

function checkReply(holder: Record<string, unknown>, at: string): void {
  if (holder.say !== undefined && (typeof holder.say !== 'string' || holder.say.trim() === '')) fail(`${at}.say`, 'must be a non-empty string');
  if (holder.reply !== undefined && holder.reply !== false && (typeof holder.reply !== 'string' || holder.reply.trim() === '')) {
    fail(`${at}.reply`, 'must be a non-empty string or false');
  }
  integer(holder, 'timeoutMs', `${at}.timeoutMs`, 1);
}

function checkClose(spec: Record<string, unknown>, at: string): void {
  keys(spec, ['code', 'reason'], at);
  const code = spec.code;
  if (code !== undefined && !(typeof code === 'number' && isSendableCloseCode(code))) {
    fail(`${at}.code`, `must be a close code a server may send (1000–1003, 1007–1014 or 3000–4999; got ${JSON.stringify(code)})`);
  }
  if (spec.reason !== undefined && (typeof spec.reason !== 'string' || Buffer.byteLength(spec.reason) > 123)) fail(`${at}.reason`, 'must be a string of at most 123 bytes');
}

/** A barge-in or race must have a later step it can apply to. */
function checkArming(plan: PlanStep[]): void {
  plan.forEach((step, i) => {
    const later = plan.slice(i + 1);
    const calls = later.filter((next) => next.kind === 'calls');
    if (step.kind === 'bargeIn' && step.during !== 'audio' && calls.length === 0) fail(`steps[${i}].bargeIn`, `(during ${step.during}) needs a later callTool or callTools step`);
    if (step.kind === 'bargeIn' && step.during === 'audio' && calls.length === 0 && !later.some((next) => next.kind === 'say')) {
      fail(`steps[${i}].bargeIn`, '(during audio) needs a later say, callTool or callTools step');
    }
    if (step.kind === 'activeResponseRace' && !calls.some((next) => next.kind === 'calls' && next.reply !== null)) {
      fail(`steps[${i}].activeResponseRace`, 'needs a later callTool or callTools step that waits for its outputs (reply not false)');
    }
  });
}

/** The steps of a valid script as the player runs them. */
export function toPlan(steps: readonly SimulatorStep[]): PlanStep[] {
  return steps.map((step): PlanStep => {
    if ('user' in step) return { kind: 'user', text: step.user };
    if ('say' in step && !('callTools' in step)) return { kind: 'say', text: step.say };
    if ('callTool' in step) {
      const { say, reply, timeoutMs, ...call } = step.callTool;
      return calls([call], say, reply, timeoutMs);
    }
    if ('callTools' in step) return calls(step.callTools, step.say, step.reply, step.timeoutMs);
    if ('bargeIn' in step) return { kind: 'bargeIn', during: step.bargeIn.during, user: step.bargeIn.user ?? DEFAULT_BARGE_IN_USER, afterDeltas: step.bargeIn.afterDeltas ?? 1 };
    if ('activeResponseRace' in step) return { kind: 'activeResponseRace' };
    if ('unknownEvent' in step) return { kind: 'unknownEvent', event: step.unknownEvent };
    if ('betaNames' in step) return { kind: 'betaNames', on: step.betaNames };
    if ('sessionExpired' in step) {
      const spec = step.sessionExpired === true ? {} : step.sessionExpired;
      return { kind: 'sessionExpired', code: spec.code ?? 1000, reason: spec.reason ?? '' };
    }
    if ('wait' in step) return { kind: 'wait', ms: step.wait };
    return { kind: 'close', code: step.close.code ?? 1000, reason: step.close.reason ?? '' };
  });
}

function calls(list: ScriptCall[], say: string | undefined, reply: string | false | undefined, timeoutMs: number | undefined): PlanStep {
  return {
    kind: 'calls',
    calls: list,
    ...(say === undefined ? {} : { say }),
    reply: reply === false ? null : (reply ?? DEFAULT_REPLY),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
}

export function isSendableCloseCode(code: number): boolean {
  return Number.isInteger(code) && ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999));
}

function fail(where: string, why: string): never {
  throw new ScriptProblem(`${where} ${why}`);
}

function asObject(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(at, 'must be an object');
  return value as Record<string, unknown>;
}

function keys(object: Record<string, unknown>, known: string[], at: string): void {
  for (const key of Object.keys(object)) if (!known.includes(key)) fail(`${at}.${key}`, `is not a known key (known: ${known.join(', ')})`);
}

function integer(object: Record<string, unknown>, key: string, at: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
  const value = object[key];
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(at, `must be an integer ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`} (got ${JSON.stringify(value)})`);
  }
}
