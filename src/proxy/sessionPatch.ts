/**
 * Checks a host's `updateSession` patch before anything is sent: a plain object of session fields,
 * none of which the proxy owns or the API fixes, that the strict encoder accepts as a
 * `session.update`. The patch that comes out is a JSON copy: a getter, a later mutation by the host
 * or a `__proto__` key cannot change what the session sends.
 */
import { ProxyError } from '../errors.js';
import { encodeClientEvent } from '../protocol/codec.js';
import type { SessionPatch } from '../machines/sessionUpdate.js';

/** Far beyond any context window (gpt-realtime: 32k tokens): a patch this large is a mistake, not instructions. */
export const MAX_SESSION_PATCH_CHARS = 1_000_000;

/** Fields the patch may not hold, and why. */
const NOT_THE_HOSTS = new Map([
  ['type', 'the session type is fixed ("realtime")'],
  ['model', 'the model is fixed once the session exists'],
  ['tools', "the tools are the proxy's: it sends the MCP catalog's tools (and re-sends them on every catalog change)"],
  ['tool_choice', "tool_choice is the proxy's: it sends it with the tools on every catalog change"],
]);

const FIX = 'Please pass only session fields such as instructions, audio, output_modalities, max_output_tokens or truncation';

export type CheckedPatch = { ok: true; patch: SessionPatch | undefined } | { ok: false; error: ProxyError };

function refuse(why: string, fix = `${FIX}.`): CheckedPatch {
  return { ok: false, error: new ProxyError('invalid_options', `Failed to update the session: ${why}. ${fix}`) };
}

/** The patch to send (undefined when it changes nothing), or why it cannot be sent. */
export function checkSessionPatch(patch: unknown): CheckedPatch {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    return refuse(`the patch is ${patch === null ? 'null' : Array.isArray(patch) ? 'an array' : `a ${typeof patch}`}, not an object`, `${FIX}, e.g. { instructions: 'Be brief.' }.`);
  }
  let text: string;
  try {
    for (const [field, why] of NOT_THE_HOSTS) if (Object.hasOwn(patch, field)) return refuse(`"${field}" cannot be changed: ${why}`);
    const encoded = encodeClientEvent({ type: 'session.update', session: { ...patch, type: 'realtime' } } as never);
    if (!encoded.ok) {
      // The codec's sentence without its own "Failed to encode…:" and "Please…": the path and the problem.
      const problem = encoded.error.message.replace(/^Failed to [^:]*: /, '').replace(/ Please .*$/s, '').replace(/\.$/, '');
      return refuse(problem.replace(/^\/session\/(\S+)/, '"$1"'));
    }
    text = encoded.text;
  } catch (cause) {
    return refuse(`reading the patch threw (${cause instanceof Error ? cause.message : String(cause)})`, `${FIX}, as plain data.`);
  }
  if (text.length > MAX_SESSION_PATCH_CHARS) return refuse(`the patch is ${text.length} characters as JSON, over ${MAX_SESSION_PATCH_CHARS}`, 'Please send shorter instructions.');
  const { type: _type, ...fields } = (JSON.parse(text) as { session: Record<string, unknown> }).session;
  return { ok: true, patch: Object.keys(fields).length === 0 ? undefined : (fields as SessionPatch) };
}
