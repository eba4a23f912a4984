import { describe, expect, it } from 'vitest';
import { isStaleSessionAnswer } from './staleSession.js';

describe('isStaleSessionAnswer', () => {
  it.each([
    // What real servers answer a session id they do not know.
    ['server-everything', 400, '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: No valid session ID provided"},"id":null}'],
    ['Notion', 400, 'No valid session ID'],
    ['an SDK server with one transport, restarted', 400, '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: Server not initialized"},"id":null}'],
    ['Invalid session', 400, 'Invalid or missing session ID'],
    ['unknown session', 400, 'unknown session: 1b2c'],
    ['session not found in a 400', 400, '{"error":{"message":"Session not found"}}'],
    ['the spec (404), whatever the body', 404, 'Not Found'],
  ])('%s: HTTP %i is a stale session', (_, status, body) => {
    expect(isStaleSessionAnswer(status, body)).toBe(true);
  });

  it.each([
    ['a 400 about arguments', 400, '{"error":{"code":-32602,"message":"Invalid params: missing field name"}}'],
    ['a 400 about the protocol version', 400, 'Bad Request: Unsupported protocol version'],
    ['a 400 without a body', 400, ''],
    ['a 500 that names the session', 500, 'session store: unknown session'],
    ['a 401', 401, 'invalid session token'],
  ])('%s is not', (_, status, body) => {
    expect(isStaleSessionAnswer(status, body)).toBe(false);
  });

  it('treatNoValidSessionAsExpired: false turns the 400 detection off (the 404 stays)', () => {
    expect(isStaleSessionAnswer(400, 'Bad Request: No valid session ID provided', { treatNoValidSessionAsExpired: false })).toBe(false);
    expect(isStaleSessionAnswer(404, 'Session not found', { treatNoValidSessionAsExpired: false })).toBe(true);
    expect(isStaleSessionAnswer(400, 'Bad Request: No valid session ID provided', { treatNoValidSessionAsExpired: true })).toBe(true);
  });
});
