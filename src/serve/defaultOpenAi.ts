/**
 * The library's own Realtime REST functions and sideband transport, as `serve` uses them by default.
 *
 * Placeholder until the REST client (`src/protocol/calls.ts`, `clientSecrets.ts`, `webhooks.ts`)
 * and `createNodeSidebandTransport` are merged: each function refuses with `not_supported`.
 */
import { ProxyError } from '../errors.js';
import type { ServeOpenAi } from './openAi.js';

const missing = (name: string) => () => {
  throw new ProxyError('not_supported', `Failed to call ${name}: this build has no Realtime REST client yet. Please pass \`openai\` to startServe.`);
};

export function defaultOpenAi(): ServeOpenAi {
  return {
    createClientSecret: missing('createClientSecret'),
    createCall: missing('createCall'),
    acceptCall: missing('acceptCall'),
    rejectCall: missing('rejectCall'),
    hangupCall: missing('hangupCall'),
    verifyRealtimeWebhook: missing('verifyRealtimeWebhook'),
    createNodeSidebandTransport: missing('createNodeSidebandTransport'),
  };
}
