/**
 * The library's own Realtime REST functions and sideband transport, as `serve` uses them by default
 * (tests hand in fakes, or point these at the simulator with `openaiBaseUrl`).
 */
import { createNodeSidebandTransport } from '../node/sidebandTransport.js';
import { acceptCall, createCall, hangupCall, rejectCall } from '../protocol/calls.js';
import { createClientSecret } from '../protocol/clientSecrets.js';
import { verifyRealtimeWebhook } from '../protocol/webhooks.js';
import type { ServeOpenAi } from './openAi.js';

export function defaultOpenAi(): ServeOpenAi {
  return { createClientSecret, createCall, acceptCall, rejectCall, hangupCall, verifyRealtimeWebhook, createNodeSidebandTransport };
}
