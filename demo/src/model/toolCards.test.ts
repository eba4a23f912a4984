import { describe, expect, it } from 'vitest';
import type { FeedEvent } from './feed';
import { deriveToolCards } from './toolCards';

let seq = 0;
const at = (time: number, type: string, data: unknown): FeedEvent => ({ id: ++seq, type, at: time, data, origin: 'serve' });
const server = (time: number, data: Record<string, unknown>) => at(time, 'realtime.event', data);

const PNG = 'iVBORw0KGgo=';

describe('deriveToolCards', () => {
  it('streams the arguments, runs, ends with the MCP output and the latency up to the model speaking', () => {
    const events = [
      server(100, { type: 'response.output_item.added', item: { type: 'function_call', id: 'item_1', call_id: 'call_1', name: 'everything__echo' } }),
      at(101, 'toolCall.started', { callId: 'call_1', functionName: 'everything__echo', responseId: 'resp_1', actorId: 'call-1' }),
      server(102, { type: 'response.function_call_arguments.delta', item_id: 'item_1', delta: '{"message":' }),
      server(103, { type: 'response.function_call_arguments.delta', item_id: 'item_1', call_id: 'call_1', delta: '"hi"}' }),
    ];
    const streaming = deriveToolCards(events);
    expect(streaming).toMatchObject([{ callId: 'call_1', functionName: 'everything__echo', status: 'streaming', arguments: '{"message":"hi"}', argumentsComplete: false, actorId: 'call-1' }]);

    const done = deriveToolCards([
      ...events,
      server(110, { type: 'response.function_call_arguments.done', call_id: 'call_1', arguments: '{"message":"hi"}' }),
      // A speaking event before the output was sent is another response's: not this call's.
      server(115, { type: 'output_audio_buffer.started', response_id: 'resp_0' }),
      at(160, 'toolCall.ended', {
        callId: 'call_1',
        functionName: 'everything__echo',
        startedAt: 100,
        argumentsCompleteAt: 110,
        mcpRequestAt: 120,
        mcpResultAt: 150,
        outputSentAt: 155,
        code: 'ok',
        output: 'Echo: hi',
        result: { code: 'ok', output: 'Echo: hi', mcpResult: { content: [{ type: 'text', text: 'Echo: hi' }, { type: 'image', mimeType: 'image/png', data: PNG }, { type: 'image', mimeType: 'image/svg+xml', data: PNG }], structuredContent: { echoed: 'hi' } } },
      }),
      server(170, { type: 'response.output_audio_transcript.delta', item_id: 'item_2', delta: 'Simulated' }),
      server(180, { type: 'output_audio_buffer.started' }),
    ]);
    expect(done).toHaveLength(1);
    const card = done[0]!;
    expect(card.status).toBe('done');
    expect(card.output).toEqual({ texts: ['Echo: hi', '(An image not shown: image/svg+xml; the page shows PNG, JPEG, GIF and WebP.)'], images: [{ mimeType: 'image/png', data: PNG }], structured: '{\n  "echoed": "hi"\n}' });
    expect(card.latency.map((segment) => [segment.label, segment.ms])).toEqual([
      ['arguments complete → MCP request', 10],
      ['MCP request → MCP result', 30],
      ['MCP result → output sent', 5],
      ['output sent → model speaking', 15],
    ]);
  });

  it('waits for approval, then shows the denial with its reason; a late event does not reopen it', () => {
    const cards = deriveToolCards([
      at(1, 'toolCall.started', { callId: 'call_9', functionName: 'fs__delete', actorId: 'call-1' }),
      at(2, 'approval.requested', { approvalId: 'appr_1', kind: 'function', callId: 'call_9', functionName: 'fs__delete', arguments: '{"path":"/x"}', server: 'fs', tool: 'delete', annotations: { destructiveHint: true } }),
    ]);
    expect(cards[0]).toMatchObject({ status: 'waiting-approval', arguments: '{"path":"/x"}', approval: { approvalId: 'appr_1', open: true, destructive: true, server: 'fs', tool: 'delete' } });

    const denied = deriveToolCards([
      at(1, 'toolCall.started', { callId: 'call_9', functionName: 'fs__delete' }),
      at(2, 'approval.requested', { approvalId: 'appr_1', kind: 'function', callId: 'call_9', functionName: 'fs__delete', arguments: '{}' }),
      at(3, 'approval.settled', { approvalId: 'appr_1', kind: 'function', decision: 'denied', reason: 'not today' }),
      at(4, 'toolCall.ended', { callId: 'call_9', functionName: 'fs__delete', code: 'denied', output: '{"error":"denied"}' }),
      server(5, { type: 'response.function_call_arguments.delta', call_id: 'call_9', delta: 'late' }),
      at(6, 'approval.requested', { approvalId: 'appr_1', kind: 'function', callId: 'call_9', functionName: 'fs__delete', arguments: '{}' }),
    ]);
    expect(denied[0]).toMatchObject({ status: 'denied', arguments: '{}', approval: { decision: 'denied', reason: 'not today' } });
    expect(denied[0]!.output).toEqual({ texts: [], images: [], structured: '{\n  "error": "denied"\n}', error: 'Denied: the tool did not run.' });
  });

  it('shows errors with their message and approved calls as running', () => {
    const cards = deriveToolCards([
      at(1, 'approval.requested', { approvalId: 'appr_2', kind: 'function', callId: 'call_2', functionName: 'x__y', arguments: '{}' }),
      at(2, 'approval.settled', { approvalId: 'appr_2', kind: 'function', decision: 'approved' }),
      at(3, 'toolCall.started', { callId: 'call_3', functionName: 'x__z' }),
      at(4, 'toolCall.ended', { callId: 'call_3', functionName: 'x__z', code: 'timeout', output: '{"error":"timeout"}', result: { code: 'timeout', output: '{"error":"timeout"}', message: 'Failed to call x/z: no answer in 10 s. Please retry.' } }),
    ]);
    expect(cards.map((card) => [card.callId, card.status])).toEqual([
      ['call_2', 'running'],
      ['call_3', 'error'],
    ]);
    expect(cards[1]!.output?.error).toBe('Failed to call x/z: no answer in 10 s. Please retry.');
  });

  it('shows the latest MCP progress while the call runs', () => {
    const events = [
      at(1, 'toolCall.started', { callId: 'call_5', functionName: 'e__long' }),
      server(2, { type: 'response.function_call_arguments.done', call_id: 'call_5', arguments: '{}' }),
      at(3, 'toolCall.progress', { callId: 'call_5', functionName: 'e__long', server: 'e', tool: 'long', progress: { progress: 1, total: 4, message: 'step one' } }),
      at(4, 'toolCall.progress', { callId: 'call_5', functionName: 'e__long', server: 'e', tool: 'long', progress: { progress: 2, total: 4 } }),
      at(5, 'toolCall.progress', { callId: 'call_5', functionName: 'e__long', server: 'e', tool: 'long', progress: 'lots' }),
    ];
    expect(deriveToolCards(events)[0]).toMatchObject({ status: 'running', progress: '2 / 4' });
  });

  it('keys by wire ids safely and ignores malformed events', () => {
    const cards = deriveToolCards([
      at(1, 'toolCall.started', { callId: '__proto__', functionName: 'a__b' }),
      at(2, 'toolCall.started', { callId: 12 }),
      at(3, 'toolCall.ended', null),
      at(4, 'approval.settled', { approvalId: 'nobody', decision: 'approved' }),
      server(5, { type: 'response.function_call_arguments.delta', item_id: 'unknown', delta: 'x' }),
      at(6, 'toolCall.ended', { callId: '__proto__', code: 'ok', truncated: true, bytes: 90000 }),
    ]);
    expect(cards).toHaveLength(1);
    expect(cards[0]).toMatchObject({ callId: '__proto__', status: 'done', output: { texts: ['(The output was too large for the event stream: 90000 bytes.)'] } });
  });
});
