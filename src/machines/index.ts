// The lifecycle machines, for embedding: pure decisions, I/O provided by the host (see createRealtimeMcpProxy).
export { sessionMachine } from './session.js';
export type { SessionActor, SessionAnomaly, SessionEmitted, SessionEndReason, SessionEvent, SessionInput, SessionToolInfo } from './session.js';
export type { SessionPatch } from './sessionUpdate.js';
export { responseTurnMachine } from './responseTurn.js';
export { decideApproval, bargeInPolicy, toolIdentity } from './policy.js';
export { toolCallMachine } from './toolCall.js';
export { approvalMachine } from './approval.js';
export { responseMachine } from './response.js';
export type * from './types.js';
