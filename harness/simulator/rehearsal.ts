/**
 * The rehearsal model: with no script, the simulator plays a model that, on each user turn, calls
 * the next function tool of the session (round robin over the tools as the last session.update set
 * them; a tool the user names in a text message first) with arguments sampled from its schema, and
 * once the client sent the output and asked for a response, says so — "Simulated reply: <tool>
 * answered: <output>" — as a transcript and as audio (espeak-ng, or two beeps). So any MCP server's
 * tools can be tried end to end without OpenAI, and nobody mistakes it for the real model.
 *
 * User turns: voice activity on a call (or on appended WebSocket audio) while server VAD is on
 * (speech stopped → committed → the response, as the API does with `create_response`), a client
 * `input_audio_buffer.commit` with server VAD on, and any `response.create` (after a committed
 * buffer with VAD off, or a text item).
 */
import type { ConversationItem, FunctionTool, ResponseCreateParams, TurnDetection } from '../../src/protocol/generated/types.js';
import type { PeerSpeech } from './peer.js';
import type { ActiveResponse } from './responses.js';
import { loadSchemaSampler, type SchemaSampler } from './schemaArguments.js';
import type { SessionTurnModel, SimulatorSession } from './session.js';
import { checkEspeak, createSpeechSynthesizer, type SpeechMode, type SpeechSynthesizer } from './speech.js';

export interface RehearsalOptions {
  /** Seeds the argument sampler: the same seed and schema give the same arguments. Default 1. */
  seed?: number;
  /** `auto` (default): espeak-ng when it runs, else two beeps; `espeak`: espeak-ng required (checked at start); `tone`: the beeps. */
  speech?: SpeechMode;
  /** The espeak-ng program. Default `espeak-ng` on the PATH. */
  espeakCommand?: string;
}

export const NO_TOOLS_REPLY = 'Simulated reply: no tools were picked.';
/** The transcript of a spoken user turn: the simulator hears that someone spoke, not what. */
export const SPOKEN_TURN_TRANSCRIPT = '(simulated transcript: the user spoke)';
const OUTPUT_QUOTE_LENGTH = 160;
const ARGUMENT_CHUNKS = 3;

/** "Simulated reply: <tool> answered: <the first 160 characters of the output>". */
export function rehearsalReply(tool: string, output: string): string {
  return `Simulated reply: ${tool} answered: ${output.slice(0, OUTPUT_QUOTE_LENGTH)}`;
}

/** Attaches a rehearsal model to each new session. */
export type RehearsalFactory = (session: SimulatorSession) => void;

/** Checks the options, loads the sampler (and checks espeak-ng for `speech: 'espeak'`). */
export async function loadRehearsal(options: RehearsalOptions, log: (line: string) => void): Promise<RehearsalFactory> {
  const seed = options.seed ?? 1;
  if (!Number.isSafeInteger(seed)) throw new Error(`Failed to start the rehearsal simulator: seed must be an integer (got ${String(seed)}). Please pass a whole number.`);
  const speech = options.speech ?? 'auto';
  if (!['auto', 'espeak', 'tone'].includes(speech)) throw new Error(`Failed to start the rehearsal simulator: speech must be auto, espeak or tone (got ${JSON.stringify(speech)}). Please pick one.`);
  if (speech === 'espeak') await checkEspeak(options.espeakCommand);
  const sampler = await loadSchemaSampler();
  const synthesizer = createSpeechSynthesizer({ speech, ...(options.espeakCommand ? { command: options.espeakCommand } : {}), log });
  return (session) => void new RehearsalModel(session, { sampler, synthesizer, seed });
}

type Plan = { kind: 'call'; name: string; arguments: string } | { kind: 'say'; text: string };

export class RehearsalModel implements SessionTurnModel {
  /** Turns that picked a tool by rotation. */
  private rotation = 0;
  /** Calls made per function name: the sampler's seed moves on, so a tool called again gets other arguments. */
  private readonly callsOf = new Map<string, number>();
  private speaking: { itemId: string; startMs: number } | undefined;

  constructor(
    private readonly session: SimulatorSession,
    private readonly tools: { sampler: SchemaSampler; synthesizer: SpeechSynthesizer; seed: number },
  ) {
    session.turnModel = this;
    session.listenForSpeech((speech) => this.heard(speech));
  }

  userAudioCommitted(): void {
    const detection = this.detection();
    if (detection && detection.create_response !== false) this.respond('the input audio was committed');
  }

  responseRequested(params: ResponseCreateParams | undefined): ActiveResponse {
    return this.begin(params);
  }

  private detection(): TurnDetection | undefined {
    return this.session.conversation.session.audio?.input?.turn_detection ?? undefined;
  }

