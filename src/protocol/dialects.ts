/**
 * Beta-era (and Azure, which kept emitting them) server events → GA events.
 *
 * Two kinds of difference: event names (response.audio.delta → response.output_audio.delta, …) and
 * shapes (the flat beta session, assistant content typed `audio`/`text`, the response's `modalities`
 * and `voice`). Shapes are upgraded only where a beta marker is present, so a GA event passes through
 * untouched, and the input object is never mutated: changed paths are copied, the rest is shared
 * (an audio delta's payload string is never copied).
 */
import { isJsonObject } from '../isJsonObject.js';

type Json = Record<string, unknown>;

export type Dialect = 'ga' | 'beta';

export const betaEventNames: ReadonlyMap<string, string> = new Map([
  ['conversation.item.created', 'conversation.item.added'],
  ['response.audio.delta', 'response.output_audio.delta'],
  ['response.audio.done', 'response.output_audio.done'],
  ['response.audio_transcript.delta', 'response.output_audio_transcript.delta'],
  ['response.audio_transcript.done', 'response.output_audio_transcript.done'],
  ['response.text.delta', 'response.output_text.delta'],
  ['response.text.done', 'response.output_text.done'],
]);

const betaAudioFormats: ReadonlyMap<unknown, Json> = new Map([
  ['pcm16', { type: 'audio/pcm', rate: 24000 }],
  ['g711_ulaw', { type: 'audio/pcmu' }],
  ['g711_alaw', { type: 'audio/pcma' }],
]);

const betaAssistantContent: ReadonlyMap<unknown, string> = new Map([
  ['audio', 'output_audio'],
  ['text', 'output_text'],
]);


function upgradeFormat(format: unknown): unknown {
  const ga = betaAudioFormats.get(format);
  return ga === undefined ? format : { ...ga };
}

function upgradeModalities(modalities: unknown): unknown {
  // Beta ["text","audio"] meant "speak, with a transcript": GA spells that ["audio"].
  return Array.isArray(modalities) && modalities.includes('audio') ? ['audio'] : modalities;
}

/** The flat beta session object → the GA `{ type: "realtime", audio: { input, output } }` shape. */
function upgradeSession(session: unknown): unknown {
  if (!isJsonObject(session) || 'type' in session) return session;
  const {
    modalities,
    voice,
    speed,
    input_audio_format,
    output_audio_format,
    input_audio_transcription,
    input_audio_noise_reduction,
    turn_detection,
    max_response_output_tokens,
    ...rest
  } = session;
  const input: Json = {};
  if (input_audio_format !== undefined) input.format = upgradeFormat(input_audio_format);
  if (input_audio_transcription !== undefined) input.transcription = input_audio_transcription;
  if (input_audio_noise_reduction !== undefined) input.noise_reduction = input_audio_noise_reduction;
  if (turn_detection !== undefined) input.turn_detection = turn_detection;
  const output: Json = {};
  if (output_audio_format !== undefined) output.format = upgradeFormat(output_audio_format);
  if (voice !== undefined) output.voice = voice;
  if (speed !== undefined) output.speed = speed;
  const upgraded: Json = { type: 'realtime', ...rest, audio: { input, output } };
  if (modalities !== undefined) upgraded.output_modalities = upgradeModalities(modalities);
  if (max_response_output_tokens !== undefined) upgraded.max_output_tokens = max_response_output_tokens;
  return upgraded;
}

function upgradeItem(item: unknown): unknown {
  if (!isJsonObject(item) || item.type !== 'message' || item.role !== 'assistant' || !Array.isArray(item.content)) {
    return item;
  }
  const content = item.content as unknown[];
  const gaType = (part: unknown) => (isJsonObject(part) ? betaAssistantContent.get(part.type) : undefined);
  if (!content.some(gaType)) return item;
  return { ...item, content: content.map((part) => (gaType(part) ? { ...(part as Json), type: gaType(part) } : part)) };
}

function upgradeResponse(response: unknown): unknown {
  if (!isJsonObject(response)) return response;
  let upgraded = response;
  if (Array.isArray(response.output)) {
    const output = response.output.map(upgradeItem);
    if (output.some((item, i) => item !== (response.output as unknown[])[i])) upgraded = { ...upgraded, output };
  }
  if (!('output_modalities' in response) && ('modalities' in response || 'output_audio_format' in response || 'voice' in response)) {
    const { modalities, voice, output_audio_format, ...rest } = upgraded;
    const output: Json = {};
    if (output_audio_format !== undefined) output.format = upgradeFormat(output_audio_format);
    if (voice !== undefined) output.voice = voice;
    upgraded = { ...rest, audio: { output } };
    if (modalities !== undefined) upgraded.output_modalities = upgradeModalities(modalities);
  }
  return upgraded;
}

type Upgrades = ReadonlyMap<string, { field: string; upgrade: (value: unknown) => unknown }>;

/** Which field of a server event holds what a shape upgrade applies to. */
const serverUpgrades: Upgrades = new Map([
  ['session.created', { field: 'session', upgrade: upgradeSession }],
  ['session.updated', { field: 'session', upgrade: upgradeSession }],
  ['response.created', { field: 'response', upgrade: upgradeResponse }],
  ['response.done', { field: 'response', upgrade: upgradeResponse }],
  ['conversation.item.added', { field: 'item', upgrade: upgradeItem }],
  ['conversation.item.done', { field: 'item', upgrade: upgradeItem }],
  ['conversation.item.retrieved', { field: 'item', upgrade: upgradeItem }],
  ['response.output_item.added', { field: 'item', upgrade: upgradeItem }],
  ['response.output_item.done', { field: 'item', upgrade: upgradeItem }],
]);

/** Client events kept their beta names; only the session and response options changed shape. */
const clientUpgrades: Upgrades = new Map([
  ['session.update', { field: 'session', upgrade: upgradeSession }],
  ['response.create', { field: 'response', upgrade: upgradeResponse }],
  ['conversation.item.create', { field: 'item', upgrade: upgradeItem }],
]);

function upgradeShape(event: Json, type: string, upgrades: Upgrades): Json {
  const rule = upgrades.get(type);
  if (rule === undefined || !(rule.field in event)) return event;
  const before = event[rule.field];
  const after = rule.upgrade(before);
  return after === before ? event : { ...event, [rule.field]: after };
}

/**
 * Returns the GA form of a server event and whether anything had to change. `type` must be the
 * event's string type (the caller has checked it).
 */
export function toGaServerEvent(event: Json, type: string): { event: Json; dialect: Dialect } {
  const gaType = betaEventNames.get(type);
  const renamed = gaType === undefined ? event : { ...event, type: gaType };
  const result = upgradeShape(renamed, gaType ?? type, serverUpgrades);
  return { event: result, dialect: result === event ? 'ga' : 'beta' };
}

/** Returns the GA form of a beta-shaped client event (for replaying beta-era recordings). */
export function toGaClientEvent(event: Json, type: string): { event: Json; dialect: Dialect } {
  const result = upgradeShape(event, type, clientUpgrades);
  return { event: result, dialect: result === event ? 'ga' : 'beta' };
}
