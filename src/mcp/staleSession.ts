/**
 * Whether an HTTP answer says "I do not know your session": the spec's 404, or a 400 whose body
 * speaks of an invalid, unknown or missing session id, as server-everything ("Bad Request: No valid
 * session ID provided"), Notion and SDK servers that restarted ("Server not initialized") answer.
 * Such a request was refused before it ran, so it is safe to send again on a new session.
 */

/** Words around "session" that mean the server does not know ours. */
const STALE_SESSION_TEXT =
  /\b(no valid|invalid|unknown|missing|expired|no such|not found|nonexistent)\b[^.\n]{0,40}\bsession|\bsession\b[^.\n]{0,40}\b(not found|invalid|unknown|expired|missing|does not exist|no longer exists|not recogni[sz]ed)\b|\bserver not initiali[sz]ed\b/i;

export interface StaleSessionRule {
  /** `false`: only a 404 counts (a 400 is never read as an expired session). Default: a 400 counts when its body says so. */
  treatNoValidSessionAsExpired?: boolean;
}

/** Whether `status` with `body` (the answer to a request that carried our session id) means the session is gone. */
export function isStaleSessionAnswer(status: number | undefined, body: string, rule: StaleSessionRule = {}): boolean {
  if (status === 404) return true;
  return status === 400 && rule.treatNoValidSessionAsExpired !== false && STALE_SESSION_TEXT.test(body);
}
