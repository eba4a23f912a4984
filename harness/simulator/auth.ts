/**
 * Who a request is, as the simulator judges it for the WebSocket and the REST endpoints alike: the
 * standard key (the `apiKey` option; any key, or none, when it is unset), or an `ek_…` client
 * secret this simulator issued and that has not expired. An `ek_` key is always checked, in every
 * mode: a test that presents one means it.
 */
import type { IncomingMessage } from 'node:http';
import type { ClientSecretStore, IssuedClientSecret } from './clientSecrets.js';
import type { HttpProblem } from './http.js';

export type Caller = { readonly kind: 'standard' } | { readonly kind: 'ephemeral'; readonly secret: IssuedClientSecret };

export type Authentication = { readonly ok: true; readonly caller: Caller } | { readonly ok: false; readonly problem: HttpProblem };

export const NO_KEY_MESSAGE =
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
export const WRONG_KEY_MESSAGE = 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.';
export const EXPIRED_SECRET_MESSAGE = 'The client secret has expired. Please mint a new one with POST /v1/realtime/client_secrets.';

/** The key from `Authorization: Bearer <key>`, or (WebSocket only) the `openai-insecure-api-key.<key>` sub-protocol. */
export function presentedKey(req: IncomingMessage, allowSubprotocol: boolean): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  if (bearer) return bearer;
  if (!allowSubprotocol) return undefined;
  const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const prefix = 'openai-insecure-api-key.';
  const key = protocols.find((p) => p.startsWith(prefix))?.slice(prefix.length);
  return key && protocols.includes('realtime') ? key : undefined;
}

export function authenticate(key: string | undefined, apiKey: string | undefined, secrets: ClientSecretStore): Authentication {
  const refuse = (message: string, code: string | null): Authentication => ({ ok: false, problem: { status: 401, message, code } });
  if (key?.startsWith('ek_')) {
    const found = secrets.lookup(key);
    if (found.status === 'valid') return { ok: true, caller: { kind: 'ephemeral', secret: found.secret } };
    return found.status === 'expired' ? refuse(EXPIRED_SECRET_MESSAGE, 'invalid_api_key') : refuse(WRONG_KEY_MESSAGE, 'invalid_api_key');
  }
  // Without a configured key the simulator is a local server that needs none (as `connect` treats ws:// on loopback).
  if (apiKey === undefined) return { ok: true, caller: { kind: 'standard' } };
  if (key === undefined) return refuse(NO_KEY_MESSAGE, null);
  return key === apiKey ? { ok: true, caller: { kind: 'standard' } } : refuse(WRONG_KEY_MESSAGE, 'invalid_api_key');
}
