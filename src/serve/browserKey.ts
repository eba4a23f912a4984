/**
 * The OpenAI key of one request: serve's own, or — with `openAiKeyFromBrowser` (a demo on the
 * user's machine) — the page's, from the `X-OpenAI-Key` header of `POST /session` and `POST /call`.
 * A page key is used for that session only: registered in the session's redactor before anything
 * can print it, never kept past the session, never echoed. Offline (the simulator as OpenAI) the
 * page may send none.
 */
import type { Context } from 'hono';
import { ServeHttpError } from './httpErrors.js';

export type OpenAiKey = string | (() => Promise<string>);

export const OPENAI_KEY_HEADER = 'x-openai-key';
/** What serve sends the simulator when the page gave no key offline: not a secret, and the simulator takes any key when started without one. */
export const OFFLINE_KEY = 'offline-simulator';
const KEY_SHAPE = /^[\x21-\x7e]{1,512}$/;

/**
 * The key for this request, or 401 `openai_key_missing`, or 400 when the header is not a key. The
 * header value is never quoted in a refusal.
 */
export function requestOpenAiKey(c: Context, settings: { serverKey: OpenAiKey | undefined; keyFromBrowser: boolean; offline: boolean }): OpenAiKey {
  if (!settings.keyFromBrowser) return settings.serverKey!;
  const given = c.req.header(OPENAI_KEY_HEADER)?.trim();
  if (given === undefined || given === '') {
    if (settings.offline) return OFFLINE_KEY;
    throw new ServeHttpError(401, 'openai_key_missing', 'Failed to start a session: no OpenAI API key. Please enter your key.');
  }
  if (!KEY_SHAPE.test(given)) {
    throw new ServeHttpError(400, 'invalid_request', `Failed to read the request: the ${OPENAI_KEY_HEADER} header is not an API key (1–512 printable characters, no spaces). Please enter your OpenAI key as the dashboard shows it.`);
  }
  return given;
}
