import { describe, expect, it } from 'vitest';
import type { SessionEndReason } from '../machines/session.js';
import { describeEnd } from './timeline.js';

describe('describeEnd', () => {
  it.each<[SessionEndReason, string]>([
    [{ reason: 'closed_by_host' }, 'closed'],
    [{ reason: 'socket_closed', code: 1006, detail: 'abnormal' }, 'socket closed (1006: abnormal)'],
    [{ reason: 'session_expired', message: 'Your session hit the maximum duration of 60 minutes.' }, 'session expired: Your session hit the maximum duration of 60 minutes.'],
    [{ reason: 'session_update_rejected', error: { type: 'invalid_request_error', code: 'invalid_value', message: 'Bad tools.' } }, 'session.update rejected: Bad tools.'],
    [{ reason: 'session_update_failed', message: 'Failed to send "session.update": …' }, 'session.update could not be sent: Failed to send "session.update": …'],
    [{ reason: 'session_update_timeout', timeoutMs: 15_000 }, 'the server did not answer session.update within 15000 ms'],
    [{ reason: 'internal_error', message: 'boom' }, 'internal error: boom'],
  ])('says why a session ended: %j', (end, text) => {
    expect(describeEnd(end)).toBe(text);
  });
});
