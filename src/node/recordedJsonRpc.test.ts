import { describe, expect, it } from 'vitest';
import { isJsonRpcResponse, withId } from './recordedJsonRpc.js';

describe('isJsonRpcResponse', () => {
  it('is a result or an error for an id, not a request or a notification', () => {
    expect(isJsonRpcResponse({ jsonrpc: '2.0', id: 1, result: {} })).toBe(true);
    expect(isJsonRpcResponse({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } })).toBe(true);
    expect(isJsonRpcResponse({ jsonrpc: '2.0', id: 1, method: 'tools/list' })).toBe(false);
    expect(isJsonRpcResponse({ jsonrpc: '2.0', method: 'notifications/progress', params: {} })).toBe(false);
    expect(isJsonRpcResponse('{"id":1,"result":{}}')).toBe(false);
    expect(isJsonRpcResponse(null)).toBe(false);
  });
});

describe('withId', () => {
  it('puts the live id on a recorded response, and leaves the recorded value untouched', () => {
    const recorded = { jsonrpc: '2.0', id: 7, result: { tools: [] } };
    expect(withId(recorded, 42)).toStrictEqual({ jsonrpc: '2.0', id: 42, result: { tools: [] } });
    expect(withId(recorded, 'req-1')).toStrictEqual({ jsonrpc: '2.0', id: 'req-1', result: { tools: [] } });
    expect(recorded.id).toBe(7);
  });

  it('returns requests, notifications, and responses without a live id as they are', () => {
    const request = { jsonrpc: '2.0', id: 1, method: 'tools/call' };
    expect(withId(request, 9)).toBe(request);
    const response = { jsonrpc: '2.0', id: 1, result: {} };
    expect(withId(response, undefined)).toBe(response);
  });
});
