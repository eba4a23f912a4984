import { describe, expect, it } from 'vitest';
import type { ClientEvent } from './generated/types.js';
import { createMemoryTransport } from './memoryTransport.js';
import { describeRefusedSend, watchRefusedSends, type RefusedSend } from './refusedSends.js';

const invalid = { type: 'conversation.item.create', item: { type: 'function_call_output', call_id: 'call_1', output: 'ok', callId: 'typo' } } as unknown as ClientEvent;

describe('watchRefusedSends', () => {
  it('hears a send the encoder refuses, with the event and the codec error, and lets valid sends through', async () => {
    const inner = createMemoryTransport();
    const refused: RefusedSend[] = [];
    const transport = watchRefusedSends(inner, (refusal) => refused.push(refusal));
    await transport.connect();
    expect(transport.state).toBe('open');
    expect(transport.send({ type: 'response.create' })).toEqual({ ok: true });
    const result = transport.send(invalid);
    expect(result.ok).toBe(false);
    expect(refused).toEqual([{ event: invalid, error: expect.objectContaining({ code: 'invalid_event' }) }]);
    expect(inner.sent).toEqual(['{"type":"response.create"}']);
    expect(describeRefusedSend(refused[0]!)).toMatch(/\/item\/callId.*The refused event: \{"type":"conversation.item.create".*"callId":"typo"/);
  });

  it('does not count a valid event refused because the connection is closed, but does count an invalid one', async () => {
    const refused: RefusedSend[] = [];
    const transport = watchRefusedSends(createMemoryTransport(), (refusal) => refused.push(refusal));
    await transport.connect();
    await transport.close();
    expect(transport.send({ type: 'response.create' }).ok).toBe(false);
    expect(refused).toEqual([]);
    transport.send(invalid);
    expect(refused.map((refusal) => refusal.event)).toEqual([invalid]);
  });

  it('passes listeners through to the transport it watches', async () => {
    const inner = createMemoryTransport();
    const transport = watchRefusedSends(inner, () => undefined);
    const frames: string[] = [];
    const off = transport.on('frame', (direction, text) => frames.push(`${direction} ${text}`));
    await transport.connect();
    transport.send({ type: 'response.cancel' });
    off();
    transport.send({ type: 'response.create' });
    expect(frames).toEqual(['out {"type":"response.cancel"}']);
  });

  it('describes an event that is not JSON by its type', () => {
    const cyclic: Record<string, unknown> = { type: 'session.update' };
    cyclic.self = cyclic;
    const text = describeRefusedSend({ event: cyclic as unknown as ClientEvent, error: new Error('Failed to encode.') as never });
    expect(text).toBe('Failed to encode. The refused event: session.update');
  });
});
