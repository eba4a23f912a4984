import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { ProxyError } from '../errors.js';
import { classifyCallFailure } from './callFailure.js';

const context = { server: 'weather', tool: 'get_forecast', timeoutMs: 30_000 };

describe('classifyCallFailure', () => {
  it.each([
    ['a timeout', new McpError(ErrorCode.RequestTimeout, 'Request timed out'), 'timeout'],
    ['a closed connection', new McpError(ErrorCode.ConnectionClosed, 'Connection closed'), 'transport_error'],
    ['a server error that reuses -32000', new McpError(-32000, 'backend unavailable'), 'protocol_error'],
    ['a server error that reuses -32001', new McpError(-32001, 'quota exceeded'), 'protocol_error'],
    ['invalid params from the server', new McpError(ErrorCode.InvalidParams, 'Invalid arguments: /city'), 'invalid_arguments'],
    ['another JSON-RPC error', new McpError(ErrorCode.InternalError, 'database down'), 'protocol_error'],
    ['HTTP 500', new StreamableHTTPError(500, 'Error POSTing to endpoint: oops'), 'transport_error'],
    ['HTTP 401', new StreamableHTTPError(401, 'Unauthorized'), 'auth_error'],
    ['HTTP 403 on legacy SSE', new SseError(403, 'Forbidden', {} as never), 'auth_error'],
    ['UnauthorizedError', new UnauthorizedError('needs a redirect'), 'auth_error'],
    ['a refused connection', new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') }), 'transport_error'],
    ['an expired session not retried', new ProxyError('mcp_session_expired', 'Failed to call tool: the session expired. Please call it again.'), 'session_expired'],
    ['a connection that could not open', new ProxyError('mcp_connect_failed', 'Failed to connect: refused. Please start the server.'), 'transport_error'],
    ['a malformed result', new Error('Invalid input: expected array, received undefined'), 'protocol_error'],
    ['a connection lost mid-call', new ProxyError('mcp_connection_lost', 'Failed to call tool: the server exited mid-call. Please check the server.'), 'transport_error'],
    ['a garbled answer stream', new ProxyError('mcp_protocol_error', "Failed to call tool: the server's answer was unreadable. Please check the server."), 'protocol_error'],
    ['a JSON answer cut off', new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }), 'transport_error'],
    ['a JSON answer that is not JSON', new SyntaxError('Unexpected token } in JSON at position 7'), 'protocol_error'],
  ])('maps %s', (_what, error, code) => {
    const failure = classifyCallFailure(error, context);
    expect(failure.code).toBe(code);
    expect(failure.message).toMatch(/^Failed to /);
    expect(failure.message).toMatch(/Please /);
    expect(failure.modelMessage.length).toBeGreaterThan(10);
  });

  it('says a call may or may not have run when the connection broke after it went out, not when it was refused', () => {
    const reset = classifyCallFailure(new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }), context);
    expect(reset.message).toMatch(/closed the connection mid-call .*may or may not have run/);
    expect(reset.modelMessage).toMatch(/may or may not have run/);
    const refused = classifyCallFailure(new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) }), context);
    expect(refused.code).toBe('transport_error');
    expect(refused.message).toContain('could not be reached');
    expect(refused.message).not.toContain('may or may not');
  });

  it('calls an abort cancelled even though the SDK reports it with the timeout code', () => {
    const abort = new AbortController();
    abort.abort(new Error('barge-in'));
    const failure = classifyCallFailure(new McpError(ErrorCode.RequestTimeout, 'AbortError: barge-in'), { ...context, signal: abort.signal });
    expect(failure.code).toBe('cancelled');
    expect(failure.message).toContain('barge-in');
  });

  it('names the deadline in the timeout message and keeps the SDK prefix away from the model', () => {
    expect(classifyCallFailure(new McpError(ErrorCode.RequestTimeout, 'Request timed out'), { ...context, timeoutMs: 1500 }).message).toContain('1500 ms');
    const failure = classifyCallFailure(new McpError(ErrorCode.InternalError, 'database down'), context);
    expect(failure.modelMessage).toBe('The tool server reported an error: database down.');
  });
});
