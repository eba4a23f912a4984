import { ProxyError } from '../errors.js';
import { isJsonObject } from '../isJsonObject.js';
import type { RealtimeSessionConfig } from './generated/types.js';

/** A realtime session config as the REST calls take it (client secrets, calls, accept): `type: 'realtime'` may be left out. */
export type RealtimeSessionConfigInput = Omit<RealtimeSessionConfig, 'type'> & { readonly type?: 'realtime' };

/**
 * The session as the REST calls send it: `type: 'realtime'` first, the rest as given (OpenAI judges
 * the fields; the generated type guides the caller). Refused before any request when it is not an
 * object, names another type, or cannot be written as JSON.
 */
export function sessionBody(session: RealtimeSessionConfigInput | undefined, action: string): RealtimeSessionConfig {
  if (!isJsonObject(session)) {
    const what = session === null ? 'null' : Array.isArray(session) ? 'an array' : typeof session;
    throw new ProxyError('invalid_options', `Failed to ${action}: the session is ${what}. Please pass a session config object such as { model: 'gpt-realtime' }.`);
  }
  const { type, ...rest } = session;
  if (type !== undefined && type !== 'realtime') {
    throw new ProxyError('invalid_options', `Failed to ${action}: the session's type is ${JSON.stringify(type)}. Please leave \`type\` out or set it to 'realtime'.`);
  }
  const body: RealtimeSessionConfig = { type: 'realtime', ...rest };
  try {
    JSON.stringify(body);
  } catch (error) {
    throw new ProxyError('invalid_options', `Failed to ${action}: the session cannot be written as JSON (${error instanceof Error ? error.message : String(error)}). Please pass plain data (no cycles, no BigInt).`);
  }
  return body;
}