  /** Server VAD: speech started (interrupting the active response), speech stopped (a turn). With VAD off the client commits. */
  private heard(speech: PeerSpeech): void {
    const detection = this.detection();
    if (!detection) return;
    if (speech.type === 'started') {
      if (this.speaking) return;
      if (detection.interrupt_response !== false) {
        this.session.active?.cancel('turn_detected');
        this.session.interruptOutputAudio(); // the reply may be done and still playing on a call
      }
      this.speaking = this.session.speechStarted(speech.atMs);
      return;
    }
    const turn = this.speaking;
    if (!turn) return;
    this.speaking = undefined;
    this.session.inputCommittedByServer();
    this.session.finishUserTurn(turn, SPOKEN_TURN_TRANSCRIPT, Math.max(speech.atMs, turn.startMs));
    if (detection.create_response !== false) this.respond('the user stopped speaking');
  }

  private respond(why: string): void {
    const active = this.session.active;
    if (active) {
      this.session.log(`rehearsal: ${why} while ${active.id} is still active: no new response`);
      return;
    }
    this.begin(undefined);
  }

  /** Starts the response now (response.created goes out at once), decides what it says from the conversation as it is, and plays it. */
  private begin(params: ResponseCreateParams | undefined): ActiveResponse {
    const response = this.session.beginResponse(params);
    const plan = this.plan();
    this.session.log(`rehearsal: ${response.id} ${plan.kind === 'call' ? `calls ${plan.name}` : `says ${JSON.stringify(plan.text.slice(0, 60))}`}`);
    void this.play(response, plan).catch((error: unknown) => this.session.log(`rehearsal: ${response.id} failed: ${(error as Error).message}`));
    return response;
  }

  private plan(): Plan {
    const conversation = this.session.conversation;
    const lastId = conversation.lastId();
    const last = lastId === null ? undefined : conversation.get(lastId);
    if (last?.type === 'function_call_output') {
      const name = conversation.functionCall(last.call_id)?.name ?? 'the tool';
      return { kind: 'say', text: rehearsalReply(name, last.output) };
    }
    const tools = conversation.functionTools();
    if (tools.length === 0) return { kind: 'say', text: NO_TOOLS_REPLY };
    const tool = namedTool(tools, userText(last)) ?? (tools[this.rotation++ % tools.length] as FunctionTool);
    const calls = this.callsOf.get(tool.name) ?? 0;
    this.callsOf.set(tool.name, calls + 1);
    const sampled = this.tools.sampler(tool.parameters, this.tools.seed + calls);
    if (sampled.problem) this.session.log(`rehearsal: arguments of ${tool.name} are {}: ${sampled.problem}`);
    return { kind: 'call', name: tool.name, arguments: JSON.stringify(sampled.value) };
  }

  private async play(response: ActiveResponse, plan: Plan): Promise<void> {
    if (plan.kind === 'call') {
      await response.play([{ kind: 'call', name: plan.name, arguments: plan.arguments, chunks: ARGUMENT_CHUNKS }]);
      return;
    }
    const modalities = response.params.output_modalities ?? this.session.conversation.session.output_modalities ?? ['audio'];
    const audio = modalities[0] === 'text' ? undefined : (await this.tools.synthesizer.synthesize(plan.text)).pcm;
    await response.play([{ kind: 'message', text: plan.text, ...(audio ? { audio } : {}) }]);
  }
}

/** The text of a user message (typed, or a transcript), when `item` is one. */
function userText(item: ConversationItem | undefined): string {
  if (item?.type !== 'message' || item.role !== 'user') return '';
  return item.content.map((part) => ('text' in part && typeof part.text === 'string' ? part.text : 'transcript' in part && typeof part.transcript === 'string' ? part.transcript : '')).join(' ');
}

/** The tool the text names (its function name, or the MCP tool's name after a `server__` prefix; `-`/`_` read as spaces), the longest name first. */
function namedTool(tools: readonly FunctionTool[], text: string): FunctionTool | undefined {
  if (text === '') return undefined;
  const words = ` ${normalize(text)} `;
  let best: { tool: FunctionTool; length: number } | undefined;
  for (const tool of tools) {
    const tail = tool.name.includes('__') ? tool.name.slice(tool.name.lastIndexOf('__') + 2) : tool.name;
    for (const name of new Set([normalize(tool.name), normalize(tail)])) {
      if (name !== '' && words.includes(` ${name} `) && (!best || name.length > best.length)) best = { tool, length: name.length };
    }
  }
  return best?.tool;
}

function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[-_]+/g, ' ')
    .replace(/[^a-z0-9 ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
