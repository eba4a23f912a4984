/**
 * A local OpenAI Realtime API (GA), for tests, the embedded default, the demo's offline mode and
 * benchmarks: the WebSocket (strict client-event checks, a conversation, scripted turns, tool calls
 * and faults), and the REST side: client secrets, WebRTC and SIP calls, sideband attach, webhooks.
 */

/* Server */
export { startRealtimeSimulator } from './server.js';
export type { RealtimeSimulator, SimulatorConnection, StartRealtimeSimulatorOptions } from './server.js';

/* Calls */
export type { CallKind, CallStatus, SimulatorCall, SipHeader } from './calls.js';
export type { PlaceSipCallOptions, PlacedSipCall } from './sipCalls.js';
export type { WebhookDelivery, WebhookTampering } from './webhooks.js';
export type { AnswerOffer, PeerAudioPlayback, PeerSpeech, SimulatorPeer } from './peer.js';
export type { ChannelKind, SimulatorChannel } from './channels.js';

/* Rehearsal: a model that calls every tool */
export { NO_TOOLS_REPLY, SPOKEN_TURN_TRANSCRIPT, rehearsalReply } from './rehearsal.js';
export type { RehearsalOptions } from './rehearsal.js';
export type { SpeechMode } from './speech.js';

/* Script */
export { loadSimulatorScript, validateSimulatorScript } from './script.js';
export type { BargeIn, BargeInPhase, CloseSpec, ReplyOptions, ScriptCall, SimulatorScript, SimulatorStep } from './script.js';

/* Runs and records */
export type { ScriptRunResult, ScriptState } from './player.js';
export type { ReceivedClientEvent, RejectedFrame, SessionMedia, SimulatorServerEvent } from './session.js';
