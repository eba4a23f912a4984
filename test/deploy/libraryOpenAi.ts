/**
 * serve's OpenAI side made of the library's own Realtime REST client and sideband transport, so the
 * deployment tests run serve exactly against the simulator's HTTP and WebSocket endpoints.
 */
import { createNodeSidebandTransport } from '../../src/node/sidebandTransport.js';
import { acceptCall, createCall, hangupCall, rejectCall } from '../../src/protocol/calls.js';
import { createClientSecret } from '../../src/protocol/clientSecrets.js';
import { verifyRealtimeWebhook } from '../../src/protocol/webhooks.js';
import type { ServeOpenAi } from '../../src/serve/openAi.js';

export const libraryOpenAi: ServeOpenAi = {
  createClientSecret,
  createCall,
  acceptCall,
  rejectCall,
  hangupCall,
  verifyRealtimeWebhook,
  createNodeSidebandTransport,
};
