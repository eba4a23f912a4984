/**
 * A local OpenAI Realtime API (GA) over WebSocket, for tests, the embedded default, the demo's
 * offline mode and benchmarks: strict client-event checks, a conversation, and scripted turns,
 * tool calls and faults (barge-in, active-response race, beta names, session expiry).
 */

/* Server */
export { startRealtimeSimulator } from './server.js';
export type { RealtimeSimulator, SimulatorConnection, StartRealtimeSimulatorOptions } from './server.js';

/* Script */
export { loadSimulatorScript, validateSimulatorScript } from './script.js';
export type { BargeIn, BargeInPhase, CloseSpec, ReplyOptions, ScriptCall, SimulatorScript, SimulatorStep } from './script.js';

/* Runs and records */
export type { ScriptRunResult, ScriptState } from './player.js';
export type { RejectedFrame, SimulatorServerEvent } from './session.js';
